// Hostile-input limits (issue 19): how long refusing a 60,000-node graph takes — as a share link
// (decode + inflate + parse) and as file text (parse) — and analysing a 10,000-node chain that the
// depth limit refuses. Goal: a refused link well within a second. The link is decoded while it
// inflates and its nodes counted as they stream by, so it stops after the first 20,000; a file's
// text is scanned the same way before JSON.parse. `fullParseMs` is what JSON.parse alone costs.
import { decodeShareHash, encodeShareHash } from '../src/app/share.ts';
import { analyse } from '../src/core/analysis/analyse.ts';
import { parseGraphText } from '../src/core/doc/parse.ts';
import type { GraphDoc } from '../src/core/doc/schema.ts';
import type { Registry } from '../src/core/registry.ts';

function chain(n: number): GraphDoc {
  // Short ids and default params, so 60,000 nodes stay under the 8 MB a file or link may hold.
  const nodes: GraphDoc['nodes'] = { n0: { type: 'io.input', v: 1, params: { shape: [4] } } };
  const edges: GraphDoc['edges'] = {};
  for (let i = 1; i < n; i++) {
    nodes[`n${i}`] = { type: 'layers.dense', v: 1, params: {} };
    edges[`e${i}`] = { from: { node: `n${i - 1}`, port: 'y' }, to: { node: `n${i}`, port: 'x' } };
  }
  return { format: 'netwright.graph', formatVersion: 2, meta: { title: 'chain' }, nodes, edges, layout: {} };
}

export async function hostileLimits(registry: Registry) {
  const text = JSON.stringify(chain(60_000));
  const hash = await encodeShareHash(text);
  let t0 = performance.now();
  const linkRefusal = await decodeShareHash(hash).then(
    (t) => parseGraphText(t).diagnostics[0]?.message,
    (e: Error) => e.message,
  );
  const linkMs = performance.now() - t0;
  t0 = performance.now();
  const file = parseGraphText(text);
  const fileMs = performance.now() - t0;
  t0 = performance.now();
  JSON.parse(text);
  const fullParseMs = performance.now() - t0;
  const deep = chain(10_000);
  t0 = performance.now();
  const a = analyse(deep, registry);
  const analyseMs = performance.now() - t0;
  return {
    goal: 'link refused < 1000 ms',
    nodes: 60_000,
    fileMB: +(text.length / 2 ** 20).toFixed(1),
    linkKB: +(hash.length / 1024).toFixed(0),
    linkRefusal,
    linkRefuseMs: +linkMs.toFixed(0),
    fileRefusedAs: file.diagnostics.map((d) => d.code),
    fileRefuseMs: +fileMs.toFixed(0),
    fullParseMs: +fullParseMs.toFixed(0),
    analyse10kChainMs: +analyseMs.toFixed(0),
    analyse10kChainCodes: a.diagnostics.map((d) => d.code),
  };
}
