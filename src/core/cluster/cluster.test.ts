// Clustering core against independent references: the npm oracles `munkres` (optimal assignment
// cost) and `ml-kmeans` (Lloyd from the same centroids; random-init inertia), closed-form
// contingency-table values for NMI/ARI, and a silhouette worked by hand.
import { kmeans as mlKmeans } from 'ml-kmeans';
import munkres from 'munkres';
import { describe, expect, it } from 'vitest';
import type { Matrix } from '../linalg/ridge.ts';
import { createRng } from '../rng.ts';
import { hungarian } from './hungarian.ts';
import { kMeans, kMeansPlusPlus } from './kmeans.ts';
import { ari, clusteringAccuracy, estimateK, nmi, silhouette, standardize } from './metrics.ts';

const rowsOf = (x: Matrix): number[][] =>
  Array.from({ length: x.rows }, (_, i) => Array.from(x.data.subarray(i * x.cols, (i + 1) * x.cols)));

/** k Gaussian blobs (sd `sd`) around centres spread `spread` apart; labels = blob. */
function blobs(k: number, perBlob: number, d: number, spread: number, sd: number, seed: number) {
  const rng = createRng(seed);
  const centres = Array.from({ length: k }, () => Array.from({ length: d }, () => rng.normal() * spread));
  const data = new Float64Array(k * perBlob * d);
  const labels = new Int32Array(k * perBlob);
  for (let c = 0; c < k; c++)
    for (let i = 0; i < perBlob; i++) {
      const r = c * perBlob + i;
      labels[r] = c;
      for (let t = 0; t < d; t++) data[r * d + t] = centres[c]![t]! + rng.normal() * sd;
    }
  return { x: { data, rows: k * perBlob, cols: d } as Matrix, labels };
}

describe('hungarian', () => {
  it('finds the same optimal cost as munkres on seeded square, rectangular and tied matrices', () => {
    const rng = createRng(11);
    let cases = 0;
    for (let n = 1; n <= 9; n++)
      for (let m = 1; m <= 9; m++)
        for (const ties of [false, true]) {
          const cost = Array.from({ length: n }, () =>
            Array.from({ length: m }, () => (ties ? rng.int(3) : rng.next() * 10)),
          );
          const mine = hungarian(cost);
          const oracle = munkres(cost).reduce((s, [y, x]) => s + cost[y]![x]!, 0);
          expect(mine.cost).toBeCloseTo(oracle, 9);
          // a valid matching: distinct columns, min(n, m) pairs, cost = Σ of the matched cells
          const cols = [...mine.rowToCol].filter((c) => c >= 0);
          expect(new Set(cols).size).toBe(Math.min(n, m));
          const sum = [...mine.rowToCol].reduce((s, c, r) => (c >= 0 ? s + cost[r]![c]! : s), 0);
          expect(sum).toBeCloseTo(mine.cost, 9);
          cases++;
        }
    expect(cases).toBe(162);
  });

  it('solves a hand example and handles empty input', () => {
    // rows→cols 0→1, 1→0, 2→2: 1 + 2 + 2 = 5 (every other permutation costs more)
    const r = hungarian([
      [4, 1, 3],
      [2, 0, 5],
      [3, 2, 2],
    ]);
    expect(r.cost).toBe(5);
    expect([...r.rowToCol]).toEqual([1, 0, 2]);
    expect(hungarian([]).cost).toBe(0);
    expect(() => hungarian([[1, Number.NaN]])).toThrow(/finite/);
  });
});

describe('kMeans', () => {
  it('from the same initial centroids reaches the same centroids and assignments as ml-kmeans', () => {
    for (const seed of [1, 2, 3]) {
      const { x } = blobs(4, 40, 3, 2, 1, seed); // overlapping: several Lloyd rounds
      const init = kMeansPlusPlus(x, 4, createRng(seed + 100));
      const mine = kMeans(x, 4, { init });
      const initRows = Array.from({ length: 4 }, (_, j) => Array.from(init.subarray(j * 3, j * 3 + 3)));
      const oracle = mlKmeans(rowsOf(x), 4, { initialization: initRows, tolerance: 0, maxIterations: 300 });
      expect(mine.iterations).toBeGreaterThan(2);
      expect([...mine.labels]).toEqual(oracle.clusters);
      oracle.centroids.forEach((c, j) => {
        c.forEach((v, t) => {
          expect(mine.centroids[j * 3 + t]).toBeCloseTo(v, 10);
        });
      });
    }
  });

  it('k-means++ (10 restarts) has inertia ≤ ml-kmeans random init and recovers well-separated blobs', () => {
    const { x, labels } = blobs(5, 30, 4, 6, 0.5, 7);
    const mine = kMeans(x, 5, { rng: createRng(3), nInit: 10 });
    for (const seed of [1, 2, 3, 4, 5]) {
      const oracle = mlKmeans(rowsOf(x), 5, { initialization: 'random', seed });
      const inertia = oracle.clusters.reduce((s, c, i) => {
        let d2 = 0;
        for (let t = 0; t < 4; t++) d2 += (x.data[i * 4 + t]! - oracle.centroids[c]![t]!) ** 2;
        return s + d2;
      }, 0);
      expect(mine.inertia).toBeLessThanOrEqual(inertia + 1e-9);
    }
    expect(clusteringAccuracy(labels, mine.labels).accuracy).toBe(1);
  });

  it('is deterministic for a seed and rejects k > rows with a clear message', () => {
    const { x } = blobs(3, 10, 2, 3, 1, 5);
    const a = kMeans(x, 3, { rng: createRng(9) });
    const b = kMeans(x, 3, { rng: createRng(9) });
    expect([...a.centroids]).toEqual([...b.centroids]);
    expect(() => kMeans(x, 31, { rng: createRng(1) })).toThrow(/30 rows cannot make 31 clusters/);
    expect(() => kMeans(x, 3)).toThrow(/seeded rng/);
  });
});

