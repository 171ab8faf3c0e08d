// GraphDoc parsing: every failure is a Diagnostic with a stable code; ids are data, never keys
// that reach Object.prototype.
import { describe, expect, it } from 'vitest';
import { analyseText } from '../core/analysis/analyse.ts';
import type { Diagnostic } from '../core/diagnostics.ts';
import { parseGraphText, parseGraphValue } from '../core/doc/parse.ts';
import { CURRENT_FORMAT_VERSION } from '../core/doc/schema.ts';
import { lowerGraph } from '../core/lower.ts';
import { loadRegistry } from '../node/discover-nodes.ts';
import { BROKEN_FIXTURES, readFixture, VALID_MLP_FIXTURE } from './fixtures/broken.ts';

const registry = await loadRegistry();

const graph = (extra: Record<string, unknown> = {}) => ({
  format: 'netwright.graph',
  formatVersion: 1,
  nodes: { in: { type: 'io.input', v: 1, params: { shape: [4] } } },
  ...extra,
});

const codes = (ds: readonly Diagnostic[]) => ds.map((d) => d.code);

function expectProtoClean() {
  const probe = {} as Record<string, unknown>;
  expect(probe.polluted).toBeUndefined();
  expect(probe.type).toBeUndefined();
  expect(probe.x).toBeUndefined();
  expect(Object.hasOwn(Object.prototype, 'polluted')).toBe(false);
  expect(typeof probe.toString).toBe('function');
  expect(typeof probe.hasOwnProperty).toBe('function');
  expect(Object.getPrototypeOf(probe)).toBe(Object.prototype);
}

describe('parseGraphText', () => {
  it('parses the valid MLP fixture without diagnostics', () => {
    const r = parseGraphText(readFixture(VALID_MLP_FIXTURE));
    expect(r.diagnostics).toEqual([]);
    expect(r.doc?.formatVersion).toBe(CURRENT_FORMAT_VERSION);
    expect(Object.keys(r.doc?.nodes ?? {})).toEqual(['in', 'd1', 'd2', 'out', 'loss', 'acc']);
  });

  it('fills defaults: meta title, empty edges and layout, empty params', () => {
    const r = parseGraphValue({
      format: 'netwright.graph',
      formatVersion: 1,
      nodes: { o: { type: 'io.output', v: 1 } },
    });
    expect(r.diagnostics).toEqual([]);
    expect(r.doc?.meta.title).toBe('Untitled graph');
    expect({ ...r.doc?.edges }).toEqual({});
    expect({ ...r.doc?.layout }).toEqual({});
    expect(r.doc?.nodes.o?.params).toEqual({});
  });

  it.each([
    ['{\n  "a": 1,\n}', 3, 1],
    ['{"format": "netwright.graph" "formatVersion": 1}', 1, 30],
    ['{\n"a":\n 1 x}', 3, 4],
  ])('unreadable JSON %j → doc/unreadable-json at line %i, column %i', (text, line, column) => {
    const r = parseGraphText(text);
    expect(r.doc).toBeUndefined();
    expect(codes(r.diagnostics)).toEqual(['doc/unreadable-json']);
    expect(r.diagnostics[0]!.message).toContain(`line ${line}, column ${column}`);
    expect(r.diagnostics[0]!.severity).toBe('error');
  });

  it('truncated JSON reports the end of the text as the position', () => {
    const text = '{\n  "format": "netwright.graph",\n  "nodes": {';
    const r = parseGraphText(text);
    expect(codes(r.diagnostics)).toEqual(['doc/unreadable-json']);
    expect(r.diagnostics[0]!.message).toMatch(/line 3, column 13/);
    expect(parseGraphText('').diagnostics[0]!.message).toMatch(/line 1, column 1/);
  });

  it('the unreadable-JSON fixture names line and column', () => {
    const r = parseGraphText(readFixture('doc-unreadable-json.graph.json'));
    expect(codes(r.diagnostics)).toEqual(['doc/unreadable-json']);
    expect(r.diagnostics[0]!.message).toMatch(/line 6, column 5/);
  });
});

