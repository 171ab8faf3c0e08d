// PPGN (P26) against independent references: one Langevin step on a tiny linear G/C/R equals the
// update computed by hand in Float64 (∇_h log softmax(BAh)_c = (BA)ᵀ(e_c − softmax(BAh))); the
// feature-matching loss equals mean_b Σ_j (a − b)² in Float64; the noise node is the identity at
// inference, has the requested scale while training (absolute and relative to std(x)) and passes
// the gradient unchanged.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { seededOps, tfOps } from '../compiler/tf-ops.ts';
import { createRng } from '../core/rng.ts';
import { loadRegistry } from '../node/discover-nodes.ts';
import { type PpgnFns, ppgnSample, ppgnStep } from './ppgn.ts';

const registry = await loadRegistry();
beforeAll(async () => {
  await tf.setBackend('cpu');
});

const rng = createRng(26);
const mat = (r: number, c: number) =>
  Array.from({ length: r }, () => Array.from({ length: c }, () => rng.normal() * 0.7));
const mv = (m: number[][], v: number[]) => m.map((row) => row.reduce((s, a, j) => s + a * v[j]!, 0));
const mt = (m: number[][]) => m[0]!.map((_, j) => m.map((row) => row[j]!));

// h [d=3] → G = A h [p=4] → logits = B x [k=3]; R(h) = D h.
const d = 3;
const A = mat(4, d);
const B = mat(3, 4);
const D = mat(d, d);
const fns: PpgnFns = {
  generate: (h) => tf.matMul(h, tf.tensor2d(A), false, true),
  logits: (x) => tf.matMul(x as tf.Tensor2D, tf.tensor2d(B), false, true),
  prior: (h) => tf.matMul(h, tf.tensor2d(D), false, true),
};

/** The step by hand in Float64 for one chain. */
function handStep(h: number[], c: number, e1: number, e2: number, e3: number, n: number[]): number[] {
  const z = mv(B, mv(A, h));
  const m = Math.max(...z);
  const ez = z.map((v) => Math.exp(v - m));
  const sum = ez.reduce((s, v) => s + v, 0);
  const resid = ez.map((v, k) => (k === c ? 1 : 0) - v / sum);
  const grad = mv(mt(A), mv(mt(B), resid)); // (BA)ᵀ(e_c − softmax)
  const r = mv(D, h);
  return h.map((v, i) => v + e1 * (r[i]! - v) + e2 * grad[i]! + e3 * n[i]!);
}

