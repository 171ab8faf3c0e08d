import { z } from 'zod';
import { classLabels, defineTransform, filterRows, rowsByClass } from './transform-def.ts';

export const imbalance = defineTransform({
  type: 'imbalance',
  doc: 'Step imbalance: the listed (minority) classes keep round(f·n_c) random rows each, every other class keeps all.',
  schema: z
    .object({
      classes: z.array(z.number().int().min(0)).min(1),
      fraction: z.number().min(0).max(1),
      split: z.enum(['train', 'val', 'both']).default('train'),
    })
    .strict(),
  apply(ds, { classes, fraction, split }, rng) {
    const { numClasses } = classLabels(ds, 'imbalance');
    return filterRows(ds, split, (s) =>
      rng.shuffle(
        rowsByClass(s.y, numClasses).flatMap((rows, c) =>
          classes.includes(c) ? rng.shuffle(rows).slice(0, Math.round(fraction * rows.length)) : rows,
        ),
      ),
    );
  },
});
