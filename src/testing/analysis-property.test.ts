// Property tests: analysis is total. Random graphs (every registered node type plus unknown ones,
// valid and hostile params, edges to anything), mutations of a valid MLP (through immer, so the
// memo sees structurally shared documents) and random or truncated JSON text: analysis never
// throws, every diagnostic has a code and a message and names nodes that exist, a graph without
// errors lowers to an IR, memoised and fresh analyses agree, and Object.prototype stays clean.
import fc from 'fast-check';
import { produce } from 'immer';
import { describe, expect, it } from 'vitest';
import { type Analysis, analyse, analyseText } from '../core/analysis/analyse.ts';
import { DATASETS } from '../core/datasets/index.ts';
import { parseGraphText } from '../core/doc/parse.ts';
import type { EdgeRecord, GraphDoc, NodeRecord } from '../core/doc/schema.ts';
import { RESERVED_IDS } from '../core/fixes.ts';
import { GroupingError, groupNodes, ungroupNode } from '../core/grouping.ts';
import { lowerGraph } from '../core/lower.ts';
import { type AnyNodeDef, portsOf } from '../core/node-def.ts';
import { type ParamSpec, type ParamSpecs, resolveParams } from '../core/params.ts';
import { loadRegistry } from '../node/discover-nodes.ts';
import { BROKEN_FIXTURES, readFixture, VALID_MLP_FIXTURE } from './fixtures/broken.ts';

const registry = await loadRegistry();
const DEFS = registry.all();
const TYPES = DEFS.map((d) => d.type);
const PROTO_NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf'];
/** NETWRIGHT_PROPERTY_SCALE=10 runs ten times as many cases (a deeper, slower hunt). */
const SCALE = Number(process.env.NETWRIGHT_PROPERTY_SCALE ?? 1) || 1;
const runs = (n: number) => Math.max(1, Math.round(n * SCALE));
const PROTO_KEYS_BEFORE = Object.getOwnPropertyNames(Object.prototype).sort();

// ---------------------------------------------------------------------------------------------
// Checks every analysis must pass.

function expectProtoClean() {
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(PROTO_KEYS_BEFORE);
  const probe = {} as Record<string, unknown>;
  expect(probe.polluted).toBeUndefined();
  expect(probe.type).toBeUndefined();
  expect(probe.units).toBeUndefined();
  expect(Object.getPrototypeOf(probe)).toBe(Object.prototype);
}

function summary(a: Analysis) {
  return {
    ok: a.ok,
    order: a.order,
    totalParams: a.totalParams,
    diagnostics: a.diagnostics,
    data: a.data,
    nodes: [...a.nodes.values()].map((n) => ({
      id: n.id,
      type: n.def?.type,
      record: n.record,
      params: n.params,
      inputs: n.inputs,
      sources: n.sources,
      outputs: n.outputs,
      paramCount: n.paramCount,
      ok: n.ok,
    })),
  };
}

/** Diagnostics are well formed (in any analysis, including failed parses). */
function expectWellFormed(a: Analysis) {
  for (const d of a.diagnostics) {
    expect(typeof d.code).toBe('string');
    expect(d.code).toMatch(/^[a-z]+\/[a-z0-9-]+$/);
    expect(typeof d.message).toBe('string');
    expect(d.message.length).toBeGreaterThan(0);
    expect(['error', 'warning']).toContain(d.severity);
    // An internal error is a bug in analysis or in a node's infer (which must use reject()).
    expect(d.code, d.message).not.toBe('internal/analysis-failed');
    expect(d.code, d.message).not.toBe('node/internal-error');
  }
  expect(a.ok).toBe(a.diagnostics.every((d) => d.severity !== 'error'));
  if (!a.doc) expect(a.diagnostics.length).toBeGreaterThan(0);
}

