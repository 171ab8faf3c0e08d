import { describe, expect, it } from 'vitest';
import { imageRgba } from './image-grid.tsx';

describe('imageRgba', () => {
  it('grey images: the value in [0, 1] as 0–255 in R, G and B, opaque; values outside clipped', () => {
    const out = imageRgba(Float32Array.from([0, 0.5, 1, 2]), 2, 2, 1);
    expect(Array.from(out)).toEqual([
      0, 0, 0, 255, 128, 128, 128, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    ]);
  });
  it('RGB images keep their three channels', () => {
    const out = imageRgba(Float32Array.from([1, 0, 0.2, -1, 0.4, 1]), 1, 2, 3);
    expect(Array.from(out)).toEqual([255, 0, 51, 255, 0, 102, 255, 255]);
  });
});
