import { z } from 'zod';
import { imageGeometry, mapImages, rotation } from './image.ts';
import { appliesTo, defineTransform } from './transform-def.ts';

/**
 * The rows of an n-row split the rotate transform turns: all of them at fraction 1 (no draw), else
 * round(fraction·n) rows drawn without replacement from the transform's seeded stream.
 */
export function rotatedRows(n: number, fraction: number, rng: { shuffle<T>(a: T[]): T[] }): Set<number> {
  const all = Array.from({ length: n }, (_, i) => i);
  if (fraction >= 1) return new Set(all);
  return new Set(rng.shuffle(all).slice(0, Math.round(fraction * n)));
}

export const rotate = defineTransform({
  type: 'rotate',
  doc: 'Rotates the images of the split counter-clockwise by `degrees` about its centre (quarter turns exact, other angles bilinear with 0 fill): a shifted domain such as rotated digits. `fraction` < 1 turns only round(fraction·n) seeded rows of each split and leaves the rest, a mixture of the two domains (e.g. 0.5: half 0°, half 45°).',
  schema: z
    .object({
      degrees: z.number().min(-360).max(360),
      split: z.enum(['train', 'val', 'both']).default('both'),
      fraction: z.number().min(0).max(1).default(1),
    })
    .strict(),
  apply(ds, { degrees, split, fraction }, rng) {
    const g = imageGeometry(ds.binding.featureShape, "transform 'rotate'");
    const turnImage = rotation(g, degrees); // the sampling plan once for every image
    const one = (name: 'train' | 'val') => {
      if (!appliesTo(split, name)) return ds[name];
      const turn = rotatedRows(ds[name].count, fraction, rng);
      return {
        ...ds[name],
        x: mapImages(ds[name].x, g, (img, row) => (turn.has(row) ? turnImage(img) : img.slice())),
      };
    };
    return { ...ds, train: one('train'), val: one('val') };
  },
});