/** The full property for an analysis of a parsed (or constructed) document. */
function expectSound(doc: GraphDoc, a: Analysis) {
  expectWellFormed(a);
  const ids = Object.keys(doc.nodes);
  for (const d of a.diagnostics) {
    // A nodeId names a node of the document (for edge/missing-node: the edge's existing end).
    if (d.nodeId !== undefined)
      expect(Object.hasOwn(doc.nodes, d.nodeId), `${d.code} names '${d.nodeId}'`).toBe(true);
    if (d.edgeId !== undefined)
      expect(Object.hasOwn(doc.edges, d.edgeId), `${d.code} names edge '${d.edgeId}'`).toBe(true);
    if (d.code === 'edge/missing-node' && d.nodeId !== undefined) {
      const e = doc.edges[d.edgeId!]!;
      expect([e.from.node, e.to.node]).toContain(d.nodeId);
    }
    if (d.code === 'param/invalid' && d.nodeId !== undefined) expect(typeof d.field).toBe('string');
    if (d.code === 'graph/cycle') {
      // The message walks a real cycle (consecutive nodes joined by edges, back to the start).
      const path = /cycle: (.*?)\. Networks/.exec(d.message)?.[1]?.split(' → ') ?? [];
      expect(path.length).toBeGreaterThanOrEqual(2);
      expect(path[0]).toBe(path.at(-1));
      expect(path[0]).toBe(d.nodeId);
      const edges = Object.values(doc.edges);
      for (let i = 0; i + 1 < path.length; i++)
        expect(
          edges.some((e) => e.from.node === path[i] && e.to.node === path[i + 1]),
          d.message,
        ).toBe(true);
    }
  }
  // Every node is kept; the order is a duplicate-free subset of the nodes.
  expect([...a.nodes.keys()].sort()).toEqual([...ids].sort());
  expect(new Set(a.order).size).toBe(a.order.length);
  for (const id of a.order) expect(Object.hasOwn(doc.nodes, id)).toBe(true);
  // Inferred shapes hold known dims as positive whole numbers (or null); counts are finite and add up.
  for (const n of a.nodes.values())
    for (const [port, t] of Object.entries(n.outputs))
      for (const d of t.shape)
        if (d !== null)
          expect(Number.isSafeInteger(d) && d >= 1, `${n.id}.${port}: ${JSON.stringify(t.shape)}`).toBe(true);
  expect(Number.isFinite(a.totalParams)).toBe(true);
  expect(a.totalParams).toBeGreaterThanOrEqual(0);
  expect(a.totalParams).toBe([...a.nodes.values()].reduce((s, n) => s + n.paramCount, 0));
  if (a.ok) {
    const lowered = lowerGraph(a, registry);
    expect(lowered.diagnostics).toEqual([]);
    expect(lowered.ir).toBeDefined();
    const ir = lowered.ir!;
    // Every node lowers once; a group's inside is spliced in (ids `<group>__…`) or fused into one
    // node named like the group, and a group with nothing inside lowers to nothing.
    const irIds = [...ir.nodes, ...ir.losses, ...ir.metrics].map((n) => n.id);
    const groups = a.order.filter((id) => a.nodes.get(id)?.def?.kind === 'group');
    const plain = a.order.filter((id) => !groups.includes(id));
    for (const id of plain) expect(irIds.filter((x) => x === id)).toHaveLength(1);
    for (const id of irIds)
      expect(plain.includes(id) || groups.some((g) => id === g || id.startsWith(`${g}__`)), id).toBe(true);
    expect(() => JSON.stringify(ir)).not.toThrow();
  } else {
    expect(lowerGraph(a, registry).ir).toBeUndefined();
  }
  expectProtoClean();
}

/** Analysing a structurally fresh copy gives the same result as the (possibly memoised) one. */
function expectMemoAgrees(doc: GraphDoc, a: Analysis) {
  expect(summary(analyse(structuredClone(doc), registry))).toEqual(summary(a));
}

// ---------------------------------------------------------------------------------------------
// Arbitraries.

