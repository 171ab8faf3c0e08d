// W4 analysis core: CompiledModel.run overrides, Grad-CAM channel weights against a Float64 finite
// difference of an independently written head, Eigen-CAM against a Jacobi eigen-solve of MᵀM in
// Float64 (and no gradient call), the locate generator, and tensor hygiene.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { nodesToRun } from '../compiler/compile.ts';
import { locate } from '../core/datasets/locate.ts';
import { resolveParams } from '../core/params.ts';
import { createRng } from '../core/rng.ts';
import { loadRegistry } from '../node/discover-nodes.ts';
import { build, sequential } from '../trainer/experiments/_kan-shared.ts';
import { eigenCam, gradCam } from './cam.ts';
import { energyInBox, peakInBox } from './cam-metrics.ts';
import { analysisContext, countGradientCalls } from './context.ts';
import { eigenCamTool, gradCamTool } from './tools.ts';

const registry = await loadRegistry();

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const SIZE = 16;
/** input[16,16,1] → n0 conv 4 relu → n1 conv 3 relu (target) → n2 GAP → n3 dense 5 tanh → n4 dense 4. */
const doc = () =>
  sequential(
    [SIZE, SIZE, 1],
    [
      ['layers.conv2d', { filters: 4, kernelSize: [3, 3], padding: 'same', activation: 'relu' }],
      ['layers.conv2d', { filters: 3, kernelSize: [3, 3], padding: 'same', activation: 'relu' }],
      ['layers.globalAveragePooling2d', {}],
      ['layers.dense', { units: 5, activation: 'tanh' }],
      ['layers.dense', { units: 4 }],
    ],
    { loss: 'losses.categoricalCrossentropy', lossParams: { fromLogits: true } },
    {
      dataset: { name: 'locate', params: { samples: 24, size: SIZE } },
      optimizer: { type: 'optimizers.adam', params: { learningRate: 0.01 } },
      batchSize: 8,
      epochs: 1,
      seed: 1,
    },
  );

const loadLocate = (seed: number, raw: Record<string, unknown> = {}) =>
  locate.load(
    resolveParams(locate.params, { samples: 24, size: SIZE, ...raw }).values as never,
    createRng(seed),
    {} as never,
  );

const image = (seed: number, n = 2) =>
  tf.tidy(() => tf.randomUniform([n, SIZE, SIZE, 1], 0, 1, 'float32', seed));

describe('CompiledModel.run overrides', () => {
  it('without overrides matches the LayersModel; overriding a node changes only what is downstream', () => {
    const b = build(doc(), registry, 3);
    const x = image(1);
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const plain = b.compiled.run({ input: x }, { training: false });
      const keras = b.compiled.model.predict(x) as tf.Tensor;
      expect(Array.from(plain.get('n4')!.dataSync())).toEqual(Array.from(keras.dataSync()));
      // Override the target: inputs and n0 are not run (no feed needed), downstream uses the override.
      const z = tf.randomUniform(plain.get('n1')!.shape, 0, 2, 'float32', 7);
      const over = b.compiled.run({}, { training: false, overrides: new Map([['n1', z]]) });
      expect(over.has('input')).toBe(false);
      expect(over.has('n0')).toBe(false);
      expect(over.get('n1')).toBe(z);
      const byHand = b.compiled.layers
        .get('n4')!
        .apply(b.compiled.layers.get('n3')!.apply(b.compiled.layers.get('n2')!.apply(z))) as tf.Tensor;
      expect(Array.from(over.get('n4')!.dataSync())).toEqual(Array.from(byHand.dataSync()));
      expect(Array.from(over.get('n4')!.dataSync())).not.toEqual(Array.from(plain.get('n4')!.dataSync()));
    });
    expect(tf.memory().numTensors).toBe(before);
    expect([...nodesToRun(b.compiled.ir, new Set(['n1']))].sort()).toEqual(['n2', 'n3', 'n4']);
    expect(() =>
      b.compiled.run({ input: x }, { training: false, overrides: new Map([['nope', x]]) }),
    ).toThrow(/no such node/);
    x.dispose();
    b.compiled.dispose();
  });
});

/** The head n2…n4 written out in Float64 from the layer weights: y = W4ᵀ tanh(W3ᵀ mean_ij A + b3) + b4. */
function float64Head(b: ReturnType<typeof build>) {
  const [w3, b3] = b.compiled.layers
    .get('n3')!
    .getWeights()
    .map((t) => Float64Array.from(t.dataSync()));
  const [w4, b4] = b.compiled.layers
    .get('n4')!
    .getWeights()
    .map((t) => Float64Array.from(t.dataSync()));
  return (m: readonly number[]) => {
    const h = Array.from({ length: 5 }, (_, j) =>
      Math.tanh(m.reduce((s, v, k) => s + v * w3![k * 5 + j]!, b3![j]!)),
    );
    return Array.from({ length: 4 }, (_, c) => h.reduce((s, v, j) => s + v * w4![j * 4 + c]!, b4![c]!));
  };
}

