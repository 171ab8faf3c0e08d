// RCAL nodes (P24) against independent references: ntXent equals a Float64 hand computation of
// SimCLR's loss on a tiny batch; gaussianRecovery's fit trims the outliers farthest from the median,
// pools tail classes with their nearest head classes, and its sampling coefficients give exactly
// Cov = Σ_s w_s Σ_s + αI (Σ_s the sample covariances computed here); the sampler's draws have that
// mean and covariance within Monte Carlo tolerance, labels i mod K, and leak no tensors.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { tfOps } from '../compiler/tf-ops.ts';
import { gaussianRecoveryFit } from '../core/fits.ts';
import { matrix } from '../core/linalg/ridge.ts';
import { createRng } from '../core/rng.ts';
import { loadRegistry } from '../node/discover-nodes.ts';

const registry = await loadRegistry();
beforeAll(async () => {
  await tf.setBackend('cpu');
});

const rng = createRng(5);
const rows = (n: number, d: number, scale = 1, shift = 0) =>
  Array.from({ length: n }, () => Array.from({ length: d }, () => shift + scale * rng.normal()));

/** SimCLR's NT-Xent in Float64, written from the paper's definition. */
function ntXentRef(a: number[][], b: number[][], tau: number): number {
  const z = [...a, ...b].map((r) => {
    const n = Math.sqrt(r.reduce((s, v) => s + v * v, 0));
    return r.map((v) => v / n);
  });
  const n = z.length;
  const B = a.length;
  const sim = (i: number, j: number) => z[i]!.reduce((s, v, k) => s + v * z[j]![k]!, 0) / tau;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const p = i < B ? i + B : i - B;
    let den = 0;
    for (let j = 0; j < n; j++) if (j !== i) den += Math.exp(sim(i, j));
    total += -Math.log(Math.exp(sim(i, p)) / den);
  }
  return total / n;
}

describe('losses.ntXent', () => {
  const def = registry.get('losses.ntXent')!;
  const loss = (a: number[][], b: number[][], temperature: number) =>
    tf.tidy(
      () =>
        (
          def.loss!.call!(
            tfOps,
            { pred: tf.tensor2d(a), target: tf.tensor2d(b) },
            { temperature } as never,
            {} as never,
          ) as tf.Tensor
        ).dataSync()[0]!,
    );

  it('equals the Float64 definition on a tiny batch (τ = 0.2 and 0.5)', () => {
    const a = rows(3, 4);
    const b = rows(3, 4);
    expect(loss(a, b, 0.2)).toBeCloseTo(ntXentRef(a, b, 0.2), 4);
    expect(loss(a, b, 0.5)).toBeCloseTo(ntXentRef(a, b, 0.5), 5);
  });

  it('is lower when the views agree than when they are shuffled; scale-invariant', () => {
    const a = rows(6, 5);
    const near = a.map((r) => r.map((v) => v + 0.05 * rng.normal()));
    const shuffled = [...near.slice(1), near[0]!];
    expect(loss(a, near, 0.2)).toBeLessThan(loss(a, shuffled, 0.2));
    expect(loss(a, near, 0.2)).toBeCloseTo(
      loss(
        a.map((r) => r.map((v) => 7 * v)),
        near,
        0.2,
      ),
      4,
    );
    const before = tf.memory().numTensors;
    loss(a, near, 0.2);
    expect(tf.memory().numTensors).toBe(before);
  });
});

/** Sample covariance with n − 1 of a row set. */
function cov(set: number[][]): number[][] {
  const n = set.length;
  const d = set[0]!.length;
  const m = Array.from({ length: d }, (_, j) => set.reduce((s, r) => s + r[j]!, 0) / n);
  return Array.from({ length: d }, (_, i) =>
    Array.from(
      { length: d },
      (_, j) => set.reduce((s, r) => s + (r[i]! - m[i]!) * (r[j]! - m[j]!), 0) / (n - 1),
    ),
  );
}

