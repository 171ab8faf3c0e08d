// Groups: analysis of a group's inside, lowering (splice), group/ungroup commands. The reference
// is always the same network drawn flat: a grouped graph must count the same parameters and
// compute the same function.
import * as tf from '@tensorflow/tfjs';
import { produce } from 'immer';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileIR } from '../compiler/compile.ts';
import { analyse } from '../core/analysis/analyse.ts';
import { parseGraphText } from '../core/doc/parse.ts';
import type { GraphDoc, NodeRecord } from '../core/doc/schema.ts';
import { GroupingError, groupNodes, ungroupNode } from '../core/grouping.ts';
import { irIdOf, locateIrId } from '../core/groups.ts';
import { lowerGraph } from '../core/lower.ts';
import { TYPICAL_NODE } from '../core/placement.ts';
import type { Registry } from '../core/registry.ts';
import { loadRegistry } from '../node/discover-nodes.ts';

let registry: Registry;
beforeAll(async () => {
  registry = await loadRegistry();
  await tf.setBackend('cpu');
});

const node = (type: string, params: Record<string, unknown> = {}): NodeRecord => ({ type, v: 1, params });
const edge = (from: string, to: string, fromPort = 'y', toPort = 'x') => ({
  from: { node: from, port: fromPort },
  to: { node: to, port: toPort },
});

/** in(6) → d1 Dense 8 → r ReLU → d2 Dense 3 → out, plus a residual-style add of d1 and r. */
function flatDoc(): GraphDoc {
  return {
    format: 'netwright.graph',
    formatVersion: 2,
    meta: { title: 'flat' },
    nodes: {
      in: node('io.input', { shape: [6] }),
      d1: node('layers.dense', { units: 8 }),
      r: node('activations.relu'),
      add: node('layers.add'),
      d2: node('layers.dense', { units: 3 }),
      out: node('io.output'),
    },
    edges: {
      e1: edge('in', 'd1'),
      e2: edge('d1', 'r'),
      e3: edge('d1', 'add', 'y', 'x1'),
      e4: edge('r', 'add', 'y', 'x2'),
      e5: edge('add', 'd2'),
      e6: edge('d2', 'out'),
    },
    layout: { in: { x: 0, y: 0 }, d1: { x: 200, y: 0 }, r: { x: 400, y: 0 }, add: { x: 600, y: 0 } },
  };
}

const errors = (doc: GraphDoc) => analyse(doc, registry).diagnostics.filter((d) => d.severity === 'error');

/** Same weights by layer order, same input → the two graphs' outputs. */
function runBoth(a: GraphDoc, b: GraphDoc): [number[], number[]] {
  const ca = compileIR(lowerGraph(analyse(a, registry), registry).ir!, registry, { seed: 1 });
  const cb = compileIR(lowerGraph(analyse(b, registry), registry).ir!, registry, { seed: 2 });
  cb.model.setWeights(ca.model.getWeights());
  const x = tf.randomNormal([4, 6], 0, 1, 'float32', 7);
  const ya = (ca.model.predict(x) as tf.Tensor).arraySync() as number[][];
  const yb = (cb.model.predict(x) as tf.Tensor).arraySync() as number[][];
  x.dispose();
  ca.dispose();
  cb.dispose();
  return [ya.flat(), yb.flat()];
}

