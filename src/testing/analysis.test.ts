// Analysis: one test per diagnostic (each backed by a fixture the CLI tests reuse), parameter
// counts, the Flatten fix, and memoisation across immer edits.
import { produce } from 'immer';
import { describe, expect, it } from 'vitest';
import { type Analysis, analyse, analyseText } from '../core/analysis/analyse.ts';
import { parseGraphText } from '../core/doc/parse.ts';
import type { GraphDoc, NodeRecord } from '../core/doc/schema.ts';
import { lowerGraph } from '../core/lower.ts';
import type { AnyNodeDef } from '../core/node-def.ts';
import { Registry } from '../core/registry.ts';
import { loadRegistry } from '../node/discover-nodes.ts';
import { BROKEN_FIXTURES, readFixture, VALID_MLP_FIXTURE } from './fixtures/broken.ts';

const registry = await loadRegistry();

const load = (file: string): GraphDoc => {
  const r = parseGraphText(readFixture(file));
  expect(r.diagnostics, file).toEqual([]);
  return r.doc!;
};
const codes = (a: Analysis) => a.diagnostics.map((d) => d.code);
const only = (a: Analysis, code: string) => a.diagnostics.filter((d) => d.code === code);

const node = (type: string, params: Record<string, unknown> = {}): NodeRecord => ({ type, v: 1, params });
const edge = (from: string, fromPort: string, to: string, toPort: string) => ({
  from: { node: from, port: fromPort },
  to: { node: to, port: toPort },
});
const graph = (
  nodes: GraphDoc['nodes'],
  edges: GraphDoc['edges'] = {},
  extra: Partial<GraphDoc> = {},
): GraphDoc => ({
  format: 'netwright.graph',
  formatVersion: 2,
  meta: { title: 'test' },
  nodes,
  edges,
  layout: {},
  ...extra,
});

/** Everything analysis reports, as plain data (for fresh-vs-memoised comparisons). */
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
      inputPorts: n.inputPorts,
      inputs: n.inputs,
      sources: n.sources,
      outputs: n.outputs,
      paramCount: n.paramCount,
      ok: n.ok,
    })),
  };
}

describe('fixtures: each broken graph gives its diagnostic', () => {
  it.each(BROKEN_FIXTURES.filter((f) => f.stage === 'analysis').map((f) => [f.file, f] as const))(
    '%s',
    (file, f) => {
      const doc = load(file);
      const a = analyse(doc, registry);
      expect(a.ok).toBe(false);
      const expected = {
        code: f.code,
        severity: 'error',
        ...(f.nodeId !== undefined ? { nodeId: f.nodeId } : {}),
        ...(f.edgeId !== undefined ? { edgeId: f.edgeId } : {}),
        ...(f.field !== undefined ? { field: f.field } : {}),
        ...(f.port !== undefined ? { port: f.port } : {}),
      };
      expect(a.diagnostics).toContainEqual(expect.objectContaining(expected));
      // Every node is kept in the result, analysed or not.
      expect([...a.nodes.keys()].sort()).toEqual(Object.keys(doc.nodes).sort());
      expect(lowerGraph(a, registry).ir).toBeUndefined();
      // The text path agrees.
      expect(analyseText(readFixture(file), registry).diagnostics).toEqual(a.diagnostics);
    },
  );

  it('the valid MLP fixture has no diagnostics and 101,770 params', () => {
    const a = analyse(load(VALID_MLP_FIXTURE), registry);
    expect(a.diagnostics).toEqual([]);
    expect(a.totalParams).toBe(101_770);
  });
});

