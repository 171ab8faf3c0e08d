// Bad input where data meets the graph (issue 11): a field of the wrong shape for its port, a
// training-only input that inference depends on, a multi-hot loss on class labels. Each is one
// diagnostic on the node that names the field and the fix; analysis, lowering and the CLI's check
// never throw on them.
import { describe, expect, it } from 'vitest';
import { analyse } from '../core/analysis/analyse.ts';
import type { GraphDoc } from '../core/doc/schema.ts';
import { lowerGraph } from '../core/lower.ts';
import { loadRegistry } from '../node/discover-nodes.ts';

const registry = await loadRegistry();
const W = 4; // pairedSum's default width: features [4], field `other` [4], labels values [1]

type Nodes = GraphDoc['nodes'];
type Edges = GraphDoc['edges'];

function doc(nodes: Nodes, edges: Edges, dataset = 'pairedSum'): GraphDoc {
  return {
    format: 'netwright.graph',
    formatVersion: 2,
    meta: { title: 'data ports' },
    nodes,
    edges,
    training: {
      dataset: { name: dataset, params: {} },
      optimizer: { type: 'optimizers.adam', params: {} },
      batchSize: 8,
      epochs: 1,
      seed: 1,
    },
    layout: {},
  };
}

const edge = (from: string, to: string, port: string, fromPort = 'y') => ({
  from: { node: from, port: fromPort },
  to: { node: to, port },
});

/** Analysis and lowering of a graph, asserting neither throws. */
function check(d: GraphDoc) {
  const a = analyse(d, registry);
  expect(() => lowerGraph(a, registry)).not.toThrow();
  return a;
}

describe('a field of the wrong shape for its port', () => {
  it('a loss target fed field `other` [B, 4] against a [B, 1] prediction names the field, the Input and the fix', () => {
    const a = check(
      doc(
        {
          x: { type: 'io.input', v: 1, params: { shape: [W] } },
          o: { type: 'io.input', v: 1, params: { shape: [W], source: 'field:other' } },
          d: { type: 'layers.dense', v: 1, params: { units: 1 } },
          mse: { type: 'losses.meanSquaredError', v: 1, params: {} },
        },
        { e1: edge('x', 'd', 'x'), e2: edge('d', 'mse', 'pred'), e3: edge('o', 'mse', 'target') },
      ),
    );
    const d = a.diagnostics.filter((x) => x.nodeId === 'mse');
    expect(d.map((x) => [x.code, x.severity])).toEqual([['shape/loss-target-mismatch', 'error']]);
    expect(d[0]!.message).toContain("Port 'target' reads field 'other' of dataset 'pairedSum' (B×4)");
    expect(d[0]!.message).toContain("through Input 'o'");
    expect(d[0]!.message).toContain('feed this port a field of the shape it expects');
  });

  it('an Input whose shape differs from its field is refused with the field named and a set-shape fix', () => {
    const a = check(
      doc(
        {
          x: { type: 'io.input', v: 1, params: { shape: [W] } },
          o: { type: 'io.input', v: 1, params: { shape: [3], source: 'field:other' } },
          mse: { type: 'losses.meanSquaredError', v: 1, params: {} },
        },
        { e1: edge('x', 'mse', 'pred'), e2: edge('o', 'mse', 'target') },
      ),
    );
    const d = a.diagnostics.find((x) => x.code === 'data/input-shape-mismatch')!;
    expect(d.nodeId).toBe('o');
    expect(d.message).toContain("field 'other'");
    expect(d.fix).toEqual({ kind: 'set-param', nodeId: 'o', field: 'shape', value: [W] });
  });

  it('a field of one value per row on the mask port is accepted (the same wiring with the right field)', () => {
    // Control: the message above is about the shape, not about fields on ports as such.
    const a = check(
      doc(
        {
          x: { type: 'io.input', v: 1, params: { shape: [W] } },
          o: { type: 'io.input', v: 1, params: { shape: [W], source: 'field:other' } },
          d: { type: 'layers.dense', v: 1, params: { units: W } },
          mse: { type: 'losses.meanSquaredError', v: 1, params: {} },
        },
        { e1: edge('x', 'd', 'x'), e2: edge('d', 'mse', 'pred'), e3: edge('o', 'mse', 'target') },
      ),
    );
    expect(a.diagnostics).toEqual([]);
  });
});

