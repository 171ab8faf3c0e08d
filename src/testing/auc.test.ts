import { describe, expect, it } from 'vitest';
import { macroAucOvR, rocAuc } from '../core/metrics/auc.ts';
import { createRng } from '../core/rng.ts';

/** P(pos > neg) + ½ P(pos = neg) over every pair: the definition, O(n²). */
function pairwise(scores: number[], pos: boolean[]): number {
  let s = 0;
  let pairs = 0;
  scores.forEach((a, i) => {
    if (!pos[i]) return;
    scores.forEach((b, j) => {
      if (pos[j]) return;
      pairs++;
      s += a > b ? 1 : a === b ? 0.5 : 0;
    });
  });
  return s / pairs;
}

describe('rocAuc', () => {
  it('matches the hand-computed value (scikit-learn doc example: 0.75)', () => {
    expect(rocAuc([0.1, 0.4, 0.35, 0.8], [false, false, true, true])).toBeCloseTo(0.75, 12);
  });
  it('counts a tie between a positive and a negative as ½', () => {
    // positives 0.5, 0.9; negatives 0.5, 0.2 → (½ + 1 + 1 + 1) / 4
    expect(rocAuc([0.5, 0.5, 0.2, 0.9], [true, false, false, true])).toBeCloseTo(0.875, 12);
    // every score equal → ½
    expect(rocAuc([1, 1, 1, 1], [true, false, true, false])).toBe(0.5);
  });
  it('is 1 for a perfect ranking, 0 for a reversed one, NaN with one class', () => {
    expect(rocAuc([0, 1, 2, 3], [false, false, true, true])).toBe(1);
    expect(rocAuc([3, 2, 1, 0], [false, false, true, true])).toBe(0);
    expect(rocAuc([1, 2], [true, true])).toBeNaN();
  });
  it('agrees with the pairwise definition on random data with many ties', () => {
    const rng = createRng(7);
    for (let t = 0; t < 20; t++) {
      const n = 5 + rng.int(60);
      const scores = Array.from({ length: n }, () => rng.int(6) / 5);
      const pos = Array.from({ length: n }, () => rng.next() < 0.4);
      if (!pos.some(Boolean) || pos.every(Boolean)) continue;
      expect(rocAuc(scores, pos)).toBeCloseTo(pairwise(scores, pos), 12);
    }
  });
});

describe('macroAucOvR', () => {
  it('averages the one-vs-rest AUCs (hand-computed: (1 + 1 + 0.875) / 3)', () => {
    const probs = [0.6, 0.3, 0.1, 0.2, 0.5, 0.3, 0.3, 0.3, 0.4, 0.5, 0.2, 0.3];
    // class 0: 0.6 vs {0.2, 0.3, 0.5} → 1; class 1: 0.5 vs {0.3, 0.3, 0.2} → 1;
    // class 2: {0.4, 0.3} vs {0.1, 0.3} → (1 + 1 + 1 + ½) / 4 = 0.875
    expect(macroAucOvR(probs, [0, 1, 2, 2], 3)).toBeCloseTo(2.875 / 3, 12);
  });
  it('with two classes is the binary AUC of column 1', () => {
    const probs = [0.9, 0.1, 0.6, 0.4, 0.65, 0.35, 0.2, 0.8];
    expect(macroAucOvR(probs, [0, 0, 1, 1], 2)).toBeCloseTo(0.75, 12);
  });
  it('skips a class absent from the labels', () => {
    const probs = [0.7, 0.2, 0.1, 0.2, 0.7, 0.1];
    expect(macroAucOvR(probs, [0, 1], 3)).toBe(1);
  });
});
