// CF-CAM: the per-image algorithm against a Float64 reference written from the spec with the npm
// `density-clustering` DBSCAN as the clustering oracle (both filters), its reduction to a
// softmax-weighted Grad-CAM when every channel is "important", the gradients it reads against
// Grad-CAM's (finite-difference-tested) channel weights, and the tool: non-negative maps scaled to
// max 1, seeded gradient noise, no tensor leaks.
import * as tf from '@tensorflow/tfjs';
import { DBSCAN } from 'density-clustering';
import { beforeAll, describe, expect, it } from 'vitest';
import { locate } from '../core/datasets/locate.ts';
import { resolveParams } from '../core/params.ts';
import { createRng } from '../core/rng.ts';
import { pearson } from '../core/stats.ts';
import { loadRegistry } from '../node/discover-nodes.ts';
import { build, sequential } from '../trainer/experiments/_kan-shared.ts';
import { gradCam } from './cam.ts';
import { camGradients, cfCamImage } from './cf-cam.ts';
import { analysisContext } from './context.ts';
import { cfCamTool, perturbGradients } from './tools.ts';

const registry = await loadRegistry();
beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** numpy.percentile (linear), written independently of the code under test. */
function npPercentile(v: number[], q: number): number {
  const s = [...v].sort((a, b) => a - b);
  const pos = (q / 100) * (s.length - 1);
  const f = Math.floor(pos);
  return f + 1 < s.length ? s[f]! * (1 - (pos - f)) + s[f + 1]! * (pos - f) : s[f]!;
}

/** Reference CF-CAM in Float64 following the spec / official code; DBSCAN from the oracle. */
function reference(A: number[][], G: number[][], h: number, w: number, filter: 'gaussian' | 'bilateral') {
  const C = A.length;
  const hw = h * w;
  const norm = A.map((f) => Math.sqrt(f.reduce((s, x) => s + x * x, 0)));
  const thr = npPercentile(norm, 75);
  const imp = norm.map((n) => n >= thr);
  const R = [...Array(C).keys()].filter((c) => !imp[c]);
  const dist = (p: number[], q: number[]) => Math.sqrt(p.reduce((s, x, k) => s + (x - q[k]!) ** 2, 0));
  const off: number[] = [];
  for (const i of R) for (const j of R) if (i !== j) off.push(dist(A[i]!, A[j]!));
  const eps = Math.max(npPercentile(off, 25), 1e-5);
  const minPts = Math.max(2, Math.floor(R.length * 0.05));
  // the oracle's neighbourhood is strict (<); sklearn's (and the spec's) is ≤
  const clusters = new DBSCAN().run(
    R.map((c) => A[c]!),
    eps * (1 + 1e-12),
    minPts,
  );
  const wRaw = new Map<number, number>();
  for (let c = 0; c < C; c++) if (imp[c]) wRaw.set(c, G[c]!.reduce((s, x) => s + x, 0) / hw);
  for (const members of clusters) {
    const chans = members.map((i) => R[i]!);
    const gm = Array.from({ length: hw }, (_, k) => chans.reduce((s, c) => s + G[c]![k]!, 0) / chans.length);
    let out: number[];
    if (filter === 'gaussian') {
      const ker = (dy: number, dx: number) => Math.exp(-(dy * dy + dx * dx) / 2);
      let z = 0;
      for (let dy = -2; dy <= 2; dy++) for (let dx = -2; dx <= 2; dx++) z += ker(dy, dx);
      out = gm.map((_, k) => {
        const [i, j] = [Math.floor(k / w), k % w];
        let s = 0;
        for (let dy = -2; dy <= 2; dy++)
          for (let dx = -2; dx <= 2; dx++) {
            const [r, c] = [i + dy, j + dx];
            if (r >= 0 && r < h && c >= 0 && c < w) s += (ker(dy, dx) / z) * gm[r * w + c]!;
          }
        return s;
      });
    } else {
      const mu = gm.reduce((s, x) => s + x, 0) / hw;
      const K = gm.map((g, k) => {
        const [x, y] = [Math.floor(k / w) - h / 2, (k % w) - w / 2];
        return Math.exp(-(x * x + y * y) / 50) * Math.exp(-((g - mu) ** 2) / 0.02);
      });
      const z = K.reduce((s, x) => s + x, 0) + 1e-6;
      // torch conv2d padding='same' with an h × w kernel: top/left pad ⌊(h−1)/2⌋, ⌊(w−1)/2⌋
      const [pt, pl] = [Math.floor((h - 1) / 2), Math.floor((w - 1) / 2)];
      out = gm.map((_, k) => {
        const [i, j] = [Math.floor(k / w), k % w];
        let s = 0;
        for (let u = 0; u < h; u++)
          for (let v = 0; v < w; v++) {
            const [r, c] = [i + u - pt, j + v - pl];
            if (r >= 0 && r < h && c >= 0 && c < w) s += (K[u * w + v]! / z) * gm[r * w + c]!;
          }
        return s;
      });
    }
    const m = out.reduce((s, x) => s + x, 0) / hw;
    for (const c of chans) wRaw.set(c, m);
  }
  const valid = [...wRaw.keys()];
  const ex = valid.map((c) => Math.exp(wRaw.get(c)!));
  const z = ex.reduce((s, x) => s + x, 0);
  const weights = new Array(C).fill(0);
  valid.forEach((c, i) => {
    weights[c] = ex[i]! / z;
  });
  const cam = Array.from({ length: hw }, (_, k) =>
    Math.max(
      0,
      valid.reduce((s, c) => s + weights[c]! * A[c]![k]!, 0),
    ),
  );
  return { cam, weights, clusters: clusters.length, eps };
}

