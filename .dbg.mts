import fc from 'fast-check';
import { analyse } from './src/core/analysis/analyse.ts';
import { loadRegistry } from './src/node/discover-nodes.ts';
const registry = await loadRegistry();
// quick random docs with hostile values per node type
const hostile = [1e9, 1e308, 2**53, 2**31, [1e9,1e9,1e9,1e9], [1e9,1e9], 2000, [64,64,64,64]];
for (const def of registry.all()) {
  for (const [k, spec] of Object.entries(def.params)) {
    for (const v of hostile) {
      const t0 = Date.now();
      const doc: any = { format:'netwright.graph', formatVersion:1, meta:{title:''}, layout:{}, nodes: { in: {type:'io.input', v:1, params:{shape:[8,8,3]}}, n: {type:def.type, v:1, params:{[k]:v}} }, edges: {e:{from:{node:'in',port:'y'},to:{node:'n',port: Object.keys(typeof def.inputs==='function'?{}:def.inputs)[0] ?? 'x'}}} };
      const a = analyse(doc, registry);
      const dt = Date.now()-t0;
      const internal = a.diagnostics.filter(d=>d.code.includes('internal'));
      if (dt > 50 || internal.length) console.log(def.type, k, JSON.stringify(v), dt, internal.map(d=>d.message));
    }
  }
}
console.log('done');
