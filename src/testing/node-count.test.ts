// The streaming node counter (issue 19): it must count what a full JSON.parse would find — the
// keys of `nodes` and of every group's `graph.nodes` down to the group-depth limit — however the
// text is indented, whatever the strings hold, and wherever the text is cut into chunks. The
// reference here walks the parsed object; the counter never sees it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeShareHash, encodeShareHash } from '../app/share.ts';
import { countNodesInText, NodeCounter } from '../core/doc/node-count.ts';
import { MAX_FILE_GROUP_DEPTH, MAX_GRAPH_NODES, parseGraphText } from '../core/doc/parse.ts';

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Nodes of a parsed document, recursively: the reference the counter is checked against. */
function referenceCount(nodes: unknown, depth = 0, maxDepth = MAX_FILE_GROUP_DEPTH): number {
  if (!isObj(nodes)) return 0;
  let n = 0;
  for (const rec of Object.values(nodes)) {
    n++;
    if (isObj(rec) && isObj(rec.graph) && depth < maxDepth)
      n += referenceCount(rec.graph.nodes, depth + 1, maxDepth);
  }
  return n;
}

/** Text meant to trip a scanner: quotes, backslashes, braces and the very keys it looks for. */
const tricky = fc.oneof(
  fc.constantFrom('"nodes":{', '\\', '\\"', '{"graph":', '}', ']', '[', ':', ',', '"a":{}', 'nodes', 'graph'),
  fc.string({ maxLength: 8, unit: 'binary' }),
);
const text = fc.array(tricky, { maxLength: 4 }).map((a) => a.join(''));
const id = fc.oneof(fc.stringMatching(/^[a-z][a-z0-9]{0,4}$/), text);

interface NodeArb {
  type: string;
  v: number;
  params?: Record<string, unknown>;
  graph?: { nodes: Record<string, NodeArb>; edges?: unknown } | undefined;
}

const node: fc.Memo<NodeArb> = fc.memo((d) =>
  fc.record(
    {
      type: fc.oneof(fc.constant('layers.dense'), text),
      v: fc.constant(1),
      // Params may hold arrays and objects with `nodes`/`graph` keys, which must not count.
      params: fc.dictionary(fc.oneof(fc.constantFrom('nodes', 'graph'), id), fc.jsonValue({ maxDepth: 2 }), {
        maxKeys: 2,
      }),
      graph:
        d > 1
          ? fc.record({
              nodes: fc.dictionary(id, node(d - 1), { maxKeys: 3 }),
              edges: fc.jsonValue({ maxDepth: 1 }),
            })
          : fc.constant(undefined),
    },
    { requiredKeys: ['type', 'v'] },
  ),
);

const doc = fc.record({
  format: fc.constant('netwright.graph'),
  meta: fc.record({ title: text, description: fc.jsonValue({ maxDepth: 2 }) }),
  nodes: fc.dictionary(id, node(4), { maxKeys: 6 }),
  edges: fc.dictionary(id, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 2 }),
});

describe('NodeCounter', () => {
  it('counts what the parsed document holds, for any indentation and chunking', () => {
    fc.assert(
      fc.property(doc, fc.constantFrom(0, 2), fc.array(fc.nat(), { maxLength: 6 }), (d, indent, cuts) => {
        const json = JSON.stringify(d, null, indent);
        const parsed = JSON.parse(json) as { nodes: unknown };
        const counter = new NodeCounter(MAX_FILE_GROUP_DEPTH);
        const at = [...new Set(cuts.map((c) => c % (json.length + 1)))].sort((a, b) => a - b);
        let from = 0;
        for (const to of [...at, json.length]) {
          counter.feed(json.slice(from, to));
          from = to;
        }
        expect(counter.count).toBe(referenceCount(parsed.nodes));
      }),
      { numRuns: 300 },
    );
  });

  it('stops following groups at the depth limit, as the parser does', () => {
    // Groups nested 3 deep, each holding one inner node beside the next group.
    const nest = (depth: number): Record<string, unknown> =>
      depth === 0
        ? { leaf: { type: 'layers.dense', v: 1 } }
        : { g: { type: 'group.subgraph', v: 1, graph: { nodes: nest(depth - 1) } }, x: { type: 'a', v: 1 } };
    const json = JSON.stringify({ nodes: nest(3) });
    for (const max of [0, 1, 2, 3])
      expect(new NodeCounter(max).feed(json)).toBe(referenceCount(nest(3), 0, max));
  });
});

describe('oversized graphs are refused before they are parsed whole', () => {
  const chain = (n: number) => {
    const nodes: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) nodes[`n${i}`] = { type: 'layers.dense', v: 1, params: {} };
    return JSON.stringify({ format: 'netwright.graph', formatVersion: 1, meta: { title: 't' }, nodes });
  };

  it('a file: the text scan stops past the limit and gives the parser’s diagnostic', () => {
    const json = chain(60_000);
    expect(countNodesInText(json, MAX_GRAPH_NODES, MAX_FILE_GROUP_DEPTH)).toBeGreaterThan(MAX_GRAPH_NODES);
    // Stopped early: well short of all 60,000.
    expect(countNodesInText(json, MAX_GRAPH_NODES, MAX_FILE_GROUP_DEPTH)).toBeLessThan(30_000);
    const r = parseGraphText(json);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['doc/too-many-nodes']);
    expect(r.diagnostics[0]!.message).toContain('more than 20,000 nodes');
  });

  it('a graph exactly at the limit still opens', () => {
    const r = parseGraphText(chain(MAX_GRAPH_NODES));
    expect(r.diagnostics).toEqual([]);
    expect(Object.keys(r.doc!.nodes)).toHaveLength(MAX_GRAPH_NODES);
  });

  it('a share link: refused while it inflates, with the limit and the fix named', async () => {
    const hash = await encodeShareHash(chain(60_000));
    await expect(decodeShareHash(hash)).rejects.toThrow(
      /^this graph has more than 20,000 nodes .*Split it into smaller graphs$/,
    );
    // A link within the limit decodes to its exact text.
    const ok = chain(500);
    expect(await decodeShareHash(await encodeShareHash(ok))).toBe(ok);
  });
});
