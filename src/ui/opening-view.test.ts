import { describe, expect, it } from 'vitest';
import { openingViewport, READABLE_ZOOM } from './opening-view.ts';

const toScreen = (v: { x: number; y: number; zoom: number }, p: { x: number; y: number }) => ({
  x: p.x * v.zoom + v.x,
  y: p.y * v.zoom + v.y,
});

describe('openingViewport', () => {
  const view = { width: 1000, height: 600 };

  it('a small graph is shown whole and centred', () => {
    const b = { x: 40, y: 40, width: 800, height: 300 };
    const v = openingViewport(b, view);
    expect(v.zoom).toBeGreaterThanOrEqual(READABLE_ZOOM);
    const tl = toScreen(v, b);
    const br = toScreen(v, { x: b.x + b.width, y: b.y + b.height });
    expect(tl.x).toBeGreaterThanOrEqual(0);
    expect(br.x).toBeLessThanOrEqual(view.width);
    expect(tl.y).toBeGreaterThanOrEqual(0);
    expect(br.y).toBeLessThanOrEqual(view.height);
    expect((tl.x + br.x) / 2).toBeCloseTo(view.width / 2, 6);
    expect((tl.y + br.y) / 2).toBeCloseTo(view.height / 2, 6);
  });

  it('a long graph opens at a readable zoom with its left end (the input) in view', () => {
    const b = { x: 40, y: 40, width: 6600, height: 400 };
    const v = openingViewport(b, view);
    expect(v.zoom).toBeGreaterThanOrEqual(READABLE_ZOOM);
    const input = toScreen(v, { x: 40, y: 40 });
    expect(input.x).toBeGreaterThanOrEqual(0);
    expect(input.x).toBeLessThan(view.width / 4);
    const bottom = toScreen(v, { x: 40, y: 440 });
    expect(input.y).toBeGreaterThanOrEqual(0);
    expect(bottom.y).toBeLessThanOrEqual(view.height);
  });

  it('keeps the graph out of a reserved strip at the bottom (where the minimap is)', () => {
    for (const b of [
      { x: 40, y: 40, width: 800, height: 300 },
      { x: 40, y: 40, width: 6600, height: 400 },
    ]) {
      const v = openingViewport(b, view, 130);
      expect(toScreen(v, { x: 0, y: b.y + b.height }).y).toBeLessThanOrEqual(view.height - 130);
      expect(toScreen(v, b).y).toBeGreaterThanOrEqual(0);
    }
  });
});