const idArb = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...PROTO_NAMES, 'in', 'a', 'b', 'c', 'd', 'out') },
  { weight: 2, arbitrary: fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_-]{0,6}$/) },
);

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer({ min: -10, max: 2000 }),
  fc.double(),
  fc.constantFrom(
    0,
    -1,
    1,
    2,
    3,
    0.5,
    -0,
    1e9,
    1e308,
    -1e308,
    2 ** 53,
    2 ** 31,
    Number.NaN,
    Number.POSITIVE_INFINITY,
  ),
  fc.constantFrom(
    'NaN',
    'Infinity',
    '-1',
    '3',
    '',
    'same',
    'valid',
    'relu',
    'softmax',
    '__proto__',
    'x'.repeat(500),
  ),
  fc.constantFrom(
    true,
    false,
    null,
    [],
    {},
    [[1]],
    { value: 3 },
    [-1, -1],
    [0, 0],
    [1e9, 1e9, 1e9, 1e9],
    [1e300, 1e300, 3],
  ),
  fc.array(fc.oneof(fc.integer({ min: -2, max: 64 }), fc.constantFrom(1e9, 0.5, 'x', null, -1)), {
    maxLength: 6,
  }),
  fc.string({ maxLength: 8 }),
  fc.jsonValue({ maxDepth: 3 }),
);

function validValue(spec: ParamSpec): fc.Arbitrary<unknown> {
  switch (spec.kind) {
    case 'int': {
      const min = spec.min ?? -50;
      return fc.integer({ min, max: Math.max(min, Math.min(spec.max ?? 50, min + 40)) });
    }
    case 'float':
      return fc.double({ min: spec.min ?? -10, max: spec.max ?? 10, noNaN: true, noDefaultInfinity: true });
    case 'bool':
      return fc.boolean();
    case 'enum':
      return fc.constantFrom(...spec.options);
    case 'string':
      return fc.string({ maxLength: Math.min(spec.maxLength ?? 10, 10) });
    case 'shape':
      return fc.array(fc.integer({ min: spec.allowInferred ? -1 : 1, max: 8 }), {
        minLength: spec.minLength ?? 0,
        maxLength: Math.min(spec.maxLength ?? 4, 4),
      });
  }
}

/** Params for a spec table: mostly valid values, some hostile, some unknown keys (incl. __proto__). */
function paramsArb(specs: ParamSpecs): fc.Arbitrary<Record<string, unknown>> {
  const known = Object.entries(specs).map(([key, spec]) =>
    fc.option(
      fc
        .oneof({ weight: 5, arbitrary: validValue(spec) }, { weight: 1, arbitrary: hostileValue })
        .map((v) => [key, v] as const),
      { freq: 3 },
    ),
  );
  const extra = fc.array(fc.tuple(fc.constantFrom(...PROTO_NAMES, 'unit', 'shape', 'nope'), hostileValue), {
    maxLength: 1,
  });
  return fc
    .tuple(
      fc.tuple(...known),
      fc.oneof({ weight: 6, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: extra }),
    )
    .map(([k, x]) => Object.fromEntries([...k.filter((e) => e !== null), ...x]));
}

const UNKNOWN_TYPES = ['layers.nope', 'nope.nope', '__proto__', 'constructor', 'toString'];
const nodeArb: fc.Arbitrary<NodeRecord> = fc
  .oneof(
    { weight: 12, arbitrary: fc.constantFrom(...TYPES) },
    { weight: 1, arbitrary: fc.constantFrom(...UNKNOWN_TYPES) },
  )
  .chain((type) => {
    const def = registry.get(type);
    return fc.record({
      type: fc.constant(type),
      v: fc.oneof(
        { weight: 12, arbitrary: fc.constant(def?.version ?? 1) },
        { weight: 1, arbitrary: fc.integer({ min: 1, max: 3 }) },
      ),
      params: def
        ? paramsArb(def.params)
        : fc.dictionary(fc.string({ maxLength: 4 }), hostileValue, { maxKeys: 2 }),
    });
  });

/** Input ports as analysis sees them: from the resolved (validated) params, as analysis does. */
function inputPortsOf(def: AnyNodeDef | undefined, params: Record<string, unknown>): string[] {
  if (!def) return [];
  try {
    return Object.keys(portsOf(def, resolveParams(def.params, params).values));
  } catch {
    return [];
  }
}

const JUNK_PORTS = ['x', 'y', 'pred', 'target', 'loss', 'nope', '__proto__', 'constructor'];
const JUNK_NODES = ['ghost', '__proto__', 'constructor', 'toString'];