describe('groupNodes', () => {
  it('lays out the new group and its ports without overlapping any card (brute-force box check)', () => {
    // The cards' usual size (TYPICAL_NODE): two boxes overlap when both axes' intervals intersect.
    const overlap = (a: { x: number; y: number }, b: { x: number; y: number }) =>
      a.x < b.x + TYPICAL_NODE.width &&
      b.x < a.x + TYPICAL_NODE.width &&
      a.y < b.y + TYPICAL_NODE.height &&
      b.y < a.y + TYPICAL_NODE.height;
    const noOverlaps = (layout: Record<string, { x: number; y: number }>) => {
      const ps = Object.entries(layout);
      for (let i = 0; i < ps.length; i++)
        for (let j = i + 1; j < ps.length; j++)
          expect(overlap(ps[i]![1], ps[j]![1]), `${ps[i]![0]} / ${ps[j]![0]}`).toBe(false);
    };
    // `r` (not grouped) sits between the grouped d1 and add, and in → d1, r → add cross as two inputs.
    const doc = flatDoc();
    doc.layout = {
      in: { x: 0, y: 0 },
      d1: { x: 300, y: 0 },
      r: { x: 600, y: 200 },
      add: { x: 900, y: 300 },
      d2: { x: 1200, y: 300 },
      out: { x: 1500, y: 300 },
    };
    noOverlaps(doc.layout);
    let groupId = '';
    const grouped = produce(doc, (d) => {
      groupId = groupNodes(d, ['d1', 'add']).groupId;
    });
    noOverlaps(grouped.layout);
    noOverlaps(grouped.nodes[groupId]!.graph!.layout);
  });

  it('moves the selection into a group with one port per crossing source, and keeps the math', () => {
    const flat = flatDoc();
    let groupId = '';
    const grouped = produce(flat, (d) => {
      groupId = groupNodes(d, ['d1', 'r', 'add'], { label: 'Block' }).groupId;
    });
    expect(groupId).toBe('group');
    const g = grouped.nodes[groupId]!;
    expect(g.type).toBe('group.subgraph');
    expect(Object.keys(grouped.nodes).sort()).toEqual(['d2', 'group', 'in', 'out']);
    const inner = g.graph!;
    const ports = Object.values(inner.nodes).filter((n) => n.type.startsWith('group.'));
    expect(ports.map((n) => [n.type, n.params.name])).toEqual([
      ['group.input', 'x'],
      ['group.output', 'y'],
    ]);
    // The outer edges now run in → group:x and group:y → d2.
    const outer = Object.values(grouped.edges).map(
      (e) => `${e.from.node}:${e.from.port}→${e.to.node}:${e.to.port}`,
    );
    expect(outer.sort()).toEqual(['d2:y→out:x', 'group:y→d2:x', 'in:y→group:x']);

    const a = analyse(grouped, registry);
    expect(a.diagnostics).toEqual([]);
    expect(a.totalParams).toBe(analyse(flat, registry).totalParams);
    expect(a.totalParams).toBe(6 * 8 + 8 + 8 * 3 + 3); // Dense(6→8) + Dense(8→3), by hand
    expect(a.totalFlops).toBe(analyse(flat, registry).totalFlops);
    const ga = a.nodes.get(groupId)!;
    expect(ga.paramCount).toBe(56);
    expect(ga.outputs.y?.shape).toEqual([null, 8]);
    expect(Object.keys(ga.inputPorts)).toEqual(['x']);
    expect(ga.inner?.nodes.get('d1')?.outputs.y?.shape).toEqual([null, 8]);

    const ir = lowerGraph(a, registry).ir!;
    expect(ir.nodes.map((n) => n.id)).toEqual(['in', 'group__d1', 'group__r', 'group__add', 'd2', 'out']);
    expect(ir.nodes.find((n) => n.id === 'group__add')!.inputs).toEqual([
      { node: 'group__d1', port: 'y' },
      { node: 'group__r', port: 'y' },
    ]);
    const [ya, yb] = runBoth(flat, grouped);
    for (let i = 0; i < ya.length; i++) expect(yb[i]).toBeCloseTo(ya[i]!, 6);
  });

  it('gives two outside sources two ports, and one inner source read twice outside one port', () => {
    const flat = flatDoc();
    const grouped = produce(flat, (d) => {
      groupNodes(d, ['add']);
    });
    const g = grouped.nodes.group!;
    const names = Object.values(g.graph!.nodes)
      .filter((n) => n.type === 'group.input')
      .map((n) => n.params.name);
    expect(names).toEqual(['x1', 'x2']);
    expect(errors(grouped)).toEqual([]);
    const [ya, yb] = runBoth(flat, grouped);
    for (let i = 0; i < ya.length; i++) expect(yb[i]).toBeCloseTo(ya[i]!, 6);
  });

  it('nests: a group inside a group analyses, lowers and computes the same function', () => {
    const flat = flatDoc();
    const nested = produce(flat, (d) => {
      const { groupId } = groupNodes(d, ['d1', 'r', 'add']);
      groupNodes(d.nodes[groupId]!.graph!, ['r', 'add']);
    });
    expect(errors(nested)).toEqual([]);
    const ir = lowerGraph(analyse(nested, registry), registry).ir!;
    expect(ir.nodes.map((n) => n.id)).toContain('group__group__add');
    const [ya, yb] = runBoth(flat, nested);
    for (let i = 0; i < ya.length; i++) expect(yb[i]).toBeCloseTo(ya[i]!, 6);
  });

  it('IR ids of nodes inside groups map back to their group path (run-time marks, curves)', () => {
    const nested = produce(flatDoc(), (d) => {
      const { groupId } = groupNodes(d, ['d1', 'r', 'add']);
      groupNodes(d.nodes[groupId]!.graph!, ['r', 'add']);
    });
    const ir = lowerGraph(analyse(nested, registry), registry).ir!;
    for (const n of ir.nodes) {
      const where = locateIrId(nested, n.id);
      expect(where).toBeDefined();
      expect(irIdOf(where!.path, where!.nodeId)).toBe(n.id);
    }
    expect(locateIrId(nested, 'group__group__add')).toEqual({ path: ['group', 'group'], nodeId: 'add' });
    expect(locateIrId(nested, 'nowhere')).toBeUndefined();
  });

  it('refuses an empty selection or one of only port nodes', () => {
    expect(() => produce(flatDoc(), (d) => void groupNodes(d, []))).toThrow(GroupingError);
  });
});