describe('NMI / ARI / accuracy', () => {
  it('are 1 for identical partitions and for a permutation of the labels', () => {
    const y = [0, 0, 1, 1, 2, 2, 2];
    const perm = [5, 5, 9, 9, 1, 1, 1];
    for (const f of [nmi, ari]) {
      expect(f(y, y)).toBeCloseTo(1, 12);
      expect(f(y, perm)).toBeCloseTo(1, 12);
    }
    expect(clusteringAccuracy(y, perm).accuracy).toBe(1);
    expect(clusteringAccuracy(y, perm).mapping.get(9)).toBe(1);
  });

  it('match closed-form contingency values (scikit-learn doc examples)', () => {
    // [0,0,1,1] vs [0,0,1,2]: MI = ln 2, H(U) = ln 2, H(V) = 1.5 ln 2 → NMI = 1 / 1.25 = 0.8
    expect(nmi([0, 0, 1, 1], [0, 0, 1, 2])).toBeCloseTo(0.8, 12);
    // ARI: Σ C(n_ij,2) = 1, Σ C(a,2) = 2, Σ C(b,2) = 1, C(4,2) = 6 → (1 − 1/3)/(1.5 − 1/3) = 4/7
    expect(ari([0, 0, 1, 1], [0, 0, 1, 2])).toBeCloseTo(4 / 7, 12);
    // every row its own cluster: expected = 0, index = 0 → ARI 0
    expect(ari([0, 0, 0, 0], [0, 1, 2, 3])).toBe(0);
    // crossed split: Σ C(n_ij,2) = 0, expected 2/3, max 2 → −0.5
    expect(ari([0, 0, 1, 1], [0, 1, 0, 1])).toBeCloseTo(-0.5, 12);
    expect(nmi([0, 0, 1, 1], [0, 1, 0, 1])).toBeCloseTo(0, 12);
  });

  it('ARI of independent random partitions is ≈ 0', () => {
    const rng = createRng(4);
    const a = Array.from({ length: 6000 }, () => rng.int(5));
    const b = Array.from({ length: 6000 }, () => rng.int(4));
    expect(Math.abs(ari(a, b))).toBeLessThan(0.01);
    expect(nmi(a, b)).toBeLessThan(0.01);
  });

  it('Hungarian accuracy picks the best one-to-one map, also with more clusters than labels', () => {
    // clusters 1→0 (2 rows), 0→1 (2), 2→2 (1): 5/6
    expect(clusteringAccuracy([0, 0, 1, 1, 2, 2], [1, 1, 0, 0, 0, 2]).accuracy).toBeCloseTo(5 / 6, 12);
    // 4 clusters, 2 labels: the two largest pure clusters match → (3 + 2) / 7
    expect(clusteringAccuracy([0, 0, 0, 1, 1, 1, 1], [0, 0, 0, 1, 1, 2, 3]).accuracy).toBeCloseTo(5 / 7, 12);
  });
});

describe('silhouette and estimateK', () => {
  it('matches a hand-computed example', () => {
    // 1-D rows 0, 1 | 4, 5: s(0) = (4.5 − 1)/4.5 = 7/9, s(1) = (3.5 − 1)/3.5 = 5/7, symmetric
    const x: Matrix = { data: Float64Array.from([0, 1, 4, 5]), rows: 4, cols: 1 };
    expect(silhouette(x, [0, 0, 1, 1])).toBeCloseTo((7 / 9 + 5 / 7) / 2, 12);
    // a singleton cluster scores 0: rows 0, 1 | 10 → s = [(10−1)/10, (9−1)/9, 0] / 3
    const y: Matrix = { data: Float64Array.from([0, 1, 10]), rows: 3, cols: 1 };
    expect(silhouette(y, [0, 0, 1])).toBeCloseTo((9 / 10 + 8 / 9) / 3, 12);
    expect(() => silhouette(x, [0, 0, 0, 0])).toThrow(/between 2 and 3 clusters/);
  });

  it('estimates the number of well-separated blobs', () => {
    const { x } = blobs(4, 25, 5, 8, 0.6, 21);
    const est = estimateK(standardize(x), [2, 3, 4, 5, 6, 7], { rng: createRng(2), nInit: 5 });
    expect(est.k).toBe(4);
    expect(est.scores.map((s) => s.k)).toEqual([2, 3, 4, 5, 6, 7]);
  });
});
