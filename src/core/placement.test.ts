import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { GraphScope } from './doc/schema.ts';
import { freeSpotBelow, NODE_GAP, placeAfter, TYPICAL_NODE } from './placement.ts';

const scope = (layout: Record<string, { x: number; y: number }>): GraphScope => ({
  nodes: Object.fromEntries(
    Object.keys(layout).map((id) => [id, { type: 'layers.dense', v: 1, params: {} }]),
  ),
  edges: {},
  layout,
});

/** Axis-aligned rectangles intersect (brute-force reference, no margin). */
const intersects = (a: { x: number; y: number }, b: { x: number; y: number }) =>
  a.x < b.x + TYPICAL_NODE.width &&
  b.x < a.x + TYPICAL_NODE.width &&
  a.y < b.y + TYPICAL_NODE.height &&
  b.y < a.y + TYPICAL_NODE.height;

describe('placeAfter', () => {
  it('puts the new node one card width plus a gap right of the anchor, at its height', () => {
    expect(placeAfter(scope({ a: { x: 100, y: 40 } }), 'a')).toEqual({
      x: 100 + TYPICAL_NODE.width + NODE_GAP,
      y: 40,
    });
    // Measured sizes win over the typical card.
    const sizes = new Map([['a', { width: 300, height: 90 }]]);
    expect(placeAfter(scope({ a: { x: 0, y: 0 } }), 'a', sizes)?.x).toBe(300 + NODE_GAP);
  });

  it('moves down past a node already in that spot, and is undefined for an unknown anchor', () => {
    const s = scope({ a: { x: 0, y: 0 }, b: { x: TYPICAL_NODE.width + NODE_GAP, y: 10 } });
    const p = placeAfter(s, 'a')!;
    expect(p.x).toBe(TYPICAL_NODE.width + NODE_GAP);
    expect(p.y).toBeGreaterThanOrEqual(10 + TYPICAL_NODE.height);
    expect(placeAfter(s, 'nope')).toBeUndefined();
  });

  it('never overlaps an existing node (random layouts, brute-force check)', () => {
    const pt = fc.record({
      x: fc.integer({ min: -500, max: 1500 }),
      y: fc.integer({ min: -500, max: 1500 }),
    });
    fc.assert(
      fc.property(fc.array(pt, { minLength: 1, maxLength: 25 }), pt, (pts, at) => {
        const s = scope(Object.fromEntries(pts.map((p, i) => [`n${i}`, p])));
        const spot = freeSpotBelow(s, at);
        expect(spot.x).toBe(at.x);
        expect(spot.y).toBeGreaterThanOrEqual(at.y);
        for (const p of pts) expect(intersects(spot, p)).toBe(false);
      }),
    );
  });
});
