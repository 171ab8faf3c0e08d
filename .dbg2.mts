import { readFileSync } from 'node:fs';
import { analyse } from './src/core/analysis/analyse.ts';
import { loadRegistry } from './src/node/discover-nodes.ts';
const registry = await loadRegistry();
const doc = JSON.parse(readFileSync('/tmp/last.json','utf8'));
const t = Date.now();
const a = analyse(doc, registry);
console.log(Date.now()-t, a.diagnostics.map(d=>d.code));