/** Channels as noisy copies of 3 prototypes, a few loud channels and a few outliers; gradients random. */
function synthetic(seed: number, C: number, h: number, w: number) {
  const rng = createRng(seed);
  const hw = h * w;
  const protos = Array.from({ length: 3 }, () => Array.from({ length: hw }, () => rng.next()));
  const A = Array.from({ length: C }, (_, c) =>
    c % 8 === 0
      ? Array.from({ length: hw }, () => 3 * rng.next()) // loud: important
      : c % 8 === 7
        ? Array.from({ length: hw }, () => rng.next() * (c % 3)) // scattered: mostly noise
        : protos[c % 3]!.map((x) => Math.max(0, x + 0.05 * rng.normal())),
  );
  const G = Array.from({ length: C }, () => Array.from({ length: hw }, () => 0.3 * rng.normal() + 0.05));
  return { A, G, flatA: Float64Array.from(A.flat()), flatG: Float64Array.from(G.flat()) };
}

describe('cfCamImage', () => {
  for (const filter of ['gaussian', 'bilateral'] as const)
    for (const [seed, C, h, w] of [
      [1, 32, 7, 7],
      [2, 48, 6, 9],
      [3, 20, 5, 5],
    ] as const)
      it(`matches the Float64 reference with the DBSCAN oracle (${filter}, C ${C}, ${h}×${w})`, () => {
        const s = synthetic(seed, C, h, w);
        const ours = cfCamImage(s.flatA, s.flatG, h, w, C, filter);
        const ref = reference(s.A, s.G, h, w, filter);
        expect(ours.clusters).toBe(ref.clusters);
        expect(ours.clusters).toBeGreaterThan(0);
        expect(ours.eps).toBeCloseTo(ref.eps, 10);
        for (let c = 0; c < C; c++) expect(ours.weights[c]).toBeCloseTo(ref.weights[c]!, 12);
        for (let k = 0; k < h * w; k++) expect(ours.cam[k]).toBeCloseTo(ref.cam[k]!, 10);
        // discarded (noise) channels get weight 0, the rest sum to 1
        expect(ours.weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
        ours.labels.forEach((l, c) => {
          if (l === -1) expect(ours.weights[c]).toBe(0);
        });
        expect(ours.cam.every((v) => v >= 0)).toBe(true);
      });

  it('with every channel important (equal norms) it is ReLU(Σ softmax(mean G_c) A_c)', () => {
    const [h, w, C] = [4, 5, 6];
    const hw = h * w;
    const rng = createRng(9);
    const base = Array.from({ length: hw }, () => rng.int(7) - 3); // small integers: norms exactly equal
    // each channel a cyclic shift of the same values: equal norms → all ≥ the 75th percentile
    const A = Array.from({ length: C }, (_, c) => base.map((_, k) => base[(k + 3 * c) % hw]!));
    const G = Array.from({ length: C }, () => Array.from({ length: hw }, () => rng.normal()));
    const r = cfCamImage(Float64Array.from(A.flat()), Float64Array.from(G.flat()), h, w, C);
    expect(Array.from(r.labels)).toEqual(new Array(C).fill(-2));
    const alpha = G.map((g) => g.reduce((s, x) => s + x, 0) / hw);
    const z = alpha.reduce((s, a) => s + Math.exp(a), 0);
    for (let k = 0; k < hw; k++) {
      const v = A.reduce((s, a, c) => s + (Math.exp(alpha[c]!) / z) * a[k]!, 0);
      expect(r.cam[k]).toBeCloseTo(Math.max(0, v), 12);
    }
  });
});

const SIZE = 16;
const doc = () =>
  sequential(
    [SIZE, SIZE, 1],
    [
      ['layers.conv2d', { filters: 4, kernelSize: [3, 3], padding: 'same', activation: 'relu' }],
      ['layers.conv2d', { filters: 12, kernelSize: [3, 3], padding: 'same', activation: 'relu' }],
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

describe('cfCam tool', () => {
  it('reads the same gradients Grad-CAM averages, maps in [0, 1] with max 1, seeded noise, no leaks', async () => {
    const b = build(doc(), registry, 5);
    const data = await locate.load(
      resolveParams(locate.params, { samples: 24, size: SIZE }).values as never,
      createRng(1),
      {} as never,
    );
    const ctx = analysisContext(b.compiled, data, { samples: 4 });
    const before = tf.memory().numTensors;
    // G's spatial mean is Grad-CAM's α (α is tested against finite differences in cam.test.ts)
    const ag = camGradients(b.compiled, ctx.feeds, 'n1', ctx.scores, ctx.classes);
    const g = gradCam(b.compiled, ctx.feeds, 'n1', ctx.scores, ctx.classes);
    const alpha = g.alpha.arraySync();
    g.cams.dispose();
    g.alpha.dispose();
    const hw = ag.h * ag.w;
    for (let i = 0; i < 4; i++)
      for (let c = 0; c < ag.channels; c++) {
        let m = 0;
        for (let k = 0; k < hw; k++) m += ag.g[i]![c * hw + k]! / hw;
        expect(m).toBeCloseTo(alpha[i]![c]!, 5);
      }
    expect(tf.memory().numTensors).toBe(before);
    const run = async (raw: Record<string, unknown>) => {
      const r = await cfCamTool.run(
        ctx,
        'n1',
        resolveParams(cfCamTool.params, { deletionSteps: 3, ...raw }).values as never,
      );
      const v = r.views.find((x) => x.kind === 'heatmaps');
      return { r, heats: v?.kind === 'heatmaps' ? v.items.map((it) => it.heat) : [] };
    };
    const clean = await run({});
    expect(clean.heats.length).toBe(4);
    for (const m of clean.heats) {
      expect(m.every((x) => x >= 0 && x <= 1)).toBe(true);
      const top = Math.max(...m);
      expect(top === 1 || top === 0).toBe(true);
    }
    expect(clean.r.figures['pointing game']).toBeGreaterThanOrEqual(0);
    expect(clean.r.figures['deletion AUC']).toBeGreaterThanOrEqual(0);
    const noisy = await run({ noiseLevel: 2, noiseSeed: 3 });
    const again = await run({ noiseLevel: 2, noiseSeed: 3 });
    expect(noisy.heats.map((m) => Array.from(m))).toEqual(again.heats.map((m) => Array.from(m)));
    const gauss = await run({ filter: 'gaussian' });
    expect(gauss.heats.length).toBe(4);
    expect(tf.memory().numTensors).toBe(before);
    await expect(
      cfCamTool.run(ctx, 'n3', resolveParams(cfCamTool.params, {}).values as never),
    ).rejects.toThrow(/analyse\/target: node 'n3'/);
    expect(tf.memory().numTensors).toBe(before);
    ctx.dispose();
    b.compiled.dispose();
  });

  it('perturbGradients adds noise of σ = level·std(G), seeded; pearson is 1 on itself, 0 on a constant', () => {
    const rng = createRng(4);
    const g = [Float32Array.from({ length: 4000 }, () => 2 * rng.normal())];
    const copy = [Float32Array.from(g[0]!)];
    perturbGradients(copy, 0.5, 11);
    const diff = copy[0]!.map((x, k) => x - g[0]![k]!);
    const sd = Math.sqrt(diff.reduce((s, x) => s + x * x, 0) / diff.length);
    expect(sd).toBeGreaterThan(0.9);
    expect(sd).toBeLessThan(1.1);
    const copy2 = [Float32Array.from(g[0]!)];
    perturbGradients(copy2, 0.5, 11);
    expect(Array.from(copy2[0]!)).toEqual(Array.from(copy[0]!));
    expect(pearson(g[0]!, g[0]!)).toBeCloseTo(1, 12);
    expect(pearson(g[0]!, new Float32Array(4000).fill(1))).toBe(0);
  });
});
