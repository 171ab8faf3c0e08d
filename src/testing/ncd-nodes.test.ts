// Cr-KD / UNO nodes (P21) against independent Float64 references: the prototype head's cosine
// logits, Sinkhorn–Knopp transcribed literally from the paper's [K, B] loop (rows and columns sums
// checked), the swapped-prediction cross-entropy and the class-relation KD (gate η, T²).
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { tfOps } from '../compiler/tf-ops.ts';
import { createRng } from '../core/rng.ts';
import { loadRegistry } from '../node/discover-nodes.ts';

const registry = await loadRegistry();
beforeAll(async () => {
  await tf.setBackend('cpu');
});

const rng = createRng(21);
const rows = (n: number, d: number, s = 1) =>
  Array.from({ length: n }, () => Array.from({ length: d }, () => s * rng.normal()));
const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
const softmax = (v: number[]) => {
  const m = Math.max(...v);
  const e = v.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
};
const logSoftmax = (v: number[]) => softmax(v).map(Math.log);
const closeRows = (got: number[][], want: number[][], digits = 5) => {
  for (const [i, r] of want.entries())
    for (const [j, v] of r.entries()) expect(got[i]![j]!).toBeCloseTo(v, digits);
};

describe('layers.prototypeHead', () => {
  const def = registry.get('layers.prototypeHead')!;
  const run = (x: number[][], w: number[][], temperature: number) =>
    tf.tidy(
      () =>
        (
          def.kernel!.call(
            tfOps,
            [tf.tensor2d(x)],
            { prototypes: tf.tensor2d(w) },
            {
              units: w[0]!.length,
              temperature,
            } as never,
            { training: true },
          ) as tf.Tensor
        ).arraySync() as number[][],
    );
  it('gives cos(z_b, w_k)/τ (Float64), invariant to the scale of each prototype column', () => {
    const before = tf.memory().numTensors;
    const x = rows(5, 4);
    const w = rows(4, 3);
    const want = x.map((z) =>
      [0, 1, 2].map((k) => {
        const col = w.map((r) => r[k]!);
        return z.reduce((s, v, i) => s + v * col[i]!, 0) / (norm(z) * norm(col)) / 0.5;
      }),
    );
    closeRows(run(x, w, 0.5), want);
    const scaled = w.map((r) => r.map((v, k) => v * [3, 0.1, 7][k]!));
    closeRows(run(x, scaled, 0.5), want);
    expect(Math.max(...run(x, w, 1).flat().map(Math.abs))).toBeLessThanOrEqual(1 + 1e-6);
    expect(tf.memory().numTensors).toBe(before);
  });
});

/** The paper's loop, literally: Q = exp(L/ε)ᵀ [K, B]; Q /= ΣQ; n × {rows /=, /K, cols /=, /B}; (B·Q)ᵀ. */
function sinkhornRef(logits: number[][], iters: number, eps: number): number[][] {
  const B = logits.length;
  const K = logits[0]!.length;
  const Q = Array.from({ length: K }, (_, k) => logits.map((r) => Math.exp(r[k]! / eps)));
  const total = Q.flat().reduce((a, b) => a + b, 0);
  for (const r of Q) for (let b = 0; b < B; b++) r[b]! /= total;
  for (let it = 0; it < iters; it++) {
    for (const r of Q) {
      const s = r.reduce((a, v) => a + v, 0);
      for (let b = 0; b < B; b++) r[b] = r[b]! / s / K;
    }
    for (let b = 0; b < B; b++) {
      const s = Q.reduce((a, r) => a + r[b]!, 0);
      for (const r of Q) r[b] = r[b]! / s / B;
    }
  }
  return logits.map((_, b) => Q.map((r) => r[b]! * B));
}