/** Edges over the given nodes: mostly plausible (real ports, earlier → later), some anything. */
function edgesArb(nodes: Record<string, NodeRecord>): fc.Arbitrary<Record<string, EdgeRecord>> {
  const ids = Object.keys(nodes);
  const outs = (id: string) => Object.keys(registry.get(nodes[id]?.type ?? '')?.outputs ?? {});
  const ins = (id: string) => inputPortsOf(registry.get(nodes[id]?.type ?? ''), nodes[id]?.params ?? {});
  const pick = (xs: readonly string[], junk: readonly string[]) =>
    xs.length
      ? fc.oneof(
          { weight: 6, arbitrary: fc.constantFrom(...xs) },
          { weight: 1, arbitrary: fc.constantFrom(...junk) },
        )
      : fc.constantFrom(...junk);
  const forward: fc.Arbitrary<EdgeRecord> | undefined =
    ids.length >= 2
      ? fc
          .tuple(fc.nat(ids.length - 1), fc.nat(ids.length - 1))
          .filter(([i, j]) => i !== j)
          .chain(([i, j]) => {
            const [a, b] = i < j ? [ids[i]!, ids[j]!] : [ids[j]!, ids[i]!];
            return fc.record({
              from: fc.record({ node: fc.constant(a), port: pick(outs(a), JUNK_PORTS) }),
              to: fc.record({ node: fc.constant(b), port: pick(ins(b), JUNK_PORTS) }),
            });
          })
      : undefined;
  const endpoint = (side: 'from' | 'to') =>
    pick(ids, JUNK_NODES).chain((node) =>
      fc.record({
        node: fc.constant(node),
        port: pick(side === 'from' ? outs(node) : ins(node), JUNK_PORTS),
      }),
    );
  const anyEdge: fc.Arbitrary<EdgeRecord> = fc.record({ from: endpoint('from'), to: endpoint('to') });
  const edge = forward
    ? fc.oneof({ weight: 4, arbitrary: forward }, { weight: 1, arbitrary: anyEdge })
    : anyEdge;
  return fc.array(fc.tuple(idArb, edge), { maxLength: 14 }).map((es) => Object.fromEntries(es));
}

const datasetNames = DATASETS.map((d) => d.name);
const trainingArb: fc.Arbitrary<GraphDoc['training']> = fc.record({
  dataset: fc.record({
    name: fc.constantFrom(...datasetNames, 'nope', '__proto__'),
    params: fc.oneof(
      fc.constant({}),
      fc.constantFrom(...DATASETS).chain((d) => paramsArb(d.params)),
      fc.dictionary(fc.constantFrom('flat', 'trainSize', 'valSize', 'noise', '__proto__'), hostileValue, {
        maxKeys: 2,
      }),
    ),
  }),
  optimizer: fc.record({
    type: fc.constantFrom(...TYPES.filter((t) => t.startsWith('optimizers.')), 'layers.dense', 'nope'),
    params: fc.dictionary(fc.constantFrom('learningRate', 'beta1', 'momentum', 'nope'), hostileValue, {
      maxKeys: 2,
    }),
  }),
  batchSize: fc.constant(32),
  epochs: fc.constant(1),
  seed: fc.constant(1),
});

const docArb: fc.Arbitrary<GraphDoc> = fc
  .array(fc.tuple(idArb, nodeArb), { maxLength: 10 })
  .map((ns) => Object.fromEntries(ns) as Record<string, NodeRecord>)
  .chain((nodes) =>
    fc.record({
      nodes: fc.constant(nodes),
      edges: edgesArb(nodes),
      training: fc.option(trainingArb, { freq: 3 }),
    }),
  )
  .map(({ nodes, edges, training }) => ({
    format: 'netwright.graph' as const,
    formatVersion: 2 as const,
    meta: { title: 'random' },
    nodes,
    edges,
    layout: {},
    ...(training ? { training } : {}),
  }));

// ---------------------------------------------------------------------------------------------
// Mutations of a valid MLP.

