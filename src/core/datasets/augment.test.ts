// Augmentations: shapes preserved, deterministic for a seed, identity when nothing is declared,
// and each geometric one against its definition on a hand-made image.
import { describe, expect, it } from 'vitest';
import { createRng } from '../rng.ts';
import { augmentBatch, checkAugment } from './augment.ts';

const batch = Float32Array.from({ length: 3 * 16 }, (_, i) => (i % 7) / 7); // 3 images 4×4×1
const shape = [4, 4, 1];

describe('augmentBatch', () => {
  it('preserves the batch shape and is deterministic for a seed', () => {
    const spec = { shift: 1, noise: 0.1, flip: true, rotate: 15 };
    const a = augmentBatch(batch, shape, spec, createRng(3));
    expect(a.length).toBe(batch.length);
    expect(Array.from(augmentBatch(batch, shape, spec, createRng(3)))).toEqual(Array.from(a));
    expect(Array.from(augmentBatch(batch, shape, spec, createRng(4)))).not.toEqual(Array.from(a));
  });
  it('is the identity with nothing declared (or zero amounts) and never changes its input', () => {
    const copy = Float32Array.from(batch);
    expect(Array.from(augmentBatch(batch, shape, {}, createRng(1)))).toEqual(Array.from(copy));
    expect(Array.from(augmentBatch(batch, shape, { shift: 0, noise: 0, rotate: 0 }, createRng(1)))).toEqual(
      Array.from(copy),
    );
    augmentBatch(batch, shape, { shift: 2, noise: 1, flip: true }, createRng(1));
    expect(Array.from(batch)).toEqual(Array.from(copy));
  });
  it('flip mirrors each row or leaves the image, shift moves pixels with zero fill', () => {
    const img = Float32Array.from([1, 2, 3, 4]); // 2×2
    const seen = new Set<string>();
    for (let s = 0; s < 20; s++)
      seen.add(augmentBatch(img, [2, 2, 1], { flip: true }, createRng(s)).join(','));
    expect([...seen].sort()).toEqual(['1,2,3,4', '2,1,4,3']);
    for (let s = 0; s < 20; s++) {
      const out = Array.from(augmentBatch(img, [2, 2, 1], { shift: 1 }, createRng(s)));
      // Every output pixel is 0 (filled) or the input pixel one step (or none) away.
      expect(out.filter((v) => v !== 0).every((v) => [1, 2, 3, 4].includes(v))).toBe(true);
      expect(out.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(10);
    }
  });
  it('noise has the declared standard deviation', () => {
    const zeros = new Float32Array(20000);
    const out = augmentBatch(zeros, [20000], { noise: 0.5 }, createRng(9));
    const sd = Math.sqrt(out.reduce((a, v) => a + v * v, 0) / out.length);
    expect(sd).toBeGreaterThan(0.49);
    expect(sd).toBeLessThan(0.51);
  });
  it('geometric augmentations need images; noise works on any features', () => {
    expect(() => checkAugment({ flip: true }, [5])).toThrow(
      /augment \(shift, flip, rotate\) needs image features/,
    );
    expect(() => checkAugment({ noise: 0.1 }, [5])).not.toThrow();
  });
});
