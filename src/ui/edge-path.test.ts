import { describe, expect, it } from 'vitest';
import { SKIP_MIN_SPAN, skipArcPath } from './edge-path.ts';

/** The cubic Bézier through the path's four points, sampled (an independent evaluation). */
function sample(path: string, n = 200): { x: number; y: number }[] {
  const nums = path.match(/-?\d+(\.\d+)?/g)!.map(Number);
  const [x0, y0, x1, y1, x2, y2, x3, y3] = nums as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return Array.from({ length: n + 1 }, (_, i) => {
    const t = i / n;
    const u = 1 - t;
    return {
      x: u ** 3 * x0 + 3 * u * u * t * x1 + 3 * u * t * t * x2 + t ** 3 * x3,
      y: u ** 3 * y0 + 3 * u * u * t * y1 + 3 * u * t * t * y2 + t ** 3 * y3,
    };
  });
}

describe('skipArcPath', () => {
  it('leaves edges between neighbouring layers and backward edges to the normal curve', () => {
    expect(skipArcPath(0, 0, SKIP_MIN_SPAN - 1, 0)).toBeUndefined();
    expect(skipArcPath(500, 0, 0, 0)).toBeUndefined();
  });

  it('arcs over the cards it skips: 43 px handles on cards from y = 0 stay below the arc top', () => {
    // Handles at y = 43 (first port row of cards whose top is y = 0), two cards skipped.
    const [path, lx, ly] = skipArcPath(260, 43, 1370, 43)!;
    const pts = sample(path);
    const peak = Math.min(...pts.map((p) => p.y));
    expect(peak).toBeLessThan(-40); // clears the skipped cards' tops (y = 0) by more than 40 px
    // Over the skipped cards (x from 370 to 1260) the arc stays above their tops.
    for (const p of pts.filter((q) => q.x > 370 && q.x < 1260)) expect(p.y).toBeLessThan(0);
    // The label sits on the curve at its middle.
    const mid = pts[100]!;
    expect(lx).toBeCloseTo(mid.x, 6);
    expect(ly).toBeCloseTo(mid.y, 6);
  });
});