describe('parseGraphValue', () => {
  it.each([
    ['null', null],
    ['a number', 42],
    ['a string', 'netwright.graph'],
    ['an array', [graph()]],
    ['an object without format', { nodes: {} }],
    ['another format', { format: 'layers-model', modelTopology: {} }],
    ['a non-integer formatVersion', graph({ formatVersion: 1.5 })],
    ['a string formatVersion', graph({ formatVersion: '1' })],
    ['a negative formatVersion', graph({ formatVersion: -1 })],
    ['a missing formatVersion', { format: 'netwright.graph', nodes: {} }],
  ])('%s → doc/not-a-graph', (_, value) => {
    const r = parseGraphValue(value);
    expect(r.doc).toBeUndefined();
    expect(codes(r.diagnostics)).toEqual(['doc/not-a-graph']);
  });

  it('a tfjs model.json is not a graph, and the message points at netwright import', () => {
    const r = parseGraphText(readFixture('doc-not-a-graph.graph.json'));
    expect(codes(r.diagnostics)).toEqual(['doc/not-a-graph']);
    expect(r.diagnostics[0]!.message).toContain('netwright import');
  });

  it('a newer formatVersion → doc/newer-format', () => {
    const r = parseGraphValue(graph({ formatVersion: CURRENT_FORMAT_VERSION + 1 }));
    expect(r.doc).toBeUndefined();
    expect(codes(r.diagnostics)).toEqual(['doc/newer-format']);
    expect(r.diagnostics[0]!.message).toContain(`formatVersion ${CURRENT_FORMAT_VERSION + 1}`);
    expect(codes(parseGraphText(readFixture('doc-newer-format.graph.json')).diagnostics)).toEqual([
      'doc/newer-format',
    ]);
  });

  it('an invalid node record → doc/invalid naming node and field', () => {
    const r = parseGraphText(readFixture('doc-invalid.graph.json'));
    expect(r.doc).toBeUndefined();
    expect(r.diagnostics).toEqual([
      expect.objectContaining({ code: 'doc/invalid', nodeId: 'd1', field: 'v' }),
    ]);
    expect(r.diagnostics[0]!.message).toContain("'d1'");
  });

  it.each([
    ['missing type', { v: 1 }, 'type'],
    ['empty type', { type: '', v: 1 }, 'type'],
    ['v zero', { type: 'io.output', v: 0 }, 'v'],
    ['v fractional', { type: 'io.output', v: 1.5 }, 'v'],
    ['params an array', { type: 'io.output', v: 1, params: [1] }, 'params'],
    ['an unknown field', { type: 'io.output', v: 1, colour: 'red' }, 'colour'],
    ['a bad group', { type: 'io.output', v: 1, group: 'two words' }, 'group'],
  ])('node with %s → doc/invalid with field', (_, rec, field) => {
    const r = parseGraphValue(graph({ nodes: { n1: rec } }));
    expect(r.doc).toBeUndefined();
    expect(r.diagnostics).toContainEqual(
      expect.objectContaining({ code: 'doc/invalid', nodeId: 'n1', field }),
    );
  });

  it('a node record that is not an object → doc/invalid naming the node', () => {
    const r = parseGraphValue(graph({ nodes: { n1: 'dense' } }));
    expect(r.diagnostics).toEqual([expect.objectContaining({ code: 'doc/invalid', nodeId: 'n1' })]);
  });

  it('an invalid edge record → doc/invalid naming edge and field', () => {
    const r = parseGraphValue(
      graph({ edges: { e1: { from: { node: 'in' }, to: { node: 'in', port: 'x' } } } }),
    );
    expect(r.diagnostics).toEqual([
      expect.objectContaining({ code: 'doc/invalid', edgeId: 'e1', field: 'from.port' }),
    ]);
  });

  it('nodes missing or not an object → doc/invalid', () => {
    expect(codes(parseGraphValue({ format: 'netwright.graph', formatVersion: 1 }).diagnostics)).toContain(
      'doc/invalid',
    );
    expect(codes(parseGraphValue(graph({ nodes: [] })).diagnostics)).toContain('doc/invalid');
    expect(codes(parseGraphValue(graph({ edges: 'e1' })).diagnostics)).toContain('doc/invalid');
  });

  it('invalid top-level fields → doc/invalid with the path as field', () => {
    const r = parseGraphValue(graph({ meta: { title: 3 }, colour: 'red' }));
    expect(r.diagnostics).toContainEqual(
      expect.objectContaining({ code: 'doc/invalid', field: 'meta.title' }),
    );
    expect(r.diagnostics).toContainEqual(expect.objectContaining({ code: 'doc/invalid', field: 'colour' }));
    const t = parseGraphValue(graph({ training: { dataset: { name: 'mnist' }, batchSize: 0 } }));
    expect(t.diagnostics).toContainEqual(
      expect.objectContaining({ code: 'doc/invalid', field: 'training.batchSize' }),
    );
  });

  it.each([['1abc'], ['my layer!'], [''], ['a'.repeat(65)], ['a.b'], ['ü']])(
    'node id %j → doc/invalid-id naming it',
    (id) => {
      const r = parseGraphValue(graph({ nodes: { [id]: { type: 'io.output', v: 1 } } }));
      expect(r.doc).toBeUndefined();
      expect(r.diagnostics).toEqual([expect.objectContaining({ code: 'doc/invalid-id', nodeId: id })]);
    },
  );

  it('bad edge ids → doc/invalid-id naming the edge', () => {
    const e = { from: { node: 'in', port: 'y' }, to: { node: 'in', port: 'x' } };
    const r = parseGraphValue(graph({ edges: { 'edge #1': e } }));
    expect(r.diagnostics).toEqual([expect.objectContaining({ code: 'doc/invalid-id', edgeId: 'edge #1' })]);
  });

  it.each([['_'], ['a-b'], ['A_1'], ['a'.repeat(64)], ['x9-_Z']])('node id %j is allowed', (id) => {
    const r = parseGraphValue(graph({ nodes: { [id]: { type: 'io.output', v: 1 } } }));
    expect(r.diagnostics).toEqual([]);
    expect(Object.keys(r.doc!.nodes)).toEqual([id]);
  });

  it('reports every broken record, not just the first', () => {
    const r = parseGraphValue(
      graph({ nodes: { a: { v: 1 }, b: { type: 'x.y', v: 'one' }, 'bad id': { type: 'x.y', v: 1 } } }),
    );
    expect(r.diagnostics.map((d) => [d.code, d.nodeId])).toEqual([
      ['doc/invalid', 'a'],
      ['doc/invalid', 'b'],
      ['doc/invalid-id', 'bad id'],
    ]);
  });

  it('every parse-stage fixture fails to parse with its code', () => {
    for (const f of BROKEN_FIXTURES.filter((x) => x.stage === 'parse')) {
      const r = parseGraphText(readFixture(f.file));
      expect(r.doc, f.file).toBeUndefined();
      expect(codes(r.diagnostics), f.file).toContain(f.code);
      for (const d of r.diagnostics) {
        expect(typeof d.message, f.file).toBe('string');
        expect(d.message.length, f.file).toBeGreaterThan(10);
      }
    }
  });
});

