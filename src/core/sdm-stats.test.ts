// SDM statistics (P31) against hand-worked cases on a line and a naive reference that sorts every
// distance (Float64) instead of keeping the k nearest.
import { describe, expect, it } from 'vitest';
import { createRng } from './rng.ts';
import { distanceCdfTables, distanceQuantiles, sdmNeighbours } from './sdm-stats.ts';

describe('sdmNeighbours', () => {
  // Reference points on a line: x = 0, 1, 2, 3, 10 with labels / predictions.
  const ref = {
    exemplars: [0, 1, 2, 3, 10],
    dim: 1,
    labels: [0, 0, 1, 0, 1],
    preds: [0, 0, 1, 1, 1], // row 3 is mispredicted
  };

  it('counts consecutive agreeing neighbours from the nearest and stops at the first miss', () => {
    // query at 0.4 predicted 0: neighbours 0 (ok), 1 (ok), 2 (label 1 ≠ 0: stop) → q = 2.
    // query at 2.2 predicted 1: neighbours 2 (ok), 3 (label 0: stop) → q = 1.
    // query at 2.9 predicted 0: neighbour 3 is label 0 but predicted 1 → q = 0.
    // query at 9 predicted 1: 10 (ok), 3 (label 0) → q = 1; capped by k = 1 for the first query.
    const s = sdmNeighbours([0.4, 2.2, 2.9, 9], [0, 1, 0, 1], ref, 4);
    expect(Array.from(s.q)).toEqual([2, 1, 0, 1]);
    expect(s.dNearest[0]).toBeCloseTo(0.4, 12);
    expect(s.dNearest[1]).toBeCloseTo(0.2, 12);
    expect(s.dNearest[2]).toBeCloseTo(0.1, 12);
    expect(s.dNearest[3]).toBeCloseTo(1, 12);
    expect(Array.from(sdmNeighbours([0.4], [0], ref, 1).q)).toEqual([1]);
  });

  it('skips the identity match for training points (excludeSelf)', () => {
    const s = sdmNeighbours(ref.exemplars, ref.preds, ref, 3, true);
    // row 0 (x 0, pred 0): 1 (ok), 2 (label 1: stop) → 1; d = 1.
    // row 1 (x 1, pred 0): 0 and 2 tie at distance 1, lower index first: 0 (ok), 2 (stop) → 1.
    // row 2 (x 2, pred 1): 1 and 3 tie, 1 first: label 0 ≠ 1 → 0.
    // row 3 (x 3, pred 1, itself mispredicted: only neighbours count): 2 (ok), 1 (label 0: stop) → 1.
    // row 4 (x 10, pred 1): 3 (label 0) → 0; d = 7.
    expect(Array.from(s.q)).toEqual([1, 1, 0, 1, 0]);
    expect(Array.from(s.dNearest)).toEqual([1, 1, 1, 1, 7]);
  });

  it('matches a naive full-sort reference on random 3-D exemplars', () => {
    const rng = createRng(31);
    const n = 40;
    const dim = 3;
    const ex = Array.from({ length: n * dim }, () => rng.normal());
    const labels = Array.from({ length: n }, () => Math.floor(rng.next() * 3));
    const preds = labels.map((y) => (rng.next() < 0.8 ? y : (y + 1) % 3));
    const r = { exemplars: ex, dim, labels, preds };
    const k = 6;
    const s = sdmNeighbours(ex, preds, r, k, true);
    for (let b = 0; b < n; b++) {
      const all = labels
        .map((_, i) => ({ i, d: Math.hypot(...[0, 1, 2].map((c) => ex[b * dim + c]! - ex[i * dim + c]!)) }))
        .filter((o) => o.i !== b)
        .sort((u, v) => u.d - v.d || u.i - v.i)
        .slice(0, k);
      let want = 0;
      while (want < k && labels[all[want]!.i] === preds[b] && preds[all[want]!.i] === labels[all[want]!.i])
        want++;
      expect(s.q[b]).toBe(want);
      expect(s.dNearest[b]).toBeCloseTo(all[0]!.d, 10);
    }
  });

  it('rejects a malformed reference or k, saying what to give', () => {
    expect(() => sdmNeighbours([0], [0], { ...ref, preds: [0] }, 2)).toThrow(/one label and one prediction/);
    expect(() => sdmNeighbours([0], [0], ref, 0)).toThrow(/k must be a positive integer/);
  });
});

describe('distanceQuantiles', () => {
  it('tables: d_nearest of the rows with q > 0 by TRUE label, sorted', () => {
    // rows: labels 0, 0, 0, 0, 0, 1; the 0.5 row has q = 0 and is left out.
    const tables = distanceCdfTables([3, 1, 4, 2, 0.5, 10], [0, 0, 0, 0, 0, 1], [1, 3, 2, 5, 0, 1], 3);
    expect(Array.from(tables[0]!)).toEqual([1, 2, 3, 4]);
    expect(Array.from(tables[1]!)).toEqual([10]);
    expect(Array.from(tables[2]!)).toEqual([]);
  });
  it('is min over classes of 1 − (# table values < d)/n (searchsorted left), by hand; 0 when a class table is empty', () => {
    const tables = [Float64Array.from([1, 2, 3, 4]), Float64Array.from([2.5, 5])];
    // d = 0.2: class 0 → 1, class 1 → 1 → 1.   d = 2: class 0 → 1 − 1/4 (only 1 < 2), class 1 → 1 → 0.75.
    // d = 3: class 0 → 1 − 2/4, class 1 → 1 − 1/2 → 0.5.   d = 9: both 0 → 0.   d = 4.5: 0, 0.5 → 0.
    const d = distanceQuantiles([0.2, 2, 3, 9, 4.5], tables);
    expect(Array.from(d)).toEqual([1, 0.75, 0.5, 0, 0]);
    expect(Array.from(distanceQuantiles([0.2, 3], [...tables, new Float64Array(0)]))).toEqual([0, 0]);
  });
});
