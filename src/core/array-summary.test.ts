// The views' number summaries against closed forms and direct Float64 recounts written here.
import { describe, expect, it } from 'vitest';
import { couplingSummary, mattisOverlaps, summarizeValues } from './array-summary.ts';
import { hebbianFit } from './fits.ts';
import { createRng } from './rng.ts';

describe('summarizeValues', () => {
  it('mean, population std, zeros, range and bins of a hand-counted array', () => {
    const s = summarizeValues([0, 1, 2, 3, 0, 6], 3);
    expect(s.count).toBe(6);
    expect(s.mean).toBeCloseTo(2, 12);
    // Σ(x − 2)² = 4 + 1 + 0 + 1 + 4 + 16 = 26 → std = √(26/6).
    expect(s.std).toBeCloseTo(Math.sqrt(26 / 6), 12);
    expect(s.fractionZero).toBeCloseTo(2 / 6, 12);
    expect([s.min, s.max]).toEqual([0, 6]);
    // Bins [0, 2), [2, 4), [4, 6]: {0, 1, 0}, {2, 3}, {6}.
    expect(s.histogram).toEqual({ lo: 0, hi: 6, counts: [3, 2, 1] });
  });
  it('a constant array: std 0, one full bin; an empty one is refused', () => {
    const s = summarizeValues(new Float32Array([2.5, 2.5, 2.5]), 4);
    expect(s.std).toBe(0);
    expect(s.histogram.counts).toEqual([3, 0, 0, 0]);
    expect(() => summarizeValues([])).toThrow(/no values/);
  });
});

describe('couplingSummary', () => {
  const rng = createRng(7);
  const n = 6;
  const sym = new Float64Array(n * n);
  for (let r = 0; r < n; r++)
    for (let c = r + 1; c < n; c++) {
      const v = rng.next() * 2 - 1;
      sym[r * n + c] = v;
      sym[c * n + r] = v;
    }
  it('a symmetric zero-diagonal matrix; 3 × 3 block means equal a direct recount', () => {
    const s = couplingSummary(sym, n, 3);
    expect(s.symmetric).toBe(true);
    expect(s.diagZero).toBe(true);
    expect(s.maxAsymmetry).toBe(0);
    expect(s.cells).toBe(3);
    for (let br = 0; br < 3; br++)
      for (let bc = 0; bc < 3; bc++) {
        const block = [0, 1].flatMap((i) => [0, 1].map((j) => sym[(2 * br + i) * n + 2 * bc + j]!));
        expect(s.heat[br * 3 + bc]).toBeCloseTo(block.reduce((a, b) => a + b, 0) / 4, 12);
      }
    expect(s.min).toBe(Math.min(...sym));
    expect(s.max).toBe(Math.max(...sym));
  });
  it('a perturbed entry breaks symmetry, a diagonal entry breaks the zero diagonal', () => {
    const a = Float64Array.from(sym);
    a[1 * n + 4]! += 0.01;
    const s = couplingSummary(a, n);
    expect(s.symmetric).toBe(false);
    expect(s.maxAsymmetry).toBeCloseTo(0.01, 12);
    expect(s.diagZero).toBe(true);
    const d = Float64Array.from(sym);
    d[3 * n + 3] = -0.2;
    const t = couplingSummary(d, n);
    expect(t.diagZero).toBe(false);
    expect(t.maxDiagonal).toBeCloseTo(0.2, 12);
    expect(t.symmetric).toBe(true);
    expect(() => couplingSummary(sym, 5)).toThrow(/n × n/);
  });
  it('Hebbian couplings (fits.ts) are symmetric with a zero diagonal; cells cap at n', () => {
    const rows = 4;
    const x = Float64Array.from({ length: rows * 8 }, () => (rng.next() < 0.5 ? -1 : 1));
    const j = hebbianFit({ data: x, rows, cols: 8 }, undefined, 2, 'unsup');
    const s = couplingSummary(j, 8, 64);
    expect(s.cells).toBe(8);
    expect(s.symmetric).toBe(true);
    expect(s.diagZero).toBe(true);
  });
});

describe('mattisOverlaps', () => {
  it('a state equal to pattern 1, its negation, and an orthogonal pattern 2', () => {
    const xi1 = [1, -1, 1, -1];
    const xi2 = [1, 1, -1, -1]; // ξ¹·ξ² = 0
    const states = [...xi1, ...xi1.map((v) => -v)];
    const patterns = [...xi1, ...xi2, ...xi1, ...xi2];
    const o = mattisOverlaps(states, patterns, 2, 2, 4);
    expect(o.mean[0]).toBeCloseTo(0, 12); // (1 + (−1)) / 2
    expect(o.meanAbs[0]).toBeCloseTo(1, 12);
    expect(o.mean[1]).toBeCloseTo(0, 12);
    expect(o.meanAbs[1]).toBeCloseTo(0, 12);
  });
  it('a blanked (0) pattern entry: m = (1/N) Σ ξσ counts only the non-blank sites', () => {
    const o = mattisOverlaps([1, 1, 1, 1], [1, 0, 1, -1], 1, 1, 4);
    expect(o.mean[0]).toBeCloseTo(1 / 4, 12);
    expect(() => mattisOverlaps([1, 1], [1, 1, 1], 1, 1, 2)).toThrow(/patterns/);
  });
});