describe('a training-only input used at inference', () => {
  const nodes = (extra: Nodes): Nodes => ({
    x: { type: 'io.input', v: 1, params: { shape: [W] } },
    o: { type: 'io.input', v: 1, params: { shape: [W], source: 'field:other', trainingOnly: true } },
    ...extra,
  });

  it('a layer on the path to an Output reads it: error on the Input naming the field, the reader and the fix', () => {
    const a = check(
      doc(
        nodes({
          cat: { type: 'layers.concatenate', v: 1, params: {} },
          d: { type: 'layers.dense', v: 1, params: { units: 1 } },
          out: { type: 'io.output', v: 1, params: {} },
          mse: { type: 'losses.meanSquaredError', v: 1, params: {} },
        }),
        {
          e1: edge('x', 'cat', 'x1'),
          e2: edge('o', 'cat', 'x2'),
          e3: edge('cat', 'd', 'x'),
          e4: edge('d', 'out', 'x'),
          e5: edge('out', 'mse', 'pred'),
        },
      ),
    );
    const d = a.diagnostics.filter((x) => x.code === 'data/training-only-at-inference');
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({ nodeId: 'o', field: 'trainingOnly', severity: 'error' });
    expect(d[0]!.message).toContain("field 'other' of dataset 'pairedSum'");
    expect(d[0]!.message).toContain("Output 'out'");
    expect(d[0]!.message).toContain('untick trainingOnly');
  });

  it('a metric’s prediction depending on it is an error too', () => {
    const b = check(
      doc(
        nodes({
          sub: { type: 'layers.subtract', v: 1, params: {} },
          d: { type: 'layers.dense', v: 1, params: { units: 1 } },
          mse: { type: 'losses.meanSquaredError', v: 1, params: {} },
          acc: { type: 'metrics.f1', v: 1, params: {} },
        }),
        {
          e1: edge('x', 'sub', 'x1'),
          e2: edge('o', 'sub', 'x2'),
          e3: edge('sub', 'd', 'x'),
          e4: edge('d', 'mse', 'pred'),
          e5: edge('d', 'acc', 'pred'),
        },
      ),
    );
    const d = b.diagnostics.find((x) => x.code === 'data/training-only-at-inference')!;
    expect(d.nodeId).toBe('o');
    expect(d.message).toContain("metric 'acc' reads 'd'");
  });

  it('feeding only a loss (the contract’s use) is fine', () => {
    const a = check(
      doc(
        nodes({
          d: { type: 'layers.dense', v: 1, params: { units: W } },
          out: { type: 'io.output', v: 1, params: {} },
          mse: { type: 'losses.meanSquaredError', v: 1, params: {} },
        }),
        {
          e1: edge('x', 'd', 'x'),
          e2: edge('d', 'out', 'x'),
          e3: edge('out', 'mse', 'pred'),
          e4: edge('o', 'mse', 'target'),
        },
      ),
    );
    expect(a.diagnostics).toEqual([]);
  });
});

describe('a multi-hot loss on class labels', () => {
  it('binary cross-entropy whose target is an Input of class labels says why and what to use instead', () => {
    const a = check(
      doc(
        {
          x: { type: 'io.input', v: 1, params: { shape: [4] } },
          lab: { type: 'io.input', v: 1, params: { shape: [1], dtype: 'int32', source: 'labels' } },
          d: { type: 'layers.dense', v: 1, params: { units: 3, activation: 'sigmoid' } },
          bce: { type: 'losses.binaryCrossentropy', v: 1, params: {} },
        },
        { e1: edge('x', 'd', 'x'), e2: edge('d', 'bce', 'pred'), e3: edge('lab', 'bce', 'target') },
        'iris',
      ),
    );
    const d = a.diagnostics.filter((x) => x.nodeId === 'bce');
    expect(d.map((x) => x.code)).toEqual(['shape/loss-target-mismatch']);
    expect(d[0]!.message).toContain("Input 'lab', the class labels (one class index per row, B×1)");
    expect(d[0]!.message).toContain('Disconnect the target');
    expect(d[0]!.message).toContain('Sparse categorical cross-entropy');
  });

  it('the suggested fix works: with the target disconnected the labels arrive one-hot and nothing is reported', () => {
    const a = check(
      doc(
        {
          x: { type: 'io.input', v: 1, params: { shape: [4] } },
          d: { type: 'layers.dense', v: 1, params: { units: 3, activation: 'sigmoid' } },
          bce: { type: 'losses.binaryCrossentropy', v: 1, params: {} },
        },
        { e1: edge('x', 'd', 'x'), e2: edge('d', 'bce', 'pred') },
        'iris',
      ),
    );
    expect(a.diagnostics).toEqual([]);
  });
});