const MLP = parseGraphText(readFixture(VALID_MLP_FIXTURE)).doc!;

type Mutation =
  | { kind: 'set-param'; node: number; key: string; value: unknown }
  | { kind: 'delete-param'; node: number; key: string }
  | { kind: 'delete-node'; node: number }
  | { kind: 'delete-edge'; edge: number }
  | { kind: 'retarget'; edge: number; end: 'from' | 'to'; node: number | string; port: string }
  | { kind: 'add-edge'; id: string; from: number; fromPort: string; to: number; toPort: string }
  | { kind: 'add-node'; id: string; rec: NodeRecord }
  | { kind: 'rename-node'; node: number; id: string; rewire: boolean }
  | { kind: 'set-type'; node: number; type: string }
  | { kind: 'set-v'; node: number; v: number }
  | { kind: 'dataset'; name: string | undefined };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('set-param' as const),
      node: fc.nat(20),
      key: fc.constantFrom('units', 'activation', 'useBias', 'shape', 'fromLogits', 'unit', '__proto__'),
      value: fc.oneof(hostileValue, fc.integer({ min: 1, max: 300 })),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('delete-param' as const),
      node: fc.nat(20),
      key: fc.constantFrom('units', 'shape', 'activation'),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete-node' as const), node: fc.nat(20) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete-edge' as const), edge: fc.nat(20) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('retarget' as const),
      edge: fc.nat(20),
      end: fc.constantFrom('from' as const, 'to' as const),
      node: fc.oneof(fc.nat(20), fc.constantFrom(...JUNK_NODES)),
      port: fc.constantFrom(...JUNK_PORTS),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('add-edge' as const),
      id: idArb,
      from: fc.nat(20),
      fromPort: fc.constantFrom('y', 'loss', 'value', 'nope'),
      to: fc.nat(20),
      toPort: fc.constantFrom('x', 'pred', 'target', 'nope'),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('add-node' as const), id: idArb, rec: nodeArb }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('rename-node' as const),
      node: fc.nat(20),
      id: idArb,
      rewire: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('set-type' as const),
      node: fc.nat(20),
      type: fc.constantFrom(...TYPES, ...UNKNOWN_TYPES),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('set-v' as const),
      node: fc.nat(20),
      v: fc.integer({ min: 1, max: 3 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('dataset' as const),
      name: fc.option(fc.constantFrom(...datasetNames, 'nope'), { nil: undefined }),
    }),
  },
);

const at = <T>(xs: readonly T[], i: number): T | undefined => (xs.length ? xs[i % xs.length] : undefined);

/**
 * Applies one mutation. Edits of existing keys go through immer (structural sharing, frozen
 * records); adding or renaming keys copies the record map by hand, because an immer draft refuses
 * a new key named `__proto__` (it would be a setPrototypeOf).
 */