describe('ppgnStep (latent Langevin)', () => {
  const H = mat(5, d);
  const N = mat(5, d);
  const classes = Int32Array.from([0, 1, 2, 1, 0]);

  it('equals the hand-computed update h + ε1(R(h) − h) + ε2 ∇log p(c|G(h)) + ε3 n on a linear G/C/R', () => {
    for (const [e1, e2, e3] of [
      [0.2, 1, 0.05],
      [0, 0.7, 0],
      [0.5, 0, 0.3],
    ] as const) {
      const before = tf.memory().numTensors;
      const h = tf.tensor2d(H);
      const n = tf.tensor2d(N);
      const out = ppgnStep(fns, h, classes, { eps1: e1, eps2: e2, eps3: e3 }, n);
      const got = out.arraySync();
      tf.dispose([h, n, out]);
      expect(tf.memory().numTensors).toBe(before);
      H.forEach((row, b) => {
        const want = handStep(row, classes[b]!, e1, e2, e3, N[b]!);
        for (const [i, v] of want.entries()) expect(got[b]![i]).toBeCloseTo(v, 4);
      });
    }
  });

  it('the class gradient raises p(c | G(h)) and the sampler streams a frame every k steps', async () => {
    const before = tf.memory().numTensors;
    const h0 = tf.tensor2d(H);
    const steps: number[] = [];
    const run = await ppgnSample(
      fns,
      h0,
      classes,
      { eps1: 0, eps2: 0.5, eps3: 0, steps: 20, seed: 1, frameEvery: 5 },
      (_h, t) => {
        steps.push(t);
      },
    );
    expect(steps).toEqual([5, 10, 15, 20]);
    const p = (h: tf.Tensor2D) =>
      tf.tidy(() => {
        const z = tf.softmax(fns.logits(fns.generate(h)));
        return Array.from(classes, (c, i) => z.arraySync()[i]![c]!);
      });
    const p0 = p(h0);
    const p1 = p(run.h);
    for (const [i, v] of p1.entries()) expect(v).toBeGreaterThan(p0[i]!);
    tf.dispose([h0, run.h]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('losses.featureMatching', () => {
  it('equals mean_b Σ_j (E(x̂) − E(x))² in Float64 and is 0 for equal features', () => {
    const def = registry.get('losses.featureMatching')!;
    const a = mat(4, 6);
    const b = mat(4, 6);
    const want = a.reduce((s, row, i) => s + row.reduce((t, v, j) => t + (v - b[i]![j]!) ** 2, 0), 0) / 4;
    const loss = (x: number[][], y: number[][]) =>
      tf.tidy(
        () =>
          (
            def.loss!.call!(
              tfOps,
              { pred: tf.tensor2d(x), target: tf.tensor2d(y) },
              {} as never,
              {} as never,
            ) as tf.Tensor
          ).dataSync()[0]!,
      );
    expect(loss(a, b)).toBeCloseTo(want, 4);
    expect(loss(a, a)).toBe(0);
  });
});

describe('primitives.noise', () => {
  const def = registry.get('primitives.noise')!;
  const x = Array.from({ length: 4000 }, () => rng.normal() * 3 + 1);
  const call = (xt: tf.Tensor, params: Record<string, unknown>, training: boolean, seed = 5) => {
    let s = seed;
    return def.kernel!.call(
      seededOps(() => s++),
      [xt],
      {},
      params as never,
      { training } as never,
    ) as tf.Tensor;
  };
  const std = (v: ArrayLike<number>) => {
    const m = Array.from(v).reduce((s, a) => s + a, 0) / v.length;
    return Math.sqrt(Array.from(v).reduce((s, a) => s + (a - m) ** 2, 0) / v.length);
  };

  it('is the identity at inference and adds σ-scaled noise while training (absolute and relative)', () => {
    const xt = tf.tensor2d(x, [1000, 4]);
    expect(Array.from(call(xt, { stddev: 0.3, scale: 'relative' }, false).dataSync())).toEqual(
      Array.from(xt.dataSync()),
    );
    const diff = (params: Record<string, unknown>) =>
      tf.tidy(() => call(xt, params, true).sub(xt).dataSync() as Float32Array);
    expect(std(diff({ stddev: 0.5, scale: 'absolute' }))).toBeCloseTo(0.5, 1);
    const sx = std(x);
    expect(std(diff({ stddev: 0.3, scale: 'relative' })) / (0.3 * sx)).toBeCloseTo(1, 1);
    // Seeded: the same seed gives the same draw, another seed another one.
    const a = tf.tidy(() => call(xt, { stddev: 0.5, scale: 'absolute' }, true, 9).dataSync()[0]);
    const b = tf.tidy(() => call(xt, { stddev: 0.5, scale: 'absolute' }, true, 9).dataSync()[0]);
    const c = tf.tidy(() => call(xt, { stddev: 0.5, scale: 'absolute' }, true, 10).dataSync()[0]);
    expect(a).toBe(b);
    expect(a).not.toBe(c);
    xt.dispose();
  });

  it('passes the gradient unchanged (no gradient through the relative std)', () => {
    const xt = tf.tensor2d(x.slice(0, 40), [10, 4]);
    const w = tf.tensor2d(mat(10, 4));
    const g = tf.tidy(
      () =>
        tf
          .grad((v: tf.Tensor) => call(v, { stddev: 0.3, scale: 'relative' }, true).mul(w).sum())(xt)
          .dataSync() as Float32Array,
    );
    for (const [i, v] of Array.from(w.dataSync()).entries()) expect(g[i]).toBeCloseTo(v, 5);
    tf.dispose([xt, w]);
  });
});

describe('ppgnSampler on the ppgn-digit-sampler graph (untrained)', () => {
  it('G(h) from an override of h equals the graph run from the image; frames stream; no leak', async () => {
    const { readFileSync } = await import('node:fs');
    const { build } = await import('../trainer/experiments/_kan-shared.ts');
    const { graphFns, ppgnSamplerTool } = await import('./ppgn.ts');
    const b = build(readFileSync('templates/ppgn-digit-sampler.graph.json', 'utf8'), registry, 3);
    const x = tf.randomUniform([6, 8, 8, 1], 0, 1, 'float32', 4) as tf.Tensor4D;
    // The image loss reads the input, so the input is the first model output: analysis takes the io.output.
    const { modelOutputKeys, scoresKey } = await import('../core/ir.ts');
    expect(modelOutputKeys(b.compiled.ir)[0]).toBe('input');
    expect(scoresKey(b.compiled.ir)).toBe('output');
    const ctx = { compiled: b.compiled, feeds: { input: x }, imageInput: 'input', scores: 'output' };
    const before = tf.memory().numTensors;
    const fns = graphFns(ctx, 'h', 'g_out', 'r_out');
    const [direct, viaCode, logitsDirect, logitsViaFn] = tf.tidy(() => {
      const v = b.compiled.run({ input: x }, { training: false });
      const h = v.get('h') as tf.Tensor2D;
      const g = fns.generate(h);
      return [
        v.get('g_out')!.dataSync().slice(),
        g.dataSync().slice(),
        b.compiled.run({ input: g }, { training: false }).get('logits')!.dataSync().slice(),
        fns.logits(g).dataSync().slice(),
      ];
    });
    for (const [i, v] of Array.from(direct).entries()) expect(viaCode[i]).toBeCloseTo(v, 5);
    for (const [i, v] of Array.from(logitsDirect).entries()) expect(logitsViaFn[i]).toBeCloseTo(v, 5);
    const frames: string[] = [];
    const res = await ppgnSamplerTool.run(
      {
        ...ctx,
        onFrame: (v) => {
          frames.push(v.kind === 'images' ? `${v.title}:${v.images.length}` : v.kind);
        },
      },
      'h',
      {
        generator: 'g_out',
        prior: 'r_out',
        classId: 3,
        chains: 2,
        steps: 4,
        eps1: 0.2,
        eps2: 1,
        eps3: 0.02,
        frameEvery: 2,
        seed: 1,
      },
    );
    expect(frames).toEqual(['PPGN samples, step 2/4:2', 'PPGN samples, step 4/4:2']);
    const view = res.views[0]!;
    expect(view.kind === 'images' && view.images.map((a) => a.length)).toEqual([64, 64]);
    expect(view.kind === 'images' && view.labels).toEqual(['class 3', 'class 3']);
    expect(res.figures.frames).toBe(2);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    b.compiled.dispose();
  });
});
