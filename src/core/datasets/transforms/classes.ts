import { z } from 'zod';
import type { DataBinding } from '../../node-def.ts';
import { classLabels, defineTransform, filterRows } from './transform-def.ts';

const bindingAfter = (b: DataBinding, { keep }: { keep: readonly number[] }): DataBinding => ({
  ...b,
  labels: { kind: 'class', numClasses: keep.length },
});

export const classes = defineTransform({
  type: 'classes',
  doc: 'Keeps only the listed classes in both splits and renumbers them 0..k−1 in the listed order (so the model has k outputs).',
  schema: z.object({ keep: z.array(z.number().int().min(0)).min(2) }).strict(),
  describe: bindingAfter,
  apply(ds, params) {
    classLabels(ds, 'classes');
    const index = new Map(params.keep.map((c, k) => [c, k]));
    const kept = filterRows(ds, 'both', (s) => [...s.y.keys()].filter((i) => index.has(s.y[i]!)));
    const renumber = (s: typeof ds.train) => ({ ...s, y: Int32Array.from(s.y, (c) => index.get(c)!) });
    return {
      ...kept,
      binding: bindingAfter(ds.binding, params),
      train: renumber(kept.train),
      val: renumber(kept.val),
      ...(ds.classNames ? { classNames: params.keep.map((c) => ds.classNames![c] ?? String(c)) } : {}),
    };
  },
});