function mutate(doc: GraphDoc, m: Mutation): GraphDoc {
  const ids = Object.keys(doc.nodes);
  const eids = Object.keys(doc.edges);
  const withNode = (id: string, rec: NodeRecord, nodes = doc.nodes): GraphDoc => ({
    ...doc,
    nodes: Object.fromEntries([...Object.entries(nodes).filter(([k]) => k !== id), [id, rec]]),
  });
  switch (m.kind) {
    case 'set-param': {
      const id = at(ids, m.node);
      if (id === undefined) return doc;
      if (m.key === '__proto__') {
        const rec = doc.nodes[id]!;
        return withNode(id, {
          ...rec,
          params: Object.fromEntries([...Object.entries(rec.params), [m.key, m.value]]),
        });
      }
      return produce(doc, (d) => {
        d.nodes[id]!.params[m.key] = m.value;
      });
    }
    case 'delete-param': {
      const id = at(ids, m.node);
      return id === undefined ? doc : produce(doc, (d) => void delete d.nodes[id]!.params[m.key]);
    }
    case 'delete-node': {
      const id = at(ids, m.node);
      return id === undefined ? doc : produce(doc, (d) => void delete d.nodes[id]);
    }
    case 'delete-edge': {
      const id = at(eids, m.edge);
      return id === undefined ? doc : produce(doc, (d) => void delete d.edges[id]);
    }
    case 'retarget': {
      const eid = at(eids, m.edge);
      const node = typeof m.node === 'number' ? at(ids, m.node) : m.node;
      if (eid === undefined || node === undefined) return doc;
      return produce(doc, (d) => {
        d.edges[eid]![m.end] = { node, port: m.port };
      });
    }
    case 'add-edge': {
      const from = at(ids, m.from);
      const to = at(ids, m.to);
      if (from === undefined || to === undefined) return doc;
      const e: EdgeRecord = { from: { node: from, port: m.fromPort }, to: { node: to, port: m.toPort } };
      return {
        ...doc,
        edges: Object.fromEntries([...Object.entries(doc.edges).filter(([k]) => k !== m.id), [m.id, e]]),
      };
    }
    case 'add-node':
      return withNode(m.id, m.rec);
    case 'rename-node': {
      const old = at(ids, m.node);
      if (old === undefined || old === m.id) return doc;
      const rec = doc.nodes[old]!;
      const nodes = Object.fromEntries(Object.entries(doc.nodes).filter(([k]) => k !== old));
      const renamed = withNode(m.id, rec, nodes);
      if (!m.rewire) return renamed;
      const edges = Object.fromEntries(
        Object.entries(doc.edges).map(([k, e]) => [
          k,
          e.from.node === old || e.to.node === old
            ? {
                from: e.from.node === old ? { ...e.from, node: m.id } : e.from,
                to: e.to.node === old ? { ...e.to, node: m.id } : e.to,
              }
            : e,
        ]),
      );
      return { ...renamed, edges };
    }
    case 'set-type': {
      const id = at(ids, m.node);
      return id === undefined
        ? doc
        : produce(doc, (d) => {
            d.nodes[id]!.type = m.type;
          });
    }
    case 'set-v': {
      const id = at(ids, m.node);
      return id === undefined
        ? doc
        : produce(doc, (d) => {
            d.nodes[id]!.v = m.v;
          });
    }
    case 'dataset':
      return produce(doc, (d) => {
        if (m.name === undefined) delete d.training;
        else if (d.training) d.training.dataset = { name: m.name, params: {} };
      });
  }
}

// ---------------------------------------------------------------------------------------------