describe('diagnostics', () => {
  it('node/unknown-type: the node is kept (a "missing node"), upstream still analysed', () => {
    const doc = load('node-unknown-type.graph.json');
    const a = analyse(doc, registry);
    expect(a.diagnostics).toEqual([
      expect.objectContaining({ code: 'node/unknown-type', nodeId: 'mystery', severity: 'error' }),
    ]);
    expect(a.diagnostics[0]!.message).toContain('layers.doesNotExist');
    const mystery = a.nodes.get('mystery');
    expect(mystery).toMatchObject({ id: 'mystery', def: undefined, ok: false, paramCount: 0 });
    expect(mystery?.record).toEqual({ type: 'layers.doesNotExist', v: 1, params: { size: 3 } });
    expect(a.doc?.nodes.mystery).toBe(doc.nodes.mystery);
    expect(a.nodes.get('d1')).toMatchObject({ ok: true, paramCount: 15 });
    expect(a.nodes.get('d1')?.outputs.y?.shape).toEqual([null, 3]);
  });

  it('edge/missing-node names the edge and the existing end', () => {
    const a = analyse(load('edge-missing-node.graph.json'), registry);
    expect(a.diagnostics).toEqual([
      expect.objectContaining({ code: 'edge/missing-node', edgeId: 'e2', nodeId: 'd1' }),
    ]);
    expect(a.diagnostics[0]!.message).toContain("'ghost'");
    // Missing source end: nodeId is the target that exists.
    const b = analyse(
      graph({ o: node('io.output'), in: node('io.input') }, { e: edge('ghost', 'y', 'o', 'x') }),
      registry,
    );
    expect(only(b, 'edge/missing-node')).toEqual([expect.objectContaining({ edgeId: 'e', nodeId: 'o' })]);
    // Both ends missing: no nodeId (there is no node to mark).
    const c = analyse(graph({ in: node('io.input') }, { e: edge('ghost', 'y', 'phantom', 'x') }), registry);
    const d = only(c, 'edge/missing-node');
    expect(d).toHaveLength(1);
    expect(d[0]!.nodeId).toBeUndefined();
    expect(d[0]!.message).toContain("'ghost' and 'phantom'");
  });

  it('edge/missing-port on either end names the node and the port', () => {
    const a = analyse(load('edge-missing-port.graph.json'), registry);
    expect(a.diagnostics).toContainEqual(
      expect.objectContaining({ code: 'edge/missing-port', edgeId: 'e1', nodeId: 'd1', port: 'input' }),
    );
    expect(a.diagnostics[0]!.message).toContain('inputs: x');
    const b = analyse(
      graph({ in: node('io.input'), d: node('layers.dense') }, { e: edge('in', 'out', 'd', 'x') }),
      registry,
    );
    expect(only(b, 'edge/missing-port')).toEqual([
      expect.objectContaining({ edgeId: 'e', nodeId: 'in', port: 'out' }),
    ]);
  });

  it('graph/cycle names the nodes on the cycle (not those downstream of it)', () => {
    const a = analyse(load('graph-cycle.graph.json'), registry);
    const [cycle] = only(a, 'graph/cycle');
    expect(cycle).toBeDefined();
    expect(cycle!.message).toContain('a → b → c → a');
    expect(['a', 'b', 'c']).toContain(cycle!.nodeId);
    expect(codes(a)).toEqual(['graph/cycle']);
    // The rest of the graph is still analysed; nodes on or behind the cycle are kept, unanalysed.
    expect(a.order).toEqual(['in', 'd0']);
    expect(a.nodes.get('d0')?.ok).toBe(true);
    for (const id of ['a', 'b', 'c', 'out']) expect(a.nodes.get(id)?.ok, id).toBe(false);
  });

  it('graph/cycle: a self-loop', () => {
    const a = analyse(
      graph({ in: node('io.input'), d: node('layers.dense') }, { e: edge('d', 'y', 'd', 'x') }),
      registry,
    );
    expect(only(a, 'graph/cycle')).toEqual([expect.objectContaining({ nodeId: 'd' })]);
    expect(only(a, 'graph/cycle')[0]!.message).toContain('d → d');
  });

  it('port/unconnected names the node and the port', () => {
    const a = analyse(load('port-unconnected.graph.json'), registry);
    expect(a.diagnostics).toEqual([
      expect.objectContaining({ code: 'port/unconnected', nodeId: 'd1', port: 'x' }),
    ]);
    // Downstream of a failed node there is no second report.
    expect(a.nodes.get('out')?.ok).toBe(false);
  });

  it('port/unconnected for a loss target without a dataset', () => {
    const a = analyse(
      graph(
        {
          in: node('io.input', { shape: [4] }),
          d: node('layers.dense', { units: 3 }),
          l: node('losses.categoricalCrossentropy'),
        },
        { e1: edge('in', 'y', 'd', 'x'), e2: edge('d', 'y', 'l', 'pred') },
      ),
      registry,
    );
    expect(a.diagnostics).toEqual([
      expect.objectContaining({ code: 'port/unconnected', nodeId: 'l', port: 'target' }),
    ]);
  });

  it('edge/duplicate-input names both edges', () => {
    const a = analyse(load('edge-duplicate-input.graph.json'), registry);
    expect(a.diagnostics).toEqual([
      expect.objectContaining({ code: 'edge/duplicate-input', nodeId: 'd1', port: 'x', edgeId: 'e2' }),
    ]);
    expect(a.diagnostics[0]!.message).toContain("'e1' and 'e2'");
  });

  it.each([
    ['param-invalid-type.graph.json', 'units', /finite number.*"128"/],
    ['param-invalid-range.graph.json', 'units', /between 1 and 65536, got 0/],
    ['param-invalid-unknown.graph.json', 'unit', /not a parameter.*known: units/],
  ])('param/invalid: %s names the field', (file, field, message) => {
    const a = analyse(load(file), registry);
    expect(a.diagnostics).toEqual([expect.objectContaining({ code: 'param/invalid', nodeId: 'd1', field })]);
    expect(a.diagnostics[0]!.message).toMatch(message);
    // The node is still analysed with the default in place of the bad value.
    expect(a.nodes.get('d1')?.params.units).toBe(32);
    expect(a.nodes.get('d1')?.ok).toBe(true);
  });

  it.each([
    ['units', -3],
    ['units', 2.5],
    ['units', 1e12],
    ['units', 'NaN'],
    ['units', null],
    ['units', { value: 3 }],
    ['units', [3]],
    ['activation', 'reLU'],
    ['activation', 3],
    ['useBias', 'yes'],
    ['useBias', 0],
  ])('param/invalid: dense %s = %j', (field, value) => {
    const a = analyse(
      graph(
        { in: node('io.input', { shape: [4] }), d: node('layers.dense', { [field]: value }) },
        { e: edge('in', 'y', 'd', 'x') },
      ),
      registry,
    );
    expect(a.diagnostics).toEqual([expect.objectContaining({ code: 'param/invalid', nodeId: 'd', field })]);
  });

  it('param/invalid: input shape entries', () => {
    for (const shape of [[], [0], [-1], [2.5], ['4'], [1, 2, 3, 4, 5], 784, [2 ** 31], [1e300, 1e300, 3]]) {
      const a = analyse(graph({ in: node('io.input', { shape }) }), registry);
      expect(a.diagnostics, JSON.stringify(shape)).toEqual([
        expect.objectContaining({ code: 'param/invalid', nodeId: 'in', field: 'shape' }),
      ]);
    }
  });

  it('absurd sizes are refused, so inferred shapes and the total stay finite', () => {
    // Before the MAX_DIM check this graph was "ok" with a [B, Infinity] Flatten and Infinity params.
    const a = analyse(
      graph(
        {
          in: node('io.input', { shape: [1e300, 1e300, 3] }),
          f: node('layers.flatten'),
          d: node('layers.dense', { units: 10 }),
        },
        { e1: edge('in', 'y', 'f', 'x'), e2: edge('f', 'y', 'd', 'x') },
      ),
      registry,
    );
    expect(a.diagnostics).toContainEqual(
      expect.objectContaining({ code: 'param/invalid', nodeId: 'in', field: 'shape' }),
    );
    expect(a.ok).toBe(false);
    expect(Number.isFinite(a.totalParams)).toBe(true);
  });

  it('shape/rank-mismatch: Dense on a rank-0 tensor', () => {
    const a = analyse(load('shape-rank-mismatch.graph.json'), registry);
    expect(a.diagnostics).toEqual([
      expect.objectContaining({ code: 'shape/rank-mismatch', nodeId: 'd2', port: 'x' }),
    ]);
    expect(a.diagnostics[0]!.message).toContain('rank 0');
  });

  it('node/newer-version', () => {
    const a = analyse(load('node-newer-version.graph.json'), registry);
    expect(a.diagnostics).toEqual([expect.objectContaining({ code: 'node/newer-version', nodeId: 'd1' })]);
  });

  it('graph/no-input, node/not-placeable, graph/no-loss, data/unknown-dataset, train/unknown-optimizer', () => {
    expect(codes(analyse(graph({ o: node('io.output') }), registry))).toEqual([
      'port/unconnected',
      'graph/no-input',
    ]);
    expect(
      only(
        analyse(graph({ in: node('io.input'), opt: node('optimizers.adam') }), registry),
        'node/not-placeable',
      ),
    ).toEqual([expect.objectContaining({ nodeId: 'opt' })]);
    const training = (dataset: string, optimizer: string): Partial<GraphDoc> => ({
      training: {
        dataset: { name: dataset, params: {} },
        optimizer: { type: optimizer, params: {} },
        batchSize: 8,
        epochs: 1,
        seed: 1,
      },
    });
    expect(
      codes(analyse(graph({ in: node('io.input') }, {}, training('mnist', 'optimizers.adam')), registry)),
    ).toEqual(['graph/no-loss']);
    const bad = analyse(graph({ in: node('io.input') }, {}, training('imagenet', 'layers.dense')), registry);
    expect(bad.diagnostics).toContainEqual(
      expect.objectContaining({ code: 'data/unknown-dataset', field: 'training.dataset.name' }),
    );
    expect(bad.diagnostics).toContainEqual(
      expect.objectContaining({ code: 'train/unknown-optimizer', field: 'training.optimizer.type' }),
    );
  });

  it('data/input-shape-mismatch offers a set-param fix', () => {
    const doc = load(VALID_MLP_FIXTURE);
    const bad = produce(doc, (d) => {
      d.nodes.in!.params.shape = [28, 28, 1];
    });
    const a = analyse(bad, registry);
    expect(a.diagnostics).toContainEqual(
      expect.objectContaining({
        code: 'data/input-shape-mismatch',
        nodeId: 'in',
        field: 'shape',
        fix: { kind: 'set-param', nodeId: 'in', field: 'shape', value: [784] },
      }),
    );
  });
});

