import { z } from 'zod';
import type { DataBinding } from '../../node-def.ts';
import { classLabels, defineTransform, filterRows } from './transform-def.ts';

const bindingAfter = (b: DataBinding): DataBinding => ({
  ...b,
  fields: {
    ...b.fields,
    known: { shape: [1], dtype: 'float32', doc: '1: class seen in training; 0: novel.' },
  },
});

export const hideClasses = defineTransform({
  type: 'hideClasses',
  doc: 'Open-set split: the listed classes are removed from the training split (they stay in validation as novel classes); every row gets the field `known` = 1 for a class seen in training, 0 for a novel one. With keepRows the hidden classes’ training rows stay as unlabelled rows (known = 0): a masked loss fed `known` skips them while unsupervised terms (reconstruction) still read them — the novel-class-discovery setting; their stored labels are then for evaluation only.',
  schema: z
    .object({ classes: z.array(z.number().int().min(0)).min(1), keepRows: z.boolean().optional() })
    .strict(),
  describe: bindingAfter,
  apply(ds, params) {
    classLabels(ds, 'hideClasses');
    const hidden = new Set(params.classes);
    const kept = params.keepRows
      ? ds
      : filterRows(ds, 'train', (s) => [...s.y.keys()].filter((i) => !hidden.has(s.y[i]!)));
    const withKnown = (s: typeof ds.train) => ({
      ...s,
      fields: { ...s.fields, known: Float32Array.from(s.y, (c) => (hidden.has(c) ? 0 : 1)) },
    });
    return {
      ...kept,
      binding: bindingAfter(ds.binding),
      train: withKnown(kept.train),
      val: withKnown(kept.val),
    };
  },
});