describe('analysis is total (property tests)', () => {
  it('random graphs: never throws, sound diagnostics, ok ⇒ lowers, memo agrees with fresh', () => {
    fc.assert(
      fc.property(docArb, (doc) => {
        const a = analyse(doc, registry);
        expectSound(doc, a);
        // Re-analysing the same object (all memo hits) and a fresh copy (no hits) agree.
        expect(summary(analyse(doc, registry))).toEqual(summary(a));
        expectMemoAgrees(doc, a);
      }),
      { numRuns: runs(1500) },
    );
  });

  it('random graphs as JSON text: parse + analysis never throw and stay sound', () => {
    fc.assert(
      fc.property(docArb, (doc) => {
        const text = JSON.stringify(doc);
        const a = analyseText(text, registry);
        expectWellFormed(a);
        const parsed = parseGraphText(text);
        if (parsed.doc) expectSound(parsed.doc, a);
        else expect(a.diagnostics).toEqual(parsed.diagnostics);
        expectProtoClean();
      }),
      { numRuns: runs(600) },
    );
  });

  it('mutations of a valid MLP (immer edits, analysed after every step): sound, memo agrees', () => {
    expect(analyse(MLP, registry).ok).toBe(true);
    fc.assert(
      fc.property(fc.array(mutationArb, { minLength: 1, maxLength: 6 }), (mutations) => {
        let doc = MLP;
        for (const m of mutations) {
          doc = mutate(doc, m);
          expectSound(doc, analyse(doc, registry));
        }
        expectMemoAgrees(doc, analyse(doc, registry));
      }),
      { numRuns: runs(600) },
    );
  });

  it('grouping any selection of a mutated MLP: analysis stays total; a layers-only group keeps params and FLOPs', () => {
    fc.assert(
      fc.property(
        fc.array(mutationArb, { maxLength: 4 }),
        fc.array(fc.nat(20), { minLength: 1, maxLength: 5 }),
        (mutations, picks) => {
          let doc = MLP;
          for (const m of mutations) doc = mutate(doc, m);
          const ids = Object.keys(doc.nodes);
          if (
            ids.some((id) => RESERVED_IDS.has(id)) ||
            Object.keys(doc.edges).some((id) => RESERVED_IDS.has(id))
          )
            return; // the editor refuses such documents before any grouping
          const chosen = [
            ...new Set(picks.map((i) => at(ids, i)).filter((x): x is string => x !== undefined)),
          ];
          if (chosen.length === 0) return;
          const flat = analyse(doc, registry);
          let grouped: GraphDoc;
          try {
            grouped = produce(doc, (d) => void groupNodes(d, chosen));
          } catch (e) {
            if (e instanceof GroupingError) return; // only group ports were picked
            throw e;
          }
          const g = analyse(grouped, registry);
          expectWellFormed(g);
          for (const d of g.diagnostics)
            if (d.nodeId !== undefined) expect(Object.hasOwn(grouped.nodes, d.nodeId)).toBe(true);
          expectProtoClean();
          // Ungrouping gives back the same nodes and the same wiring.
          const groupId = Object.keys(grouped.nodes).find((id) => !Object.hasOwn(doc.nodes, id))!;
          const back = produce(grouped, (d) => void ungroupNode(d, groupId));
          const wires = (x: GraphDoc) =>
            Object.values(x.edges)
              .map((e) => `${e.from.node}:${e.from.port}>${e.to.node}:${e.to.port}`)
              .sort();
          expect(Object.keys(back.nodes).sort()).toEqual([...ids].sort());
          expect(wires(back)).toEqual(wires(doc));
          const layersOnly = chosen.every((id) => flat.nodes.get(id)?.def?.kind === 'layer');
          if (flat.ok && layersOnly) {
            expect(g.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
            expect(g.totalParams).toBe(flat.totalParams);
            expect(g.totalFlops).toBeCloseTo(flat.totalFlops, 6);
            expect(lowerGraph(g, registry).ir).toBeDefined();
          }
        },
      ),
      { numRuns: runs(300) },
    );
  });

  it('random JSON values and text, and truncated or corrupted valid files, through analyseText', () => {
    const files = [VALID_MLP_FIXTURE, ...BROKEN_FIXTURES.map((f) => f.file)].map(readFixture);
    const truncated = fc
      .tuple(fc.constantFrom(...files), fc.nat(), fc.nat(10))
      .map(([t, cut, drop]) => t.slice(0, cut % (t.length + 1)) + t.slice((cut % (t.length + 1)) + drop));
    const corrupted = fc
      .tuple(
        fc.constantFrom(...files),
        fc.nat(),
        fc.constantFrom('{', '}', '"', ',', ':', '[', ']', '0', '-', 'null', '"__proto__"', '\\'),
      )
      .map(([t, at, s]) => t.slice(0, at % (t.length + 1)) + s + t.slice(at % (t.length + 1)));
    const graphish = fc
      .record(
        {
          format: fc.constantFrom('netwright.graph', 'x'),
          formatVersion: fc.oneof(fc.constantFrom(0, 1, 2, -1, 1.5, '1'), fc.integer()),
          nodes: fc.oneof(
            fc.jsonValue({ maxDepth: 3 }),
            fc.dictionary(idArb, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4 }),
          ),
          edges: fc.jsonValue({ maxDepth: 3 }),
          layout: fc.jsonValue({ maxDepth: 2 }),
        },
        { requiredKeys: ['format', 'formatVersion'] },
      )
      .map((v) => JSON.stringify(v));
    const textArb = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.json({ maxDepth: 4 }),
      graphish,
      truncated,
      corrupted,
    );
    fc.assert(
      fc.property(textArb, (text) => {
        const a = analyseText(text, registry);
        expectWellFormed(a);
        if (a.doc) expectSound(a.doc, a);
        expectProtoClean();
      }),
      { numRuns: runs(1500) },
    );
  });
});