describe('primitives.sinkhornKnopp', () => {
  const def = registry.get('primitives.sinkhornKnopp')!;
  const run = (
    logits: number[][],
    iterations: number,
    epsilon: number,
    mask?: number[],
    invertMask = false,
  ) =>
    tf.tidy(() => {
      const ins = [tf.tensor2d(logits), ...(mask ? [tf.tensor2d(mask, [mask.length, 1])] : [])];
      return (
        def.kernel!.call(tfOps, ins, {}, { iterations, epsilon, invertMask } as never, {
          training: true,
        }) as tf.Tensor
      ).arraySync() as number[][];
    });

  it('matches the paper’s loop in Float64 (3 iterations, ε 0.05 on cosine-scale logits)', () => {
    const before = tf.memory().numTensors;
    const logits = rows(8, 4, 0.3);
    closeRows(run(logits, 3, 0.05), sinkhornRef(logits, 3, 0.05), 4);
    closeRows(run(logits, 5, 0.5), sinkhornRef(logits, 5, 0.5), 5);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rows sum to 1 and, converged, every cluster gets B/K of the mass even for skewed scores', () => {
    // Every sample prefers cluster 0: the balanced assignment still spreads the batch evenly.
    const logits = rows(12, 3, 0.2).map((r) => [r[0]! + 1, r[1]!, r[2]!]);
    const q = run(logits, 50, 0.5);
    for (const r of q) expect(r.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    for (let k = 0; k < 3; k++) expect(q.reduce((a, r) => a + r[k]!, 0)).toBeCloseTo(12 / 3, 3);
    // Softmax alone would give cluster 0 most of the mass.
    const soft = logits.map((r) => softmax(r.map((v) => v / 0.5)));
    expect(soft.reduce((a, r) => a + r[0]!, 0)).toBeGreaterThan(6);
  });

  it('a mask leaves rows out: they are 0, the rest equal the reference on the masked-in rows alone', () => {
    const logits = rows(7, 3, 0.3);
    const mask = [1, 0, 1, 1, 0, 1, 1];
    const got = run(logits, 3, 0.1, mask);
    const kept = logits.filter((_, i) => mask[i] === 1);
    const want = sinkhornRef(kept, 3, 0.1);
    let j = 0;
    got.forEach((r, i) => {
      if (mask[i] === 0) expect(r.every((v) => v === 0)).toBe(true);
      else closeRows([r], [want[j++]!], 5);
    });
    // invertMask: the known = 0 rows take part (the template feeds the `known` field).
    expect(
      run(
        logits,
        3,
        0.1,
        mask.map((m) => 1 - m),
        true,
      ),
    ).toEqual(got);
  });

  it('passes no gradient to the logits', () => {
    const g = tf.grad((x: tf.Tensor) =>
      tf.sum(
        tf.mul(
          def.kernel!.call(tfOps, [x], {}, { iterations: 3, epsilon: 0.1 } as never, {
            training: true,
          }) as tf.Tensor,
          tf.randomNormal([4, 3], 0, 1, 'float32', 3),
        ),
      ),
    )(tf.tensor2d(rows(4, 3)));
    expect(Array.from(g.dataSync()).every((v) => v === 0)).toBe(true);
    g.dispose();
  });
});

describe('losses.swappedPredictionCe', () => {
  const def = registry.get('losses.swappedPredictionCe')!;
  it('equals ½ Σ_{v≠v′} mean_b CE(softmax(logits_v′/τ), t_v) with one-hot known / Sinkhorn novel targets (Float64)', () => {
    const before = tf.memory().numTensors;
    const B = 6;
    const kl = 3;
    const ku = 2;
    const l1 = rows(B, kl + ku);
    const l2 = rows(B, kl + ku);
    const a1 = rows(B, ku).map((r) => softmax(r));
    const a2 = rows(B, ku).map((r) => softmax(r));
    const labels = [0, 2, 7, 1, 9, 5]; // novel rows carry novel labels, never read
    const known = [1, 1, 0, 1, 0, 0];
    const tau = 0.1;
    const target = (a: number[][], b: number) =>
      known[b] ? [0, 1, 2, 3, 4].map((c) => (c === labels[b] ? 1 : 0)) : [0, 0, 0, ...a[b]!];
    const ce = (t: number[][], l: number[][]) =>
      l.reduce((s, r, b) => {
        const lp = logSoftmax(r.map((v) => v / tau));
        return s - t[b]!.reduce((a, tv, c) => a + tv * lp[c]!, 0);
      }, 0) / B;
    const t1 = l1.map((_, b) => target(a1, b));
    const t2 = l1.map((_, b) => target(a2, b));
    expect(t1[2]).toEqual([0, 0, 0, a1[2]![0], a1[2]![1]]);
    const want = 0.5 * (ce(t1, l2) + ce(t2, l1));
    const got = tf.tidy(
      () =>
        (
          def.loss!.call!(
            tfOps,
            {
              logits1: tf.tensor2d(l1),
              logits2: tf.tensor2d(l2),
              assign1: tf.tensor2d(a1),
              assign2: tf.tensor2d(a2),
              labels: tf.tensor2d(labels, [B, 1], 'int32'),
              known: tf.tensor2d(known, [B, 1]),
            },
            { temperature: tau } as never,
            {} as never,
          ) as tf.Tensor
        ).dataSync()[0]!,
    );
    expect(got).toBeCloseTo(want, 3);
    expect(Math.abs(got - want) / want).toBeLessThan(1e-5);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('losses.classRelationKd', () => {
  const def = registry.get('losses.classRelationKd')!;
  const B = 6;
  const known = [1, 0, 0, 1, 0, 0];
  const call = (s: tf.Tensor, a: tf.Tensor, t: tf.Tensor, T: number, tau: number) =>
    def.loss!.call!(
      tfOps,
      { student: s, all: a, teacher: t, known: tf.tensor2d(known, [B, 1]) },
      { T, temperature: tau } as never,
      {} as never,
    ) as tf.Scalar;
  const value = (s: number[][], a: number[][], t: number[][], T = 4, tau = 0.5) =>
    tf.tidy(() => call(tf.tensor2d(s), tf.tensor2d(a), tf.tensor2d(t), T, tau).dataSync()[0]!);

  it('equals Σ_u w·T²·KL(p_t ‖ p_s) / n_u with w = η / mean_u η (Float64 reference)', () => {
    const before = tf.memory().numTensors;
    const s = rows(B, 3);
    const a = rows(B, 5);
    const t = rows(B, 3);
    const T = 4;
    const tau = 0.5;
    const u = known.map((k) => 1 - k);
    const eta = a.map((r) =>
      softmax(r.map((v) => v / tau / T))
        .slice(0, 3)
        .reduce((x, y) => x + y, 0),
    );
    const etaMean = eta.reduce((x, e, b) => x + e * u[b]!, 0) / 4;
    const kl = s.map((r, b) => {
      const pt = softmax(t[b]!.map((v) => v / tau / T));
      const lps = logSoftmax(r.map((v) => v / tau / T));
      return pt.reduce((x, p, c) => x + p * (Math.log(p) - lps[c]!), 0);
    });
    const want = (T * T * kl.reduce((x, k, b) => x + u[b]! * (eta[b]! / etaMean) * k, 0)) / 4;
    const got = value(s, a, t, T, tau);
    expect(Math.abs(got - want) / want).toBeLessThan(1e-4);
    // Labelled rows take no part: changing them changes nothing.
    const s2 = s.map((r, b) => (known[b] ? r.map((v) => v + 5) : r));
    expect(value(s2, a, t, T, tau)).toBeCloseTo(got, 5);
    // A student that already matches the teacher pays nothing.
    expect(value(t, a, t, T, tau)).toBeCloseTo(0, 6);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('the gate η is learnable: the gradient reaches the full head, and not the labelled rows', () => {
    const s = tf.tensor2d(rows(B, 3));
    const t = tf.tensor2d(rows(B, 3));
    const a = tf.tensor2d(rows(B, 5));
    const g = tf.grad((x: tf.Tensor) => call(s, x, t, 4, 0.5))(a);
    const gr = g.arraySync() as number[][];
    expect(gr.some((r, b) => !known[b] && r.some((v) => Math.abs(v) > 1e-6))).toBe(true);
    expect(
      gr
        .filter((_, b) => known[b])
        .flat()
        .every((v) => v === 0),
    ).toBe(true);
    tf.dispose([s, t, a, g]);
  });
});
