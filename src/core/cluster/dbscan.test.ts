// DBSCAN against the npm `density-clustering` oracle: same partition up to renaming of the
// clusters and the same noise set, on seeded random point sets (blobs + uniform noise) for several
// eps / minPts, and on an integer grid where eps equals pairwise distances exactly (border points).
import { DBSCAN } from 'density-clustering';
import { describe, expect, it } from 'vitest';
import { createRng } from '../rng.ts';
import { dbscan, pairwiseDistances, percentile } from './dbscan.ts';

/** The oracle's labels: −1 noise; its `noise` list keeps points that later joined as border points. */
function oracle(points: number[][], eps: number, minPts: number): Int32Array {
  const db = new DBSCAN();
  const clusters = db.run(points, eps, minPts);
  const labels = new Int32Array(points.length).fill(-1);
  clusters.forEach((c, k) => {
    for (const i of c) labels[i] = k;
  });
  return labels;
}

/** Asserts equal partitions up to renaming, noise (−1) identical. */
function expectSamePartition(a: Int32Array, b: Int32Array) {
  expect(a.length).toBe(b.length);
  const ab = new Map<number, number>();
  const ba = new Map<number, number>();
  for (let i = 0; i < a.length; i++) {
    expect(a[i] === -1, `point ${i} noise in one labelling only`).toBe(b[i] === -1);
    if (a[i] === -1) continue;
    if (!ab.has(a[i]!)) ab.set(a[i]!, b[i]!);
    if (!ba.has(b[i]!)) ba.set(b[i]!, a[i]!);
    expect(ab.get(a[i]!), `point ${i}`).toBe(b[i]);
    expect(ba.get(b[i]!), `point ${i}`).toBe(a[i]);
  }
}

function blobs(seed: number, n: number, dim: number): number[][] {
  const rng = createRng(seed);
  const centres = Array.from({ length: 4 }, () => Array.from({ length: dim }, () => rng.next() * 10));
  return Array.from({ length: n }, (_, i) =>
    i % 5 === 4
      ? Array.from({ length: dim }, () => rng.next() * 12 - 1)
      : centres[i % 4]!.map((c) => c + 0.6 * rng.normal()),
  );
}

describe('dbscan', () => {
  for (const [seed, n, dim, eps, minPts] of [
    [1, 120, 2, 0.7, 4],
    [2, 200, 2, 0.45, 3],
    [3, 150, 3, 1.1, 6],
    [4, 90, 5, 1.9, 2],
    [5, 160, 2, 0.3, 5],
  ] as const) {
    it(`matches density-clustering (seed ${seed}, n ${n}, dim ${dim}, eps ${eps}, minPts ${minPts})`, () => {
      const pts = blobs(seed, n, dim);
      const d = pairwiseDistances(pts.flat(), n, dim);
      const ours = dbscan(d, n, eps, minPts);
      const ref = oracle(pts, eps, minPts);
      expectSamePartition(ours.labels, ref);
      // the sets are non-trivial: several clusters, some noise, some border (non-core, clustered) points where minPts > 2
      expect(ours.clusters).toBeGreaterThan(1);
      expect(ours.labels.some((l) => l === -1)).toBe(true);
      // with minPts 2 every point with a neighbour is core: no border points exist
      if (minPts > 2) expect(ours.labels.some((l, i) => l !== -1 && !ours.core[i])).toBe(true);
    });
  }

  it('border points: eps equal to grid distances (≤ eps counts, the oracle gets eps + 1e-9 for its strict <)', () => {
    // Two 3×3 unit-spaced grids 2 apart on x, plus a bridge point between them and isolated points.
    const pts: number[][] = [];
    for (let x = 0; x < 3; x++) for (let y = 0; y < 3; y++) pts.push([x, y]);
    for (let x = 0; x < 3; x++) for (let y = 0; y < 3; y++) pts.push([x + 5, y]);
    pts.push([3.5, 1], [10, 10], [-4, 0], [1, 4]);
    const n = pts.length;
    const d = pairwiseDistances(pts.flat(), n, 2);
    for (const [eps, minPts] of [
      [1, 3],
      [1, 5],
      [Math.SQRT2, 5],
      [1.5, 4],
      [2, 9],
    ] as const) {
      const ours = dbscan(d, n, eps, minPts);
      expectSamePartition(ours.labels, oracle(pts, eps + 1e-9, minPts));
    }
    // eps 1, minPts 4: grid corners have 3 neighbours (themselves included) → border, not core
    const r = dbscan(d, n, 1, 4);
    expect(r.core[0]).toBe(0);
    expect(r.labels[0]).toBe(r.labels[4]);
    expect(r.labels[4]).not.toBe(-1);
    expect(r.labels[0]).not.toBe(r.labels[9 + 4]);
    expect(r.labels[18]).toBe(-1); // the bridge point (1.5 from both grids)
    // (1, 4) sits at distance 2 from the nearest grid point (1, 2): within eps 2 only
    expect(dbscan(d, n, 1.5, 4).labels[21]).toBe(-1);
  });

  it('percentile interpolates like numpy (linear)', () => {
    expect(percentile([1, 2, 3, 4], 25)).toBeCloseTo(1.75, 12);
    expect(percentile([5, 1, 3], 50)).toBe(3);
    expect(percentile([2], 75)).toBe(2);
    expect(percentile([0, 10], 100)).toBe(10);
  });
});
