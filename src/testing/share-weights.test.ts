// Weight sharing (issue #13): `shareWeights` makes a node apply its owner's layer. Checked against
// independent references: the shared kernel's and bias's gradients equal the SUM of the two uses'
// gradients, each use's computed by central finite differences of a Float64 re-computation with
// the two uses' weights as separate variables; parameters count once (as Keras counts a Dense layer
// called twice: in·units + units); and analysis names the node and field for every invalid share.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { deleteItems, setShareWeights } from '../app/commands.ts';
import { summaryRows } from '../cli/summary.ts';
import { compileIR } from '../compiler/compile.ts';
import { analyse } from '../core/analysis/analyse.ts';
import { refuseUnsupported } from '../core/codegen/generate.ts';
import { CodegenError, generateTypeScript } from '../core/codegen/index.ts';
import { type GraphDoc, GraphDocSchema } from '../core/doc/schema.ts';
import { lowerGraph } from '../core/lower.ts';
import { loadRegistry } from '../node/discover-nodes.ts';

const registry = await loadRegistry();

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const D = 3;
type Nodes = GraphDoc['nodes'];

/** x [D] → d1 (dense D, tanh) → d2 (dense D, tanh, shares d1's weights) → out. */
function chain(patch: (nodes: Record<string, Record<string, unknown>>) => void = () => {}): GraphDoc {
  const nodes: Record<string, Record<string, unknown>> = {
    x: { type: 'io.input', v: 1, params: { shape: [D] } },
    d1: { type: 'layers.dense', v: 1, params: { units: D, activation: 'tanh' } },
    d2: { type: 'layers.dense', v: 1, params: { units: D, activation: 'tanh' }, shareWeights: 'd1' },
    out: { type: 'io.output', v: 1, params: {} },
  };
  patch(nodes);
  return GraphDocSchema.parse({
    format: 'netwright.graph',
    formatVersion: 2,
    meta: { title: 'shared chain' },
    nodes: nodes as Nodes,
    edges: {
      e1: { from: { node: 'x', port: 'y' }, to: { node: 'd1', port: 'x' } },
      e2: { from: { node: 'd1', port: 'y' }, to: { node: 'd2', port: 'x' } },
      e3: { from: { node: 'd2', port: 'y' }, to: { node: 'out', port: 'x' } },
    },
  });
}

/** Float64 f(x) = tanh(tanh(x·W1 + b1)·W2 + b2), loss = Σ (f − t)² over the batch. */
function lossF64(
  xs: number[][],
  ts: number[][],
  W1: number[][],
  b1: number[],
  W2: number[][],
  b2: number[],
): number {
  const dense = (v: number[], W: number[][], b: number[]) =>
    b.map((bj, j) => Math.tanh(v.reduce((s, vi, i) => s + vi * W[i]![j]!, bj)));
  let loss = 0;
  for (const [n, x] of xs.entries()) {
    const y = dense(dense(x, W1, b1), W2, b2);
    for (const [j, yj] of y.entries()) loss += (yj - ts[n]![j]!) ** 2;
  }
  return loss;
}

