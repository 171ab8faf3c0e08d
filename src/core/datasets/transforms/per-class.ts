import { z } from 'zod';
import { classLabels, defineTransform, filterRows, rowsByClass } from './transform-def.ts';

export const perClass = defineTransform({
  type: 'perClass',
  doc: 'Few-shot subsample: min(n, n_c) random rows of every class.',
  schema: z
    .object({ n: z.number().int().min(1), split: z.enum(['train', 'val', 'both']).default('train') })
    .strict(),
  apply(ds, { n, split }, rng) {
    const { numClasses } = classLabels(ds, 'perClass');
    return filterRows(ds, split, (s) =>
      rng.shuffle(rowsByClass(s.y, numClasses).flatMap((rows) => rng.shuffle(rows).slice(0, n))),
    );
  },
});
