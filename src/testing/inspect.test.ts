// Looking inside a trained model: edge functions vs closed forms (a Dense layer's edge is w_ij·t;
// a KAN's outputs are sums of its edge functions) and attention maps vs a naive loop softmax.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileIR } from '../compiler/compile.ts';
import { analyse } from '../core/analysis/analyse.ts';
import type { LoadedDataset } from '../core/datasets/dataset-def.ts';
import type { GraphDoc } from '../core/doc/schema.ts';
import { lowerGraph } from '../core/lower.ts';
import type { Registry } from '../core/registry.ts';
import { loadRegistry } from '../node/discover-nodes.ts';
import { attentionMaps, edgeFunctions } from '../trainer/inspect.ts';

let registry: Registry;
beforeAll(async () => {
  registry = await loadRegistry();
  await tf.setBackend('cpu');
});

const chain = (inShape: number[], layer: { type: string; params: Record<string, unknown> }): GraphDoc => ({
  format: 'netwright.graph',
  formatVersion: 2,
  meta: { title: 't' },
  nodes: {
    in: { type: 'io.input', v: 1, params: { shape: inShape } },
    layer: { type: layer.type, v: 1, params: layer.params },
    out: { type: 'io.output', v: 1, params: {} },
  },
  edges: {
    e1: { from: { node: 'in', port: 'y' }, to: { node: 'layer', port: 'x' } },
    e2: { from: { node: 'layer', port: 'y' }, to: { node: 'out', port: 'x' } },
  },
  layout: {},
});
const compile = (doc: GraphDoc) => {
  const a = analyse(doc, registry);
  expect(a.diagnostics).toEqual([]);
  return compileIR(lowerGraph(a, registry).ir!, registry, { seed: 4 });
};

describe('edge functions', () => {
  it("a Dense layer's edge i → j is w_ij · t", async () => {
    const c = compile(chain([3], { type: 'layers.dense', params: { units: 2 } }));
    const w = c.layers.get('layer')!.getWeights()[0]!.arraySync() as number[][];
    const before = tf.memory().numTensors;
    const e = await edgeFunctions(c, 'layer');
    expect(tf.memory().numTensors).toBe(before);
    expect([e.inputs, e.outputs, e.phi.length, e.phi[0]!.length]).toEqual([3, 2, 3, 2]);
    e.x.forEach((t, k) => {
      for (let i = 0; i < 3; i++)
        for (let j = 0; j < 2; j++) expect(e.phi[i]![j]![k]).toBeCloseTo(w[i]![j]! * t, 5);
    });
    c.dispose();
  });

  it('a KAN layer: its output at a point = output at 0 + Σ_i edge_i(x_i) (the read-out is exact)', async () => {
    const c = compile(chain([3], { type: 'kan.kanLayer', params: { units: 2 } }));
    const e = await edgeFunctions(c, 'layer');
    expect(e.x[0]).toBe(-1);
    expect(e.x.at(-1)).toBe(1);
    // Pick grid points k = (10, 25, 33) for the three inputs.
    const ks = [10, 25, 33];
    const point = ks.map((k) => e.x[k]!);
    const [y0, y] = tf.tidy(() => {
      const layer = c.layers.get('layer')!;
      const out = layer.apply(tf.tensor2d([[0, 0, 0], point]), { training: false }) as tf.Tensor;
      return [out.slice([0, 0], [1, 2]).dataSync(), out.slice([1, 0], [1, 2]).dataSync()];
    });
    for (let j = 0; j < 2; j++) {
      const sum = ks.reduce((s, k, i) => s + e.phi[i]![j]![k]!, 0);
      expect(y[j]).toBeCloseTo(y0[j]! + sum, 4);
    }
    c.dispose();
  });

  it("a Conv-KAN: output (0, 0) at an image = output at 0 + Σ its kernel entries' edge functions", async () => {
    const c = compile(chain([5, 5, 2], { type: 'kan.convKan', params: { filters: 3, kernelSize: 3 } }));
    const e = await edgeFunctions(c, 'layer');
    expect([e.inputs, e.outputs, e.phi.length, e.phi[0]!.length]).toEqual([18, 3, 8, 3]);
    // Edge i ↔ kernel entry (u, v, c) with i = (3u + v)·2 + c: i = 3 is (0, 1) c1, i = 6 is (1, 0) c0.
    expect(e.inputLabels[3]).toBe('(0,1) c1');
    expect(e.inputLabels[6]).toBe('(1,0) c0');
    const picks: [number, number, number, number, number][] = [
      [0, 0, 0, 0, 12], // edge 0: pixel (0, 0) channel 0 at grid point 12
      [3, 0, 1, 1, 30],
      [6, 1, 0, 0, 5],
    ];
    const image = new Float32Array(5 * 5 * 2);
    for (const [, u, v, ch, k] of picks) image[(u * 5 + v) * 2 + ch] = e.x[k]!;
    const [y0, y] = tf.tidy(() => {
      const out = c.layers
        .get('layer')!
        .apply(tf.concat([tf.zeros([1, 5, 5, 2]), tf.tensor(image, [1, 5, 5, 2])]), {
          training: false,
        }) as tf.Tensor;
      const at00 = tf.reshape(tf.slice(out, [0, 0, 0, 0], [2, 1, 1, 3]), [2, 3]).arraySync() as number[][];
      return [at00[0]!, at00[1]!];
    });
    for (let f = 0; f < 3; f++) {
      const sum = picks.reduce((acc, [i, , , , k]) => acc + e.phi[i]![f]![k]!, 0);
      expect(y[f]).toBeCloseTo(y0[f]! + sum, 4);
    }
    c.dispose();
  });

  it('refuses a layer without flat inputs, naming the node', async () => {
    const c = compile(chain([4, 3], { type: 'layers.dense', params: { units: 2 } }));
    await expect(edgeFunctions(c, 'layer')).rejects.toThrow(/'layer'.*2-D input/);
    c.dispose();
  });
});

