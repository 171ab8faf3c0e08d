import { z } from 'zod';
import type { DataBinding } from '../../node-def.ts';
import { type ImageGeometry, imageGeometry, mapImages } from './image.ts';
import { defineTransform } from './transform-def.ts';

function pooled(shape: readonly number[], size: number): { g: ImageGeometry; out: ImageGeometry } {
  const g = imageGeometry(shape, "transform 'pool'");
  if (g.h % size !== 0 || g.w % size !== 0)
    throw new Error(
      `transform 'pool': size ${size} does not divide the ${g.h}×${g.w} images; pick a divisor.`,
    );
  return { g, out: { h: g.h / size, w: g.w / size, c: g.c } };
}

function pooledBinding(b: DataBinding, size: number): DataBinding {
  const { out } = pooled(b.featureShape, size);
  return {
    ...b,
    featureShape: b.featureShape.length === 3 ? [out.h, out.w, out.c] : [out.h * out.w * out.c],
  };
}

/** Mean of each size×size block, per channel. */
export function poolImage(img: Float32Array, g: ImageGeometry, size: number): Float32Array {
  const w = g.w / size;
  const out = new Float32Array((g.h / size) * w * g.c);
  for (let i = 0; i < g.h; i++)
    for (let j = 0; j < g.w; j++)
      for (let k = 0; k < g.c; k++)
        out[(Math.floor(i / size) * w + Math.floor(j / size)) * g.c + k]! +=
          img[(i * g.w + j) * g.c + k]! / (size * size);
  return out;
}

export const pool = defineTransform({
  type: 'pool',
  doc: 'Average-pools every image over size×size blocks in both splits ([H, W, C] → [H/s, W/s, C]; a flat square stays flat): smaller, faster inputs.',
  schema: z.object({ size: z.number().int().min(2).max(16) }).strict(),
  describe: (b, { size }) => pooledBinding(b, size),
  apply(ds, params) {
    const { g, out } = pooled(ds.binding.featureShape, params.size);
    const one = (name: 'train' | 'val') => ({
      ...ds[name],
      x: mapImages(ds[name].x, g, (img) => poolImage(img, g, params.size), out.h * out.w * out.c),
    });
    return { ...ds, binding: pooledBinding(ds.binding, params.size), train: one('train'), val: one('val') };
  },
});