describe('a group of kernel nodes compiles to ONE layer', () => {
  /** in(5) → x·σ(v·x) + c·x² with a learnable per-channel v (Swish-like), drawn from primitives. */
  function primitivesDoc(): GraphDoc {
    return {
      format: 'netwright.graph',
      formatVersion: 2,
      meta: { title: 'prims' },
      nodes: {
        in: node('io.input', { shape: [5] }),
        v: node('primitives.parameter', { shape: 'channel', init: 1 }),
        vx: node('primitives.binary', { op: 'mul' }),
        gate: node('primitives.unary', { op: 'sigmoid' }),
        y: node('primitives.binary', { op: 'mul' }),
        sq: node('primitives.unary', { op: 'square' }),
        sum: node('primitives.binary', { op: 'add' }),
        out: node('io.output'),
      },
      edges: {
        a: edge('in', 'v'),
        b: edge('in', 'vx', 'y', 'a'),
        c: edge('v', 'vx', 'y', 'b'),
        d: edge('vx', 'gate'),
        e: edge('in', 'y', 'y', 'a'),
        f: edge('gate', 'y', 'y', 'b'),
        g: edge('in', 'sq'),
        h: edge('y', 'sum', 'y', 'a'),
        i: edge('sq', 'sum', 'y', 'b'),
        j: edge('sum', 'out'),
      },
      layout: {},
    };
  }

  it('one IR node with the inner steps, same params, same outputs, same gradients', () => {
    const flat = primitivesDoc();
    const grouped = produce(flat, (d) => void groupNodes(d, ['v', 'vx', 'gate', 'y', 'sq', 'sum']));
    const a = analyse(grouped, registry);
    expect(a.diagnostics).toEqual([]);
    const ir = lowerGraph(a, registry).ir!;
    expect(ir.nodes.map((n) => [n.id, n.type])).toEqual([
      ['in', 'io.input'],
      ['group', 'group.subgraph'],
      ['out', 'io.output'],
    ]);
    const ca = compileIR(lowerGraph(analyse(flat, registry), registry).ir!, registry, { seed: 1 });
    const cb = compileIR(ir, registry, { seed: 1 });
    expect(cb.countParams()).toBe(ca.countParams());
    expect(cb.countParams()).toBe(5);
    const v = tf.tensor1d([0.5, -1, 2, 0.1, 1.5]);
    ca.layers.get('v')!.setWeights([v]);
    cb.layers.get('group')!.setWeights([v]);
    const x = tf.randomNormal([3, 5], 0, 1, 'float32', 3);
    const ya = (ca.model.predict(x) as tf.Tensor).arraySync() as number[][];
    const yb = (cb.model.predict(x) as tf.Tensor).arraySync() as number[][];
    // And by hand: x·σ(v·x) + x².
    const xs = x.arraySync() as number[][];
    const vs = v.arraySync() as number[];
    for (let r = 0; r < 3; r++)
      for (let c = 0; c < 5; c++) {
        const xv = xs[r]![c]!;
        const want = xv / (1 + Math.exp(-vs[c]! * xv)) + xv * xv;
        expect(ya[r]![c]).toBeCloseTo(want, 5);
        expect(yb[r]![c]).toBeCloseTo(want, 5);
      }
    // Gradient of Σy with respect to v through the one layer = through the flat graph.
    const grad = (m: typeof ca, layer: string) =>
      tf.tidy(() => {
        const w = m.layers.get(layer)!.trainableWeights[0]!.read() as tf.Variable;
        return tf
          .variableGrads(() => tf.sum(m.model.apply(x, { training: true }) as tf.Tensor), [w as tf.Variable])
          .grads[w.name]!.arraySync() as number[];
      });
    const ga = grad(ca, 'v');
    const gb = grad(cb, 'group');
    for (let c = 0; c < 5; c++) expect(gb[c]).toBeCloseTo(ga[c]!, 5);
    tf.dispose([v, x]);
    ca.dispose();
    cb.dispose();
  });
});