describe('Grad-CAM', () => {
  it('channel weights equal a central finite difference of the Float64 head; map = ReLU(Σ α A)', () => {
    const b = build(doc(), registry, 5);
    const x = image(2);
    const classes = new Int32Array([2, 0]);
    const before = tf.memory().numTensors;
    const g = gradCam(b.compiled, { input: x }, 'n1', 'n4', classes);
    const alpha = g.alpha.arraySync();
    const cams = g.cams.arraySync();
    g.cams.dispose();
    g.alpha.dispose();
    const a = tf.tidy(() =>
      b.compiled.run({ input: x }, { training: false }).get('n1')!.arraySync(),
    ) as number[][][][];
    expect(tf.memory().numTensors).toBe(before);
    const head = float64Head(b);
    const hw = SIZE * SIZE;
    for (let i = 0; i < 2; i++) {
      const m = [0, 1, 2].map((k) => a[i]!.flat().reduce((s, px) => s + px[k]!, 0) / hw);
      for (let k = 0; k < 3; k++) {
        // A + ε·E_k moves mean_k by ε; ∂y_c/∂A_ijk = (1/hw)·∂y_c/∂m_k for every (i, j), so α_k = that.
        const eps = 1e-5;
        const up = head(m.map((v, j) => (j === k ? v + eps : v)))[classes[i]!]!;
        const dn = head(m.map((v, j) => (j === k ? v - eps : v)))[classes[i]!]!;
        const fd = (up - dn) / (2 * eps) / hw;
        expect(alpha[i]![k]!).toBeCloseTo(fd, 6);
      }
      for (let r = 0; r < SIZE; r += 5)
        for (let c = 0; c < SIZE; c += 3) {
          const want = Math.max(
            0,
            [0, 1, 2].reduce((s, k) => s + alpha[i]![k]! * a[i]![r]![c]![k]!, 0),
          );
          expect(cams[i]![r]![c]!).toBeCloseTo(want, 5);
        }
    }
    x.dispose();
    b.compiled.dispose();
  });
});

/** Cyclic Jacobi eigen-decomposition of a symmetric n×n matrix (Float64); returns the top eigenvector. */
function jacobiTop(s: number[][]): number[] {
  const n = s.length;
  const a = s.map((r) => [...r]);
  const v: number[][] = Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)),
  );
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p]![q]! ** 2;
    if (off < 1e-24) break;
    for (let p = 0; p < n; p++)
      for (let q = p + 1; q < n; q++) {
        if (Math.abs(a[p]![q]!) < 1e-300) continue;
        const theta = (a[q]![q]! - a[p]![p]!) / (2 * a[p]![q]!);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const sn = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k]![p]!;
          const akq = a[k]![q]!;
          a[k]![p] = c * akp - sn * akq;
          a[k]![q] = sn * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p]![k]!;
          const aqk = a[q]![k]!;
          a[p]![k] = c * apk - sn * aqk;
          a[q]![k] = sn * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k]![p]!;
          const vkq = v[k]![q]!;
          v[k]![p] = c * vkp - sn * vkq;
          v[k]![q] = sn * vkp + c * vkq;
        }
      }
  }
  let top = 0;
  for (let i = 1; i < n; i++) if (a[i]![i]! > a[top]![top]!) top = i;
  return v.map((row) => row[top]!);
}

describe('Eigen-CAM', () => {
  it('projects on the top eigenvector of MᵀM (Jacobi, Float64) up to sign, with no gradient call', () => {
    const [h, w, k] = [5, 4, 6];
    const rng = createRng(11);
    // A low-rank-plus-noise map: a clear first component.
    const u = Array.from({ length: h * w }, () => rng.normal());
    const d = Array.from({ length: k }, () => rng.normal());
    const flat = Float32Array.from(
      { length: h * w * k },
      (_, i) => 3 * u[Math.floor(i / k)]! * d[i % k]! + 0.3 * rng.normal() + 1,
    );
    const a = tf.tensor4d(flat, [1, h, w, k]);
    const before = tf.memory().numTensors;
    const { result, calls } = countGradientCalls(() => eigenCam(a, 200));
    expect(calls).toBe(0);
    const v = Array.from(result.v.dataSync());
    const cam = Array.from(result.cams.dataSync());
    result.v.dispose();
    result.cams.dispose();
    expect(tf.memory().numTensors).toBe(before);
    // Reference in Float64: centre columns, S = MᵀM, Jacobi.
    const m = Array.from({ length: h * w }, (_, r) => Array.from({ length: k }, (_, c) => flat[r * k + c]!));
    const colMean = Array.from({ length: k }, (_, c) => m.reduce((s, r) => s + r[c]!, 0) / (h * w));
    const mc = m.map((r) => r.map((x, c) => x - colMean[c]!));
    const s = Array.from({ length: k }, (_, i) =>
      Array.from({ length: k }, (_, j) => mc.reduce((t, r) => t + r[i]! * r[j]!, 0)),
    );
    const ref = jacobiTop(s);
    const dot = ref.reduce((t, x, i) => t + x * v[i]!, 0);
    expect(Math.abs(dot)).toBeCloseTo(1, 5);
    // Map: ReLU of the projection with the sign that correlates with the channel mean.
    let proj = mc.map((r) => r.reduce((t, x, c) => t + x * ref[c]!, 0));
    const meanA = m.map((r) => r.reduce((t, x) => t + x, 0) / k);
    const pm = proj.reduce((t, x) => t + x, 0) / proj.length;
    const am = meanA.reduce((t, x) => t + x, 0) / meanA.length;
    if (proj.reduce((t, x, i) => t + (x - pm) * (meanA[i]! - am), 0) < 0) proj = proj.map((x) => -x);
    for (let i = 0; i < h * w; i++) expect(cam[i]!).toBeCloseTo(Math.max(0, proj[i]!), 4);
    a.dispose();
  });

  it('the gradient counter sees Grad-CAM’s gradient', () => {
    const b = build(doc(), registry, 5);
    const x = image(3);
    const { result, calls } = countGradientCalls(() => gradCam(b.compiled, { input: x }, 'n1', 'n4'));
    expect(calls).toBeGreaterThan(0);
    result.cams.dispose();
    result.alpha.dispose();
    x.dispose();
    b.compiled.dispose();
  });
});

