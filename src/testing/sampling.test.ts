// Score-weighted sampling without replacement (src/core/sampling.ts): the Gumbel-top-k draw's
// empirical inclusion probabilities against the EXACT inclusion probabilities of successive
// sampling without replacement, computed here by enumerating every ordered draw; P38's size cycle
// against the sequence the paper's code prints.
import { describe, expect, it } from 'vitest';
import { createRng } from '../core/rng.ts';
import {
  cycleSizes,
  epochRowCount,
  epochRows,
  gumbelTopK,
  monotoneSizes,
  scoresFrom,
} from '../core/sampling.ts';

/**
 * P(i in the sample) for n successive draws without replacement, each picking j with probability
 * w_j / Σ_{remaining} w: the sum over every ordered sequence of distinct indices containing i.
 */
function exactInclusion(w: readonly number[], n: number): number[] {
  const p = w.map(() => 0);
  const walk = (taken: number[], prob: number) => {
    if (taken.length === n) {
      for (const i of taken) p[i]! += prob;
      return;
    }
    const rest = w.reduce((s, v, j) => (taken.includes(j) ? s : s + v), 0);
    w.forEach((v, j) => {
      if (!taken.includes(j)) walk([...taken, j], (prob * v) / rest);
    });
  };
  walk([], 1);
  return p;
}

describe('Gumbel-top-k sampling without replacement', () => {
  it('the exact enumeration is a distribution over samples (Σ_i π_i = n) and not proportional to w', () => {
    const w = [1, 2, 3, 4, 10];
    const pi = exactInclusion(w, 2);
    expect(pi.reduce((a, b) => a + b, 0)).toBeCloseTo(2, 12);
    // Without replacement the inclusion probabilities are NOT n·w/Σw (which would exceed 1 for w=10).
    expect(pi[4]).toBeLessThan(1);
    expect(Math.abs(pi[0]! - (2 * 1) / 20)).toBeGreaterThan(0.005);
  });

  for (const [w, n] of [
    [[1, 2, 3, 4, 10], 2],
    [[0.5, 0.5, 5, 1, 3], 3],
    [[1, 1, 1, 1, 1], 2],
  ] as const) {
    it(`empirical inclusion of w=[${w}] n=${n} matches the exact probabilities (binomial 4.5σ)`, () => {
      const draws = 60_000;
      const rng = createRng(1234);
      const hits = w.map(() => 0);
      for (let t = 0; t < draws; t++) {
        const idx = gumbelTopK(w, n, rng);
        expect(new Set(idx).size).toBe(n); // without replacement
        for (const i of idx) hits[i]!++;
      }
      const pi = exactInclusion([...w], n);
      w.forEach((_, i) => {
        const p = pi[i]!;
        const sd = Math.sqrt((p * (1 - p)) / draws);
        expect(Math.abs(hits[i]! / draws - p)).toBeLessThanOrEqual(4.5 * sd + 1e-12);
      });
    });
  }

  it('the first index drawn follows w / Σw (the first pick of successive sampling)', () => {
    const w = [1, 2, 3, 4, 10];
    const rng = createRng(7);
    const first = w.map(() => 0);
    const draws = 40_000;
    for (let t = 0; t < draws; t++) first[gumbelTopK(w, 2, rng)[0]!]!++;
    w.forEach((v, i) => {
      const p = v / 20;
      expect(Math.abs(first[i]! / draws - p)).toBeLessThanOrEqual(4.5 * Math.sqrt((p * (1 - p)) / draws));
    });
  });

  it('is seeded: the same seed draws the same rows; a bad n is refused', () => {
    const w = [3, 1, 4, 1, 5, 9, 2, 6];
    expect([...gumbelTopK(w, 4, createRng(5))]).toEqual([...gumbelTopK(w, 4, createRng(5))]);
    expect(() => gumbelTopK(w, 9, createRng(5))).toThrow(/cannot draw 9 of 8/);
  });
});

describe('epoch rows', () => {
  it('⌊N·f⌋ rows (at least one), distinct, a permutation when f = 1', () => {
    expect(epochRowCount(4000, 0.25)).toBe(1000);
    expect(epochRowCount(10, 0.01)).toBe(1);
    const rng = createRng(3);
    const all = epochRows(50, rng);
    expect([...all].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    const some = epochRows(
      50,
      rng,
      0.3,
      scoresFrom(
        Float32Array.from({ length: 50 }, (_, i) => i + 1),
        'easy',
      ),
    );
    expect(some.length).toBe(15);
    expect(new Set(some).size).toBe(15);
  });

  it('easy-first scores favour low-loss rows, hard-first high-loss rows', () => {
    const losses = Float32Array.from({ length: 100 }, (_, i) => (i < 50 ? 0.1 : 3));
    const rng = createRng(11);
    const low = (idx: Int32Array) => [...idx].filter((i) => i < 50).length;
    expect(low(epochRows(100, rng, 0.25, scoresFrom(losses, 'easy')))).toBeGreaterThan(20);
    expect(low(epochRows(100, rng, 0.25, scoresFrom(losses, 'hard')))).toBeLessThan(5);
  });

  it('scores: 1/ℓ, ℓ or 1; zeros and non-finite values become the smallest positive score', () => {
    expect([...scoresFrom([2, 4], 'easy')]).toEqual([0.5, 0.25]);
    expect([...scoresFrom([2, 4], 'hard')]).toEqual([2, 4]);
    expect([...scoresFrom([2, 4], 'random')]).toEqual([1, 1]);
    expect([...scoresFrom([0, 4, 2], 'hard')]).toEqual([2, 4, 2]);
    expect([...scoresFrom([0, 4], 'easy')]).toEqual([0.25, 0.25]); // 1/0 = ∞ → min positive
  });
});

describe('P38 data-size cycle', () => {
  it('get_cycle_sizes(0.25, 1, 0.5, T) = 0.25, 0.5, 1, 0.5, 0.25, 0.5, 1, … until Σ ≥ T', () => {
    const s = cycleSizes(0.25, 1, 0.5, 8);
    expect(s.slice(0, 9)).toEqual([0.25, 0.5, 1, 0.5, 0.25, 0.5, 1, 0.5, 0.25]);
    const sum = s.reduce((a, b) => a + b, 0);
    expect(sum).toBeGreaterThanOrEqual(8);
    expect(sum - s.at(-1)!).toBeLessThan(8);
    expect(cycleSizes(0.25, 1, 0.5, 1)).toEqual([0.25, 0.5, 1]);
  });

  it('the monotone control grows to ep and stays', () => {
    expect(monotoneSizes(0.25, 1, 0.5, 4)).toEqual([0.25, 0.5, 1, 1, 1, 1]);
  });
});