describe('ungroupNode', () => {
  it('restores the flat graph (same nodes, same connections)', () => {
    const flat = flatDoc();
    const grouped = produce(flat, (d) => void groupNodes(d, ['d1', 'r', 'add']));
    const back = produce(grouped, (d) => void ungroupNode(d, 'group'));
    expect(Object.keys(back.nodes).sort()).toEqual(Object.keys(flat.nodes).sort());
    const wires = (doc: GraphDoc) =>
      Object.values(doc.edges)
        .map((e) => `${e.from.node}:${e.from.port}→${e.to.node}:${e.to.port}`)
        .sort();
    expect(wires(back)).toEqual(wires(flat));
    expect(errors(back)).toEqual([]);
  });

  it('renames inner nodes whose ids are taken outside', () => {
    const doc = produce(flatDoc(), (d) => void groupNodes(d, ['r']));
    const clash = produce(doc, (d) => {
      d.nodes.r = node('activations.relu'); // a new outside node named like the inner one
    });
    const back = produce(clash, (d) => void ungroupNode(d, 'group'));
    expect(Object.keys(back.nodes)).toContain('r');
    expect(Object.keys(back.nodes)).toContain('relu');
  });
});

describe('analysis inside groups', () => {
  const withGroup = (inner: GraphDoc['nodes'], innerEdges: GraphDoc['edges']): GraphDoc => ({
    format: 'netwright.graph',
    formatVersion: 2,
    meta: { title: 't' },
    nodes: {
      in: node('io.input', { shape: [4] }),
      g: { ...node('group.subgraph'), label: 'Blk', graph: { nodes: inner, edges: innerEdges, layout: {} } },
      out: node('io.output'),
    },
    edges: { e1: edge('in', 'g'), e2: edge('g', 'out') },
    layout: {},
  });

  it('lifts an inner error onto the group node, naming the inner node and its path', () => {
    const doc = withGroup(
      {
        i: node('group.input'),
        d: node('layers.dense', { units: -1 }),
        o: node('group.output', { name: 'y' }),
      },
      { a: edge('i', 'd'), b: edge('d', 'o') },
    );
    const d = errors(doc);
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({ code: 'param/invalid', nodeId: 'g', within: { path: ['g'], nodeId: 'd' } });
    expect(d[0]!.message).toContain("Inside group 'Blk'");
    expect(d[0]!.message).toContain("'units'");
  });

  it('group ports outside a group, losses inside, duplicate port names and no output are errors', () => {
    const top = flatDoc();
    top.nodes.stray = node('group.input');
    expect(errors(top).map((d) => d.code)).toContain('group/port-outside');

    const lossInside = withGroup(
      { i: node('group.input'), l: node('losses.meanSquaredError'), o: node('group.output') },
      { a: edge('i', 'o') },
    );
    expect(errors(lossInside).map((d) => d.code)).toContain('group/not-allowed-inside');

    const dup = withGroup(
      { i: node('group.input'), j: node('group.input'), o: node('group.output') },
      { a: edge('i', 'o') },
    );
    expect(errors(dup).map((d) => d.code)).toContain('group/duplicate-port');

    // A group nothing leaves is a dead end, like a layer nobody reads: a warning, not an error.
    const none = withGroup({ i: node('group.input') }, {});
    const warnings = analyse(none, registry).diagnostics.filter((d) => d.severity === 'warning');
    expect(warnings.map((d) => d.code)).toContain('group/no-output');
  });

  it('an unconnected group port is reported on the group', () => {
    const doc = withGroup({ i: node('group.input'), o: node('group.output') }, { a: edge('i', 'o') });
    delete (doc.edges as Record<string, unknown>).e1;
    expect(errors(doc)).toMatchObject([{ code: 'port/unconnected', nodeId: 'g', port: 'x' }]);
  });

  it('files with groups parse (schema recursion), and inner nodes are migrated', () => {
    const doc = withGroup(
      { i: node('group.input'), lr: node('activations.leakyRelu', { alpha: 0.2 }), o: node('group.output') },
      { a: edge('i', 'lr'), b: edge('lr', 'o') },
    );
    const parsed = parseGraphText(JSON.stringify(doc));
    expect(parsed.diagnostics).toEqual([]);
    const a = analyse(parsed.doc!, registry);
    expect(a.diagnostics).toEqual([]);
    const innerRec = a.doc!.nodes.g!.graph!.nodes.lr!;
    expect(innerRec.v).toBe(registry.get('activations.leakyRelu')!.version);
  });

  it('parsing: 3,000 nested groups are refused (no stack overflow); inner ids stay data; inner errors name the path', () => {
    let inner = '{"type":"group.output","v":1,"params":{}}';
    for (let i = 0; i < 3000; i++)
      inner = `{"type":"group.subgraph","v":1,"params":{},"graph":{"nodes":{"g":${inner}},"edges":{},"layout":{}}}`;
    const deep = `{"format":"netwright.graph","formatVersion":1,"nodes":{"top":${inner}},"edges":{},"layout":{}}`;
    const d = parseGraphText(deep);
    expect(d.doc).toBeUndefined();
    expect(d.diagnostics).toMatchObject([{ code: 'doc/too-deep', nodeId: 'top' }]);

    const hostile = JSON.stringify({
      format: 'netwright.graph',
      formatVersion: 2,
      nodes: {
        g: {
          type: 'group.subgraph',
          v: 1,
          params: {},
          graph: { nodes: { ['__proto__']: { type: 'group.output', v: 1, params: { polluted: true } } } },
        },
      },
    });
    const h = parseGraphText(hostile);
    expect(h.diagnostics).toEqual([]);
    const innerNodes = h.doc!.nodes.g!.graph!.nodes;
    expect(Object.keys(innerNodes)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(innerNodes)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();

    const bad = parseGraphText(
      JSON.stringify({
        format: 'netwright.graph',
        formatVersion: 2,
        nodes: {
          g: { type: 'group.subgraph', v: 1, params: {}, graph: { nodes: { d: { type: 'layers.dense' } } } },
        },
      }),
    );
    expect(bad.doc).toBeUndefined();
    expect(bad.diagnostics[0]).toMatchObject({ code: 'doc/invalid', nodeId: 'g' });
    expect(bad.diagnostics[0]!.message).toMatch(/^Inside group 'g': Node 'd': v /);
  });

  it('a node inside a group saved by a newer Netwright is reported on the group', () => {
    const doc = withGroup(
      { i: node('group.input'), lr: { ...node('activations.leakyRelu'), v: 99 }, o: node('group.output') },
      { a: edge('i', 'lr'), b: edge('lr', 'o') },
    );
    expect(errors(doc)).toMatchObject([
      { code: 'node/newer-version', nodeId: 'g', within: { path: ['g'], nodeId: 'lr' } },
    ]);
  });

  it('a hostile, deeply nested file is refused with a diagnostic, not a crash', () => {
    let inner: NodeRecord = node('group.output');
    for (let i = 0; i < 12; i++)
      inner = {
        ...node('group.subgraph'),
        graph: {
          nodes: { i: node('group.input'), g: inner, o: node('group.output') },
          edges: {},
          layout: {},
        },
      };
    const doc = withGroup({ i: node('group.input'), g: inner, o: node('group.output') }, {});
    const codes = analyse(doc, registry).diagnostics.map((d) => d.code);
    expect(codes).toContain('group/too-deep');
  });
});