describe('gaussianRecovery fit', () => {
  it('trims the rows farthest from the coordinate-wise median', () => {
    const x = [
      [0, 0],
      [1, 0],
      [0, 1],
      [10, 10],
    ];
    const g = gaussianRecoveryFit(matrix(x.flat(), 4, 2), [0, 0, 0, 0], 1, {
      trim: 0.25,
      tailThreshold: 0,
      kNeighbors: 0,
    });
    expect(g.kept).toEqual([3]);
    expect([...g.means]).toEqual([1 / 3, 1 / 3]);
  });

  it('pools a tail class with its nearest head classes; coefficients give Σ_s w_s Σ_s exactly', () => {
    // Heads 0 (at 0) and 1 (at 5) with 8 rows, head 2 (at 40) with 8, tail 3 (at 6) with 3 rows.
    const sets = [rows(8, 2, 1, 0), rows(8, 2, 2, 5), rows(8, 2, 0.5, 40), rows(3, 2, 1, 6)];
    const x = sets.flat();
    const y = sets.flatMap((s, c) => s.map(() => c));
    const g = gaussianRecoveryFit(matrix(x.flat(), x.length, 2), y, 4, {
      trim: 0,
      tailThreshold: 0,
      kNeighbors: 2,
    });
    // Median class size 8: class 3 is the tail; its nearest heads by mean are 1 (at 5) and 0 (at 0).
    expect(g.pools).toEqual([[0], [1], [2], [3, 1, 0]]);
    const r = g.rowCount;
    const implied = (k: number) =>
      [0, 1].map((i) =>
        [0, 1].map((j) => {
          let s = 0;
          for (let q = 0; q < r; q++) s += g.coef[k * r + q]! ** 2 * g.rows[q * 2 + i]! * g.rows[q * 2 + j]!;
          return s;
        }),
      );
    const want3 = [0, 1].map((i) =>
      [0, 1].map((j) => [3, 1, 0].reduce((s, c) => s + cov(sets[c]!)[i]![j]! / 3, 0)),
    );
    const got3 = implied(3);
    const got0 = implied(0);
    const want0 = cov(sets[0]!);
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 2; j++) {
        expect(got3[i]![j]).toBeCloseTo(want3[i]![j]!, 10);
        expect(got0[i]![j]).toBeCloseTo(want0[i]![j]!, 10);
      }
  });
});

describe('fit.gaussianRecovery sampler', () => {
  it('draws class i mod K with mean μ_k and covariance Σ_s w_s Σ_s + αI (Monte Carlo); no leaks', () => {
    const def = registry.get('fit.gaussianRecovery')!;
    const sets = [rows(40, 2, 1, 0), rows(40, 2, 2, 5), rows(12, 2, 1, 6)];
    const x = sets.flat();
    const y = sets.flatMap((s, c) => s.map(() => c));
    const params = { classes: 3, capacity: 100, trim: 0, tailThreshold: 0, kNeighbors: 1, alpha: 0.1 };
    const solved = def.fit!.solve(
      { x: matrix(x.flat(), x.length, 2), y: Float64Array.from(y), numClasses: 3 },
      params as never,
      createRng(1),
    );
    const n = 30000;
    const before = tf.memory().numTensors;
    const [samples, labels] = tf.tidy(() => {
      const out = def.kernel!.callPorts!(
        tfOps,
        [tf.zeros([n, 2])],
        {
          means: tf.tensor2d(solved.means!, [3, 2]),
          rows: tf.tensor2d(solved.rows!, [100, 2]),
          coef: tf.tensor2d(solved.coef!, [3, 100]),
        },
        params as never,
        { training: true },
      ) as Record<string, tf.Tensor>;
      return [out.y!.arraySync() as number[][], out.labels!.arraySync() as number[]];
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(labels.slice(0, 6)).toEqual([0, 1, 2, 0, 1, 2]);
    // Class 2 (12 rows, below the median 40) borrows class 1, its nearest head (weights ½, ½).
    const mu2 = [0, 1].map((j) => sets[2]!.reduce((s, r) => s + r[j]!, 0) / 12);
    const want = [0, 1].map((i) =>
      [0, 1].map((j) => (cov(sets[2]!)[i]![j]! + cov(sets[1]!)[i]![j]!) / 2 + (i === j ? 0.1 : 0)),
    );
    const drawn = samples.filter((_, i) => labels[i] === 2);
    const m = [0, 1].map((j) => drawn.reduce((s, r) => s + r[j]!, 0) / drawn.length);
    const c = cov(drawn);
    for (let j = 0; j < 2; j++) expect(Math.abs(m[j]! - mu2[j]!)).toBeLessThan(0.06);
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 2; j++)
        expect(Math.abs(c[i]![j]! - want[i]![j]!)).toBeLessThan(0.08 * Math.max(1, want[i]![i]!));
  });
});
