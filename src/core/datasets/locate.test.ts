// locate's distractors and two-object images: deterministic per seed, outside / apart from the
// boxes, and the boxes stay the tight boxes of their shapes.
import { describe, expect, it } from 'vitest';
import { resolveParams } from '../params.ts';
import { createRng } from '../rng.ts';
import { drawLocatePair, locate } from './locate.ts';

const SIZE = 28;
const load = (seed: number, raw: Record<string, unknown>) =>
  locate.load(
    resolveParams(locate.params, { samples: 40, size: SIZE, ...raw }).values as never,
    createRng(seed),
    {} as never,
  );

describe('locate distractors', () => {
  it('are deterministic per seed, differ across seeds, and lie outside the box with a 1 px margin', async () => {
    const a = await load(7, { noise: 0, distractors: 3 });
    const b = await load(7, { noise: 0, distractors: 3 });
    const c = await load(8, { noise: 0, distractors: 3 });
    const none = await load(7, { noise: 0, distractors: 0 });
    expect(Array.from(a.train.x)).toEqual(Array.from(b.train.x));
    expect(Array.from(a.train.x)).not.toEqual(Array.from(c.train.x));
    for (const split of [a.train, a.val]) {
      const box = split.fields!.box!;
      for (let i = 0; i < split.count; i++) {
        const [r0, c0, r1, c1] = Array.from(box.subarray(i * 4, i * 4 + 4));
        let outside = 0;
        for (let r = 0; r < SIZE; r++)
          for (let col = 0; col < SIZE; col++) {
            if (split.x[i * SIZE * SIZE + r * SIZE + col] !== 1) continue;
            const inBox = r >= r0! && r <= r1! && col >= c0! && col <= c1!;
            if (!inBox) {
              outside++;
              // a distractor pixel never touches the box (1 px margin)
              expect(r < r0! - 1 || r > r1! + 1 || col < c0! - 1 || col > c1! + 1).toBe(true);
            }
          }
        // 3 blobs of 2×2, possibly overlapping one another: between 4 and 12 pixels
        expect(outside).toBeGreaterThanOrEqual(4);
        expect(outside).toBeLessThanOrEqual(12);
      }
    }
    // without distractors, nothing outside the box is at intensity 1
    for (let i = 0; i < none.train.count; i++) {
      const [r0, c0, r1, c1] = Array.from(none.train.fields!.box!.subarray(i * 4, i * 4 + 4));
      for (let r = 0; r < SIZE; r++)
        for (let col = 0; col < SIZE; col++)
          if (none.train.x[i * SIZE * SIZE + r * SIZE + col] === 1)
            expect(r >= r0! && r <= r1! && col >= c0! && col <= c1!).toBe(true);
    }
  });
});

describe('drawLocatePair', () => {
  it('draws two different shapes with boxes ≥ gap apart, deterministically per seed', () => {
    const draw = (seed: number) => {
      const rng = createRng(seed);
      const x = new Float32Array(SIZE * SIZE);
      const r = drawLocatePair(x, 0, SIZE, 0, 3, 0, rng, 2)!;
      return { x, r };
    };
    for (let seed = 1; seed <= 20; seed++) {
      const { x, r } = draw(seed);
      expect(draw(seed).x).toEqual(x);
      const { a, b } = r;
      const apart = a[2] + 2 < b[0] || b[2] + 2 < a[0] || a[3] + 2 < b[1] || b[3] + 2 < a[1];
      expect(apart).toBe(true);
      // every lit pixel lies in exactly one box; both boxes hold lit pixels
      let inA = 0;
      let inB = 0;
      for (let rr = 0; rr < SIZE; rr++)
        for (let cc = 0; cc < SIZE; cc++) {
          if (x[rr * SIZE + cc] !== 1) continue;
          const ia = rr >= a[0] && rr <= a[2] && cc >= a[1] && cc <= a[3];
          const ib = rr >= b[0] && rr <= b[2] && cc >= b[1] && cc <= b[3];
          expect(ia !== ib).toBe(true);
          if (ia) inA++;
          else inB++;
        }
      expect(inA).toBeGreaterThan(0);
      expect(inB).toBeGreaterThan(0);
    }
  });
});
