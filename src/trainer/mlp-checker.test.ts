// The PPGN experiment's checker C′ (src/trainer/experiments/_mlp-checker.ts) against independent
// references: its predictions equal a Float64 forward pass relu(xW1 + b1)W2 + b2 from its own
// weights; its first full-batch Adam step equals −lr·g/(|g| + ε) with g the cross-entropy gradient
// derived by hand in Float64 (Adam's bias-corrected first step); it learns held-out Gaussian blobs;
// it is reproducible from its seed and leaks no tensors.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../core/rng.ts';
import { type MlpWeights, trainMlpChecker } from './experiments/_mlp-checker.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const D = 6;
const K = 3;
const H = 5;

/** n rows of K Gaussian blobs in D dimensions (means ±2 on a few axes), labels cycling 0..K−1. */
function blobs(n: number, seed: number): { x: Float32Array; y: Int32Array } {
  const rng = createRng(seed);
  const means = [
    [2, 0, 0, -2, 0, 0],
    [-2, 2, 0, 0, 0, 0],
    [0, -2, 2, 0, 2, 0],
  ];
  const x = new Float32Array(n * D);
  const y = Int32Array.from({ length: n }, (_, i) => i % K);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < D; j++) x[i * D + j] = means[y[i]!]![j]! + rng.normal() * 0.7;
  return { x, y };
}

/** Float64 logits of one row. */
function logits64(w: MlpWeights, row: ArrayLike<number>, h: number, k: number): { a: number[]; z: number[] } {
  const a = Array.from({ length: h }, (_, u) => {
    let s = w.b1[u]!;
    for (let j = 0; j < row.length; j++) s += row[j]! * w.w1[j * h + u]!;
    return Math.max(0, s);
  });
  const z = Array.from({ length: k }, (_, c) => {
    let s = w.b2[c]!;
    for (let u = 0; u < h; u++) s += a[u]! * w.w2[u * k + c]!;
    return s;
  });
  return { a, z };
}

const opts = { hidden: H, classes: K, epochs: 1, batchSize: 1000, learningRate: 0.01, seed: 7 };

describe('mlpChecker (PPGN checker C′)', () => {
  it('predicts the argmax of a Float64 forward pass through its own weights', () => {
    const { x, y } = blobs(60, 1);
    const before = tf.memory().numTensors;
    const m = trainMlpChecker(x, y, { ...opts, epochs: 3, batchSize: 16 });
    const w = m.weights();
    const { x: xt } = blobs(30, 2);
    const pred = m.predict(xt);
    for (let i = 0; i < 30; i++) {
      const { z } = logits64(w, xt.subarray(i * D, (i + 1) * D), H, K);
      const sorted = [...z].sort((p, q) => q - p);
      if (sorted[0]! - sorted[1]! > 1e-4) expect(pred[i]).toBe(z.indexOf(sorted[0]!));
    }
    m.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('takes a first full-batch Adam step −lr·g/(|g| + ε) on the hand-derived cross-entropy gradient', () => {
    const n = 24;
    const { x, y } = blobs(n, 3);
    const m0 = trainMlpChecker(x, y, opts, 0);
    const w = m0.weights();
    m0.dispose();
    const m1 = trainMlpChecker(x, y, opts, 1);
    const w1 = m1.weights();
    m1.dispose();
    // g of L = mean_i −log softmax(z_i)[y_i] in Float64: dz = (softmax(z) − e_y)/n, backprop through relu.
    const gW1 = new Float64Array(D * H);
    const gB1 = new Float64Array(H);
    const gW2 = new Float64Array(H * K);
    const gB2 = new Float64Array(K);
    for (let i = 0; i < n; i++) {
      const row = x.subarray(i * D, (i + 1) * D);
      const { a, z } = logits64(w, row, H, K);
      const mx = Math.max(...z);
      const ez = z.map((v) => Math.exp(v - mx));
      const sum = ez.reduce((s, v) => s + v, 0);
      const dz = ez.map((v, c) => (v / sum - (c === y[i] ? 1 : 0)) / n);
      for (let c = 0; c < K; c++) {
        gB2[c]! += dz[c]!;
        for (let u = 0; u < H; u++) gW2[u * K + c]! += a[u]! * dz[c]!;
      }
      for (let u = 0; u < H; u++) {
        if (a[u]! <= 0) continue;
        let da = 0;
        for (let c = 0; c < K; c++) da += w.w2[u * K + c]! * dz[c]!;
        gB1[u]! += da;
        for (let j = 0; j < D; j++) gW1[j * H + u]! += row[j]! * da;
      }
    }
    const lr = opts.learningRate;
    let checked = 0;
    const cmp = (after: Float32Array, start: Float32Array, g: Float64Array) => {
      for (let i = 0; i < g.length; i++) {
        const step = after[i]! - start[i]!;
        if (Math.abs(g[i]!) > 1e-4) {
          expect(step).toBeCloseTo((-lr * g[i]!) / (Math.abs(g[i]!) + 1e-7), 5);
          checked++;
        } else expect(Math.abs(step)).toBeLessThanOrEqual(lr * 1.0001);
      }
    };
    cmp(w1.w1, w.w1, gW1);
    cmp(w1.b1, w.b1, gB1);
    cmp(w1.w2, w.w2, gW2);
    cmp(w1.b2, w.b2, gB2);
    expect(checked).toBeGreaterThan(20);
  });

  it('learns held-out blobs, is reproducible from its seed and differs across seeds', () => {
    const { x, y } = blobs(300, 4);
    const { x: xt, y: yt } = blobs(150, 5);
    const o = { hidden: 16, classes: K, epochs: 20, batchSize: 32, learningRate: 0.01, seed: 11 };
    const a = trainMlpChecker(x, y, o);
    const b = trainMlpChecker(x, y, o);
    const c = trainMlpChecker(x, y, { ...o, seed: 12 });
    const acc = a.predict(xt).reduce((s, p, i) => s + (p === yt[i] ? 1 : 0), 0) / yt.length;
    expect(acc).toBeGreaterThan(0.95);
    expect(Array.from(b.weights().w1)).toEqual(Array.from(a.weights().w1));
    expect(Array.from(c.weights().w1)).not.toEqual(Array.from(a.weights().w1));
    for (const m of [a, b, c]) m.dispose();
  });

  it('refuses rows that do not split and labels out of range, naming the fix', () => {
    expect(() => trainMlpChecker(new Float32Array(7), [0, 1], opts)).toThrow(/do not split into 2 rows/);
    expect(() => trainMlpChecker(new Float32Array(4), [0, 3], opts)).toThrow(/label 3 at row 1/);
  });
});
