import { z } from 'zod';
import type { DataBinding } from '../../node-def.ts';
import { permutation } from '../split.ts';
import { appliesTo, classLabels, defineTransform } from './transform-def.ts';

/** Symmetric label noise: exactly round(p·n) labels, chosen at random, move to a different class. */
const bindingAfter = (b: DataBinding): DataBinding => ({
  ...b,
  fields: { ...b.fields, cleanLabel: { shape: [1], dtype: 'int32', doc: 'The label before noise.' } },
});

export const labelNoise = defineTransform({
  type: 'labelNoise',
  doc: 'Flips exactly round(p·n) randomly chosen labels of the split to a different class (uniform over the other C−1); the true label stays in the field `cleanLabel`.',
  schema: z
    .object({ p: z.number().min(0).max(1), split: z.enum(['train', 'val', 'both']).default('train') })
    .strict(),
  describe: bindingAfter,
  apply(ds, { p, split }, rng) {
    const { numClasses } = classLabels(ds, 'labelNoise');
    const one = (name: 'train' | 'val') => {
      const s = ds[name];
      const clean = Int32Array.from(s.y);
      const y = Int32Array.from(s.y);
      if (appliesTo(split, name))
        for (const i of permutation(s.count, rng).slice(0, Math.round(p * s.count)))
          y[i] = (clean[i]! + 1 + rng.int(numClasses - 1)) % numClasses;
      return { ...s, y, fields: { ...s.fields, cleanLabel: clean } };
    };
    return { ...ds, binding: bindingAfter(ds.binding), train: one('train'), val: one('val') };
  },
});
