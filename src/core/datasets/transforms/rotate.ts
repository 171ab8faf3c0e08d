import { z } from 'zod';
import { imageGeometry, mapImages, rotateImage } from './image.ts';
import { appliesTo, defineTransform } from './transform-def.ts';

export const rotate = defineTransform({
  type: 'rotate',
  doc: 'Rotates every image of the split counter-clockwise by `degrees` about its centre (quarter turns exact, other angles bilinear with 0 fill): a shifted domain such as rotated digits.',
  schema: z
    .object({
      degrees: z.number().min(-360).max(360),
      split: z.enum(['train', 'val', 'both']).default('both'),
    })
    .strict(),
  apply(ds, { degrees, split }) {
    const g = imageGeometry(ds.binding.featureShape, "transform 'rotate'");
    const one = (name: 'train' | 'val') =>
      appliesTo(split, name)
        ? { ...ds[name], x: mapImages(ds[name].x, g, (img) => rotateImage(img, g, degrees)) }
        : ds[name];
    return { ...ds, train: one('train'), val: one('val') };
  },
});