describe('attention maps', () => {
  it('equal softmax(Q Kᵀ / √d_k) per head computed by loops, rows sum to 1', async () => {
    const n = 4;
    const d = 6;
    const c = compile(
      chain([n, d], { type: 'attention.multiHeadAttention', params: { numHeads: 2, keyDim: 3 } }),
    );
    const rng = tf.randomNormal([5 * n * d], 0, 1, 'float32', 2);
    const data: LoadedDataset = {
      binding: { name: 'fake', featureShape: [n, d], labels: { kind: 'class', numClasses: 2 } },
      train: { x: new Float32Array(0), y: new Int32Array(0), count: 0 },
      val: { x: rng.dataSync() as Float32Array, y: Int32Array.from([0, 1, 0, 1, 1]), count: 5 },
    };
    rng.dispose();
    const before = tf.memory().numTensors;
    const m = await attentionMaps(c, data, 'layer', 3);
    expect(tf.memory().numTensors).toBe(before);
    expect(m.sample).toBe(3);
    expect(m.label).toBe(1);
    expect(m.blocks).toHaveLength(1);
    const heads = m.blocks[0]!.heads;
    expect(heads).toHaveLength(2);
    // Naive reference from the layer's weights.
    const ws = Object.fromEntries(
      c.layers
        .get('layer')!
        .weights.map((w) => [w.name.split('/').at(-1)!.replace(/_\d+$/, ''), w.read().arraySync()]),
    ) as Record<string, number[][] | number[]>;
    const x = Array.from({ length: n }, (_, t) =>
      Array.from(data.val.x.subarray((3 * n + t) * d, (3 * n + t + 1) * d)),
    );
    const proj = (wName: string, bName: string, t: number, col: number) =>
      x[t]!.reduce((s, v, i) => s + v * (ws[wName] as number[][])[i]![col]!, 0) +
      (ws[bName] as number[])[col]!;
    for (let h = 0; h < 2; h++)
      for (let q = 0; q < n; q++) {
        const scores = Array.from({ length: n }, (_, k) => {
          let s = 0;
          for (let u = 0; u < 3; u++) s += proj('wq', 'bq', q, h * 3 + u) * proj('wk', 'bk', k, h * 3 + u);
          return s / Math.sqrt(3);
        });
        const mx = Math.max(...scores);
        const ex = scores.map((s) => Math.exp(s - mx));
        const z = ex.reduce((a, b) => a + b, 0);
        ex.forEach((v, k) => {
          expect(heads[h]![q]![k]).toBeCloseTo(v / z, 5);
        });
        expect(heads[h]![q]!.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      }
    c.dispose();
  });
});