describe('the forgotten Flatten', () => {
  it('conv feature map → Dense → loss on class labels: loss-target mismatch with an insert-Flatten fix', () => {
    const doc = load('shape-loss-target-mismatch.graph.json');
    const a = analyse(doc, registry);
    expect(a.data?.name).toBe('mnist');
    const [d] = only(a, 'shape/loss-target-mismatch');
    expect(d).toMatchObject({ nodeId: 'loss', severity: 'error', port: 'pred' });
    expect(d!.fix).toEqual({
      kind: 'insert-node',
      type: 'layers.flatten',
      beforeNode: 'd1',
      port: 'x',
      edgeId: 'e2',
    });
    expect(d!.message).toMatch(/Flatten/);
    expect(registry.has('layers.flatten')).toBe(true);

    // Applying the fix (what the canvas's one-click fix does) gives a valid graph.
    const fixed = produce(doc, (g) => {
      g.nodes.flat = { type: 'layers.flatten', v: 1, params: {} };
      g.edges.e2 = edge('conv', 'y', 'flat', 'x');
      g.edges.e2b = edge('flat', 'y', 'd1', 'x');
    });
    const b = analyse(fixed, registry);
    expect(b.diagnostics).toEqual([]);
    expect(b.nodes.get('flat')?.outputs.y?.shape).toEqual([null, 26 * 26 * 8]);
    expect(b.totalParams).toBe(3 * 3 * 1 * 8 + 8 + 26 * 26 * 8 * 10 + 10);
  });

  it('without a dataset: an io.input target; the fix points at the first Dense fed a feature map', () => {
    const doc = graph(
      {
        in: node('io.input', { shape: [28, 28, 1] }),
        d1: node('layers.dense', { units: 128, activation: 'relu' }),
        d2: node('layers.dense', { units: 10, activation: 'softmax' }),
        labels: node('io.input', { shape: [10] }),
        loss: node('losses.categoricalCrossentropy'),
      },
      {
        e1: edge('in', 'y', 'd1', 'x'),
        e2: edge('d1', 'y', 'd2', 'x'),
        e3: edge('d2', 'y', 'loss', 'pred'),
        e4: edge('labels', 'y', 'loss', 'target'),
      },
    );
    const a = analyse(doc, registry);
    expect(a.diagnostics).toEqual([
      expect.objectContaining({
        code: 'shape/loss-target-mismatch',
        nodeId: 'loss',
        fix: { kind: 'insert-node', type: 'layers.flatten', beforeNode: 'd1', port: 'x', edgeId: 'e1' },
      }),
    ]);
  });

  it('a mismatch not caused by a feature map gets no Flatten fix', () => {
    const a = analyse(
      graph(
        {
          in: node('io.input', { shape: [784] }),
          d: node('layers.dense', { units: 5 }),
          labels: node('io.input', { shape: [10] }),
          loss: node('losses.categoricalCrossentropy'),
        },
        {
          e1: edge('in', 'y', 'd', 'x'),
          e2: edge('d', 'y', 'loss', 'pred'),
          e3: edge('labels', 'y', 'loss', 'target'),
        },
      ),
      registry,
    );
    expect(a.diagnostics).toEqual([
      expect.objectContaining({ code: 'shape/loss-target-mismatch', nodeId: 'loss' }),
    ]);
    expect(a.diagnostics[0]!.fix).toBeUndefined();
  });
});