describe('weight sharing', () => {
  it('counts the shared weights once: analysis, the tfjs model and its variables (Keras: in·units + units)', () => {
    const a = analyse(chain(), registry);
    expect(a.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const keras = D * D + D; // one Dense(3) layer on 3 features, however often it is called
    expect(a.totalParams).toBe(keras);
    // The summary lists the shared layer under its owner (d2: 0, noted), so its rows add up to the total.
    const rows = summaryRows(a);
    expect(rows.find((r) => r.id === 'd2')).toMatchObject({ params: 0, type: 'layers.dense, shares d1' });
    expect(rows.reduce((s, r) => s + r.params, 0)).toBe(keras);
    const ir = lowerGraph(a, registry).ir!;
    expect(ir.nodes.find((n) => n.id === 'd2')?.weightsFrom).toBe('d1');
    expect(ir.nodes.find((n) => n.id === 'd1')?.weightsFrom).toBeUndefined();
    const before = tf.memory().numTensors;
    const c = compileIR(ir, registry);
    expect(c.countParams()).toBe(keras);
    expect(c.variables([]).map((v) => v.shape)).toEqual([[D, D], [D]]);
    expect(c.layers.get('d2')).toBe(c.layers.get('d1'));
    expect(c.weights(['d1', 'd2']).length).toBe(2);
    c.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("the shared weights' gradient is the sum of both uses' gradients (finite differences, Float64)", () => {
    const c = compileIR(lowerGraph(analyse(chain(), registry), registry).ir!, registry);
    const xs = [
      [0.3, -1.2, 0.7],
      [1.1, 0.4, -0.5],
    ];
    const ts = [
      [0.2, -0.1, 0.5],
      [-0.4, 0.3, 0.1],
    ];
    const before = tf.memory().numTensors;
    const [kernel, bias] = c.variables([]);
    const { value, grads } = tf.tidy(() => {
      const x = tf.tensor2d(xs);
      const t = tf.tensor2d(ts);
      return tf.variableGrads(() => {
        const y = c.run({ x }, { training: true }).get('out')!;
        return tf.sum(tf.square(tf.sub(y, t))) as tf.Scalar;
      }, c.variables([]));
    });
    const gW = grads[kernel!.name]!.arraySync() as number[][];
    const gb = grads[bias!.name]!.arraySync() as number[];
    tf.dispose([value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);

    const W = kernel!.arraySync() as number[][];
    const b = bias!.arraySync() as number[];
    const h = 1e-6;
    const copyW = () => W.map((r) => [...r]);
    // ∂L/∂W1[i][j] + ∂L/∂W2[i][j] at W1 = W2 = W: each use perturbed on its own.
    for (let i = 0; i < D; i++)
      for (let j = 0; j < D; j++) {
        const use = (which: 1 | 2) => {
          const plus = copyW();
          const minus = copyW();
          plus[i]![j]! += h;
          minus[i]![j]! -= h;
          const [Wp1, Wp2] = which === 1 ? [plus, W] : [W, plus];
          const [Wm1, Wm2] = which === 1 ? [minus, W] : [W, minus];
          return (lossF64(xs, ts, Wp1, b, Wp2, b) - lossF64(xs, ts, Wm1, b, Wm2, b)) / (2 * h);
        };
        const g1 = use(1);
        const g2 = use(2);
        expect(Math.abs(g1) + Math.abs(g2)).toBeGreaterThan(0);
        expect(gW[i]![j]!).toBeCloseTo(g1 + g2, 4);
      }
    for (let j = 0; j < D; j++) {
      const shift = (d: number) => b.map((v, k) => (k === j ? v + d : v));
      const g1 = (lossF64(xs, ts, W, shift(h), W, b) - lossF64(xs, ts, W, shift(-h), W, b)) / (2 * h);
      const g2 = (lossF64(xs, ts, W, b, W, shift(h)) - lossF64(xs, ts, W, b, W, shift(-h))) / (2 * h);
      expect(gb[j]!).toBeCloseTo(g1 + g2, 4);
      // Not merely the second use's gradient: the first use contributes too.
      expect(Math.abs(g1)).toBeGreaterThan(1e-3);
    }
    c.dispose();
  });

  it('the owner may come after the node that shares it in IR order (one layer all the same)', () => {
    // d1 shares d2's weights; d2 is built (as d1's owner) at d1, the first use.
    const doc = chain((n) => {
      delete n.d2!.shareWeights;
      n.d1!.shareWeights = 'd2';
    });
    const a = analyse(doc, registry);
    expect(a.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const c = compileIR(lowerGraph(a, registry).ir!, registry);
    expect(c.layers.get('d1')).toBe(c.layers.get('d2'));
    expect(c.layers.get('d1')!.name).toBe('d2');
    expect(c.countParams()).toBe(D * D + D);
    c.dispose();
  });

  it.each([
    ['graph/share-unknown', (n: Record<string, Record<string, unknown>>) => (n.d2!.shareWeights = 'nope')],
    ['graph/share-self', (n: Record<string, Record<string, unknown>>) => (n.d2!.shareWeights = 'd2')],
    ['graph/share-type', (n: Record<string, Record<string, unknown>>) => (n.d2!.shareWeights = 'x')],
    [
      'graph/share-params',
      (n: Record<string, Record<string, unknown>>) => (n.d2!.params = { units: D, activation: 'relu' }),
    ],
    ['graph/share-group', (n: Record<string, Record<string, unknown>>) => (n.d2!.group = 'other')],
    ['graph/share-kind', (n: Record<string, Record<string, unknown>>) => (n.out!.shareWeights = 'out2')],
  ])('%s names the node and the field', (code, patch) => {
    const doc = chain((n) => {
      patch(n);
      if (code === 'graph/share-kind') n.out2 = { type: 'io.output', v: 1, params: {} };
    });
    const a = analyse(doc, registry);
    const d = a.diagnostics.find((x) => x.code === code);
    expect(d, JSON.stringify(a.diagnostics)).toBeDefined();
    expect(d!.field).toBe('shareWeights');
    expect(d!.message).toMatch(/^Node '(d2|out)'/);
    expect(a.ok).toBe(false);
  });

  it('graph/share-shape: same type and params but other input shapes', () => {
    // A second branch x → d0 (dense D+1) → d3 (dense D, shares d1): d3's kernel would be [D+1, D].
    const doc = chain((n) => {
      n.d0 = { type: 'layers.dense', v: 1, params: { units: D + 1 } };
      n.d3 = { type: 'layers.dense', v: 1, params: { units: D, activation: 'tanh' }, shareWeights: 'd1' };
    });
    const edges = {
      ...doc.edges,
      e4: { from: { node: 'x', port: 'y' }, to: { node: 'd0', port: 'x' } },
      e5: { from: { node: 'd0', port: 'y' }, to: { node: 'd3', port: 'x' } },
    };
    const a = analyse({ ...doc, edges }, registry);
    const d = a.diagnostics.find((x) => x.code === 'graph/share-shape');
    expect(d?.nodeId).toBe('d3');
    expect(d?.message).toContain('x: B×4');
  });

  it('graph/share-chain: sharing with a node that shares itself names the real owner', () => {
    const doc = chain((n) => {
      n.d3 = { type: 'layers.dense', v: 1, params: { units: D, activation: 'tanh' }, shareWeights: 'd2' };
    });
    const edges = { ...doc.edges, e4: { from: { node: 'd2', port: 'y' }, to: { node: 'd3', port: 'x' } } };
    const d = analyse({ ...doc, edges }, registry).diagnostics.find((x) => x.code === 'graph/share-chain');
    expect(d?.nodeId).toBe('d3');
    expect(d?.message).toContain("set 'shareWeights' to 'd1'");
  });

  it('the TypeScript exporter applies one layer object at both nodes; the PyTorch exporter refuses by name', () => {
    const ir = lowerGraph(analyse(chain(), registry), registry).ir!;
    const code = generateTypeScript(ir, registry);
    const made = code.match(/const (\w+) = tf\.layers\.dense\(/g) ?? [];
    expect(made).toEqual(['const d1_layer = tf.layers.dense(']);
    expect(code).toMatch(/const d1 = d1_layer\.apply\(x\) as tf\.SymbolicTensor;/);
    expect(code).toMatch(
      /const d2 = d1_layer\.apply\(d1\) as tf\.SymbolicTensor; \/\/ shares the weights of 'd1'/,
    );
    expect(() => refuseUnsupported(ir, registry)).toThrow(CodegenError);
    expect(() => refuseUnsupported(ir, registry)).toThrow(
      /^export\/unsupported: node 'd2' \(.*\) shares weights with 'd1' \(shareWeights\); the PyTorch exporter/,
    );
  });

  it('inside a group: ids are prefixed, the group is spliced (not fused) and the layer is shared', () => {
    const dense = { type: 'layers.dense', v: 1, params: { units: D, activation: 'tanh' } };
    const doc = GraphDocSchema.parse({
      format: 'netwright.graph',
      formatVersion: 2,
      meta: { title: 'shared in a group' },
      nodes: {
        x: { type: 'io.input', v: 1, params: { shape: [D] } },
        g: {
          type: 'group.subgraph',
          v: 1,
          params: {},
          graph: {
            nodes: {
              i: { type: 'group.input', v: 1, params: {} },
              a: dense,
              b: { ...dense, shareWeights: 'a' },
              o: { type: 'group.output', v: 1, params: {} },
            },
            edges: {
              f1: { from: { node: 'i', port: 'y' }, to: { node: 'a', port: 'x' } },
              f2: { from: { node: 'a', port: 'y' }, to: { node: 'b', port: 'x' } },
              f3: { from: { node: 'b', port: 'y' }, to: { node: 'o', port: 'x' } },
            },
          },
        },
        out: { type: 'io.output', v: 1, params: {} },
      },
      edges: {
        e1: { from: { node: 'x', port: 'y' }, to: { node: 'g', port: 'x' } },
        e2: { from: { node: 'g', port: 'y' }, to: { node: 'out', port: 'x' } },
      },
    });
    const a = analyse(doc, registry);
    expect(a.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(a.totalParams).toBe(D * D + D);
    const ir = lowerGraph(a, registry).ir!;
    expect(ir.nodes.find((n) => n.id === 'g__b')?.weightsFrom).toBe('g__a');
    const c = compileIR(ir, registry);
    expect(c.layers.get('g__b')).toBe(c.layers.get('g__a'));
    expect(c.countParams()).toBe(D * D + D);
    c.dispose();
  });

  it("editing: setShareWeights sets and clears the field; deleting the owner clears its sharers'", () => {
    const doc = structuredClone(chain((n) => delete n.d2!.shareWeights));
    setShareWeights('d2', 'd1')(doc);
    expect(doc.nodes.d2!.shareWeights).toBe('d1');
    expect(analyse(doc, registry).totalParams).toBe(D * D + D);
    setShareWeights('d2', undefined)(doc);
    expect(Object.hasOwn(doc.nodes.d2!, 'shareWeights')).toBe(false);
    expect(analyse(doc, registry).totalParams).toBe(2 * (D * D + D));
    setShareWeights('d2', 'd1')(doc);
    deleteItems(['d1'], [])(doc);
    expect(doc.nodes.d2!.shareWeights).toBeUndefined();
  });

  it('the document schema accepts an id-like shareWeights and rejects anything else', () => {
    expect(() => chain((n) => (n.d2!.shareWeights = 'not an id!'))).toThrow();
  });
});