describe('ids that are Object.prototype names stay plain data', () => {
  const SPECIAL = ['__proto__', 'constructor', 'toString', 'hasOwnProperty'] as const;
  // Written as text: a JS object literal `{ "__proto__": … }` would set a prototype instead.
  const text = `{
    "format": "netwright.graph", "formatVersion": 1,
    "nodes": {
      "__proto__": { "type": "io.input", "v": 1, "params": { "shape": [4], "__proto__": { "polluted": "params" } } },
      "constructor": { "type": "layers.dense", "v": 1, "params": { "units": 3, "constructor": { "prototype": { "polluted": "ctor" } } } },
      "toString": { "type": "layers.dense", "v": 1, "params": { "units": 2 } },
      "hasOwnProperty": { "type": "io.output", "v": 1 }
    },
    "edges": {
      "__proto__": { "from": { "node": "__proto__", "port": "y" }, "to": { "node": "constructor", "port": "x" } },
      "constructor": { "from": { "node": "constructor", "port": "y" }, "to": { "node": "toString", "port": "x" } },
      "toString": { "from": { "node": "toString", "port": "y" }, "to": { "node": "hasOwnProperty", "port": "x" } }
    },
    "layout": { "__proto__": { "x": 1, "y": 2 }, "constructor": { "x": 3, "y": 4 } }
  }`;

  it('parses them as own properties without touching Object.prototype', () => {
    const r = parseGraphText(text);
    expect(r.diagnostics).toEqual([]);
    const doc = r.doc!;
    expect(Object.keys(doc.nodes)).toEqual([...SPECIAL]);
    for (const id of SPECIAL) expect(Object.hasOwn(doc.nodes, id), id).toBe(true);
    expect(Object.getPrototypeOf(doc.nodes)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(doc.nodes, '__proto__')?.value).toMatchObject({
      type: 'io.input',
      v: 1,
    });
    expect(Object.getOwnPropertyDescriptor(doc.nodes, 'constructor')?.value).toMatchObject({
      type: 'layers.dense',
    });
    expect(Object.keys(doc.edges)).toEqual(['__proto__', 'constructor', 'toString']);
    expect(Object.getOwnPropertyDescriptor(doc.layout, '__proto__')?.value).toEqual({ x: 1, y: 2 });
    // A params key named __proto__ is dropped by the schema (never assigned), so no prototype swap.
    const params = Object.getOwnPropertyDescriptor(doc.nodes, '__proto__')?.value.params;
    expect(Object.getPrototypeOf(params)).toBe(Object.prototype);
    expect((params as Record<string, unknown>).polluted).toBeUndefined();
    expectProtoClean();
    // Round trip: the ids survive serialisation.
    const again = parseGraphText(JSON.stringify(doc));
    expect(again.diagnostics).toEqual([]);
    expect(Object.keys(again.doc!.nodes)).toEqual([...SPECIAL]);
    expectProtoClean();
  });

  it('analyses and lowers them like any other id', () => {
    const a = analyseText(text, registry);
    // The constructor node's stray `constructor` param is reported (it is not a Dense param) …
    expect(a.diagnostics).toEqual([
      expect.objectContaining({ code: 'param/invalid', nodeId: 'constructor', field: 'constructor' }),
    ]);
    // … and without it the graph is valid.
    const clean = analyseText(
      text.replace(', "constructor": { "prototype": { "polluted": "ctor" } }', ''),
      registry,
    );
    expect(clean.diagnostics).toEqual([]);
    expect(clean.ok).toBe(true);
    expect(clean.order).toEqual([...SPECIAL]);
    expect([...clean.nodes.keys()].sort()).toEqual([...SPECIAL].sort());
    expect(clean.nodes.get('__proto__')?.outputs.y?.shape).toEqual([null, 4]);
    expect(clean.totalParams).toBe(4 * 3 + 3 + 3 * 2 + 2);
    const lowered = lowerGraph(clean, registry);
    expect(lowered.ir?.nodes.map((n) => n.id)).toEqual([...SPECIAL]);
    expect(lowered.ir?.inputs).toEqual(['__proto__']);
    expect(lowered.ir?.outputs).toEqual(['hasOwnProperty']);
    expectProtoClean();
  });

  it('edges naming prototype properties of a node map that lacks them are missing nodes, not hits', () => {
    const t = `{"format":"netwright.graph","formatVersion":1,
      "nodes":{"in":{"type":"io.input","v":1,"params":{"shape":[4]}}},
      "edges":{"e1":{"from":{"node":"in","port":"y"},"to":{"node":"toString","port":"x"}},
               "e2":{"from":{"node":"__proto__","port":"y"},"to":{"node":"in","port":"x"}},
               "e3":{"from":{"node":"in","port":"constructor"},"to":{"node":"in","port":"__proto__"}}}}`;
    const a = analyseText(t, registry);
    expect(a.diagnostics.map((d) => [d.code, d.edgeId, d.nodeId])).toEqual([
      ['edge/missing-node', 'e1', 'in'],
      ['edge/missing-node', 'e2', 'in'],
      ['edge/missing-port', 'e3', 'in'],
    ]);
    expectProtoClean();
  });

  it('a top-level __proto__ key is an unknown field, not a prototype', () => {
    const r = parseGraphText(
      '{"format":"netwright.graph","formatVersion":1,"nodes":{},"__proto__":{"polluted":1}}',
    );
    expect(r.diagnostics).toEqual([expect.objectContaining({ code: 'doc/invalid', field: '__proto__' })]);
    expectProtoClean();
  });
});
