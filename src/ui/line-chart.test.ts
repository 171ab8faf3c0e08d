import { describe, expect, it } from 'vitest';
import { decimate } from './line-chart.tsx';

describe('decimate', () => {
  it('keeps short series as they are (non-finite points dropped)', () => {
    const pts: [number, number][] = [
      [1, 2],
      [2, Number.NaN],
      [3, 1],
    ];
    expect(decimate(pts, 10)).toEqual([
      [1, 2],
      [3, 1],
    ]);
  });

  it('bounds a long series to ~4 points per column and keeps its extremes and ends', () => {
    // 10,000 batches of a noisy decaying loss with one spike, drawn over 100 columns.
    const pts: [number, number][] = Array.from({ length: 10_000 }, (_, i) => [
      i + 1,
      i === 4321 ? 50 : 2 * Math.exp(-i / 3000) + 0.1 * Math.sin(i * 12.9898),
    ]);
    const out = decimate(pts, 100);
    expect(out.length).toBeLessThanOrEqual(400);
    expect(out[0]).toEqual(pts[0]);
    expect(out.at(-1)).toEqual(pts.at(-1));
    const ys = pts.map((p) => p[1]);
    const outYs = out.map((p) => p[1]);
    expect(Math.max(...outYs)).toBe(Math.max(...ys)); // the spike survives
    expect(Math.min(...outYs)).toBe(Math.min(...ys));
    // Still in x order, and every kept point is an input point.
    for (let i = 1; i < out.length; i++) expect(out[i]![0]).toBeGreaterThan(out[i - 1]![0]);
    for (const p of out) expect(p[1]).toBe(pts[p[0] - 1]![1]);
  });
});
