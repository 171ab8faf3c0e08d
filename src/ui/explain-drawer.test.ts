// The Explain drawer's peak read-out (what the e2e and the data-peak attribute report).
import { describe, expect, it } from 'vitest';
import { peakOf } from './explain-drawer.tsx';

describe('peakOf', () => {
  it('is the [row, col] of the largest value, the first on ties', () => {
    const w = 5;
    const heat = new Float32Array(4 * w);
    heat[2 * w + 3] = 0.9;
    heat[1 * w + 1] = 0.4;
    expect(peakOf(heat, w)).toEqual([2, 3]);
    heat[0 * w + 4] = 0.9;
    expect(peakOf(heat, w)).toEqual([0, 4]);
    expect(peakOf(new Float32Array(6), 3)).toEqual([0, 0]);
  });
});