describe('parameter counts and lowering', () => {
  it('784-128-10 MLP: 784·128+128 + 128·10+10 = 101,770', () => {
    const a = analyse(load(VALID_MLP_FIXTURE), registry);
    expect(a.nodes.get('d1')?.paramCount).toBe(784 * 128 + 128);
    expect(a.nodes.get('d2')?.paramCount).toBe(128 * 10 + 10);
    expect(a.totalParams).toBe(101_770);
    expect(a.nodes.get('d2')?.outputs.y?.shape).toEqual([null, 10]);
    expect(a.nodes.get('loss')?.sources.target).toBe('labels');
    expect(a.nodes.get('loss')?.inputs.target?.shape).toEqual([null, 10]);
    expect(a.nodes.get('acc')?.inputs.target).toEqual({ shape: [null], dtype: 'int32' });
  });

  it('without bias: 784·128 + 128·10', () => {
    const doc = produce(load(VALID_MLP_FIXTURE), (d) => {
      d.nodes.d1!.params.useBias = false;
      d.nodes.d2!.params.useBias = false;
    });
    expect(analyse(doc, registry).totalParams).toBe(784 * 128 + 128 * 10);
  });

  it('the valid MLP lowers to an IR in topological order with its training settings', () => {
    const a = analyse(load(VALID_MLP_FIXTURE), registry);
    const { ir } = lowerGraph(a, registry);
    expect(ir).toBeDefined();
    expect(ir!.nodes.map((n) => n.id)).toEqual(['in', 'd1', 'd2', 'out']);
    expect(ir!.inputs).toEqual(['in']);
    expect(ir!.outputs).toEqual(['d2', 'out']);
    expect(ir!.losses.map((n) => n.id)).toEqual(['loss']);
    expect(ir!.losses[0]!.inputs).toEqual([{ node: 'd2', port: 'y' }, { labels: 'onehot' }]);
    expect(ir!.metrics[0]!.inputs).toEqual([{ node: 'd2', port: 'y' }, { labels: 'index' }]);
    expect(ir!.training).toMatchObject({ dataset: { name: 'mnist' }, batchSize: 64, seed: 1 });
    expect(JSON.parse(JSON.stringify(ir))).toEqual(ir);
  });
});