describe('locate dataset', () => {
  it('is deterministic per seed and every box is the tight box of its shape', async () => {
    const a = await loadLocate(4, { noise: 0 });
    const b = await loadLocate(4, { noise: 0 });
    const c = await loadLocate(5, { noise: 0 });
    expect(Array.from(a.train.x)).toEqual(Array.from(b.train.x));
    expect(Array.from(a.val.fields!.box!)).toEqual(Array.from(b.val.fields!.box!));
    expect(Array.from(a.train.x)).not.toEqual(Array.from(c.train.x));
    for (const split of [a.train, a.val]) {
      const box = split.fields!.box!;
      for (let i = 0; i < split.count; i++) {
        let [r0, c0, r1, c1] = [SIZE, SIZE, -1, -1];
        for (let r = 0; r < SIZE; r++)
          for (let col = 0; col < SIZE; col++)
            if (split.x[i * SIZE * SIZE + r * SIZE + col] === 1) {
              r0 = Math.min(r0, r);
              c0 = Math.min(c0, col);
              r1 = Math.max(r1, r);
              c1 = Math.max(c1, col);
            }
        expect(r1).toBeGreaterThanOrEqual(r0);
        expect(Array.from(box.subarray(i * 4, i * 4 + 4))).toEqual([r0, c0, r1, c1]);
      }
    }
    expect(new Set(a.train.y).size).toBe(4);
  });
});

describe('CAM metrics and tools', () => {
  it('pointing game and energy in box on hand-made maps', () => {
    const m = new Float32Array(16);
    m[1 * 4 + 2] = 3;
    m[3 * 4 + 3] = 1;
    expect(peakInBox(m, 4, [0, 1, 1, 2])).toBe(true);
    expect(peakInBox(m, 4, [2, 0, 3, 1])).toBe(false);
    expect(peakInBox(m, 4, [2, 0, 3, 1], 1)).toBe(true);
    expect(energyInBox(m, 4, [0, 0, 1, 3])).toBeCloseTo(0.75, 6);
  });

  it('gradCam and eigenCam tools run on locate validation samples without leaking tensors', async () => {
    const b = build(doc(), registry, 5);
    const data = await loadLocate(1);
    const ctx = analysisContext(b.compiled, data, { samples: 4 });
    const before = tf.memory().numTensors;
    for (const tool of [gradCamTool, eigenCamTool]) {
      const params = resolveParams(tool.params, { deletionSteps: 4 }).values as never;
      const r = await tool.run(ctx, 'n1', params);
      expect(r.figures['pointing game']).toBeGreaterThanOrEqual(0);
      expect(r.figures['deletion AUC']).toBeGreaterThanOrEqual(0);
      const heat = r.views.find((v) => v.kind === 'heatmaps');
      expect(heat && heat.kind === 'heatmaps' && heat.items.length).toBe(4);
    }
    // Eigen-CAM is class-agnostic: the maps do not depend on the class asked for.
    const p = resolveParams(eigenCamTool.params, { deletionSteps: 0 }).values as never;
    const c0 = await eigenCamTool.run({ ...ctx, classes: new Int32Array(4).fill(0) }, 'n1', p);
    const c2 = await eigenCamTool.run({ ...ctx, classes: new Int32Array(4).fill(2) }, 'n1', p);
    const maps = (r: typeof c0) =>
      r.views.flatMap((v) => (v.kind === 'heatmaps' ? v.items.map((i) => Array.from(i.heat)) : []));
    expect(maps(c0)).toEqual(maps(c2));
    expect(tf.memory().numTensors).toBe(before);
    await expect(
      gradCamTool.run(ctx, 'n3', resolveParams(gradCamTool.params, {}).values as never),
    ).rejects.toThrow(/analyse\/target: node 'n3'/);
    expect(tf.memory().numTensors).toBe(before);
    ctx.dispose();
    b.compiled.dispose();
  });
});