describe('memoisation across immer edits', () => {
  // A registry whose infer calls are counted, to see what re-analysis actually recomputes.
  const calls: string[] = [];
  const counting = new Registry(
    registry.all().map(
      (def): AnyNodeDef => ({
        ...def,
        infer: (ctx) => {
          calls.push(ctx.nodeId);
          return def.infer(ctx);
        },
      }),
    ),
  );

  it('a param edit on one node: same result as a fresh analysis; only that node and its downstream re-infer', () => {
    const doc = load(VALID_MLP_FIXTURE);
    const first = analyse(doc, counting);
    expect(first.totalParams).toBe(101_770);
    const edited = produce(doc, (d) => {
      d.nodes.d2!.params.units = 12;
    });
    expect(edited.nodes.d1).toBe(doc.nodes.d1);
    calls.length = 0;
    const memo = analyse(edited, counting);
    expect(calls.sort()).toEqual(['acc', 'd2', 'loss', 'out']);
    const fresh = analyse(structuredClone(edited), counting);
    expect(summary(memo)).toEqual(summary(fresh));
    expect(memo.totalParams).toBe(100_480 + 128 * 12 + 12);
    expect(memo.diagnostics).toEqual([
      expect.objectContaining({ code: 'shape/loss-target-mismatch', nodeId: 'loss' }),
      expect.objectContaining({
        code: 'shape/class-count-mismatch',
        nodeId: 'acc',
        fix: { kind: 'set-param', nodeId: 'd2', field: 'units', value: 10 },
      }),
    ]);
    // And back: the original result again.
    const back = produce(edited, (d) => {
      d.nodes.d2!.params.units = 10;
    });
    expect(summary(analyse(back, counting))).toEqual(summary(first));
  });

  it('an invalid param edit and its undo', () => {
    const doc = load(VALID_MLP_FIXTURE);
    const first = analyse(doc, counting);
    const bad = produce(doc, (d) => {
      d.nodes.d1!.params.units = 'many';
    });
    const memo = analyse(bad, counting);
    expect(summary(memo)).toEqual(summary(analyse(structuredClone(bad), counting)));
    expect(only(memo, 'param/invalid')).toEqual([expect.objectContaining({ nodeId: 'd1', field: 'units' })]);
    expect(summary(analyse(doc, counting))).toEqual(summary(first));
  });

  it('deleting an edge: same result as a fresh analysis', () => {
    const doc = load(VALID_MLP_FIXTURE);
    analyse(doc, counting);
    const edited = produce(doc, (d) => {
      delete d.edges.e2;
    });
    calls.length = 0;
    const memo = analyse(edited, counting);
    expect(calls).toEqual([]); // in, d1 memoised; everything downstream of d2 is unready
    const fresh = analyse(structuredClone(edited), counting);
    expect(summary(memo)).toEqual(summary(fresh));
    expect(only(memo, 'port/unconnected')).toEqual([expect.objectContaining({ nodeId: 'd2', port: 'x' })]);
    expect(memo.totalParams).toBe(784 * 128 + 128);
    // Restoring the edge restores the analysis.
    const restored = produce(edited, (d) => {
      d.edges.e2 = edge('d1', 'y', 'd2', 'x');
    });
    expect(summary(analyse(restored, counting))).toEqual(summary(analyse(doc, counting)));
  });

  it('renaming a node id re-reports diagnostics under the new id', () => {
    const doc = load('param-invalid-range.graph.json');
    expect(only(analyse(doc, registry), 'param/invalid')[0]?.nodeId).toBe('d1');
    const renamed = produce(doc, (d) => {
      d.nodes.dense = d.nodes.d1!;
      delete d.nodes.d1;
      d.edges.e1!.to.node = 'dense';
    });
    expect(renamed.nodes.dense).toBe(doc.nodes.d1);
    const a = analyse(renamed, registry);
    expect(only(a, 'param/invalid')).toEqual([expect.objectContaining({ nodeId: 'dense', field: 'units' })]);
    expect(summary(a)).toEqual(summary(analyse(structuredClone(renamed), registry)));
  });

  it('one record object shared by two ids: each diagnostic names its own node', () => {
    const shared = node('layers.dense', { units: 0 });
    const doc = graph(
      { in: node('io.input', { shape: [4] }), a: shared, b: shared },
      { e1: edge('in', 'y', 'a', 'x'), e2: edge('in', 'y', 'b', 'x') },
    );
    const a = analyse(doc, registry);
    expect(only(a, 'param/invalid').map((d) => d.nodeId)).toEqual(['a', 'b']);
    expect(only(a, 'param/invalid').map((d) => d.message.includes(`'${d.nodeId}'`))).toEqual([true, true]);
  });
});
