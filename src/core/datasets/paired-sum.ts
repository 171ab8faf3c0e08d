// Two views of each sample: the features a and a field `other` b, with the target sum(a) − sum(b).
// A model reading both (two Input nodes) can fit it exactly only if a and b come from the same row,
// so it is the dataset that checks multi-input row alignment (and a small two-modality example).

import type { DataBinding } from '../node-def.ts';
import { type ParamValues, p } from '../params.ts';
import { defineDataset } from './dataset-def.ts';
import { gatherFields, permutation, VAL_FRACTION, valCount, valueSplit } from './split.ts';

const params = {
  samples: p.int({ default: 256, min: 4, max: 100000, doc: 'Total rows.' }),
  width: p.int({ default: 4, min: 1, max: 256, doc: 'Values per view (features and the other view).' }),
  valFraction: p.float({ ...VAL_FRACTION, doc: 'Fraction of the rows held out for validation.' }),
};

const bindingOf = (v: ParamValues<typeof params>): DataBinding => ({
  name: 'pairedSum',
  featureShape: [v.width],
  labels: { kind: 'values', shape: [1] },
  fields: { other: { shape: [v.width], dtype: 'float32', doc: 'The second view b of the same row.' } },
});

export const pairedSum = defineDataset({
  name: 'pairedSum',
  title: 'Paired views (sum difference)',
  doc:
    'Each row has two independent standard-normal views: the features a and the field `other` b ' +
    '(both `width` values). The target is sum(a) − sum(b), so a linear model over both views fits it ' +
    'exactly, and one over a alone leaves a mean squared error of `width` (the variance of sum(b)).',
  params,
  describe: bindingOf,
  async load(v, rng) {
    const n = v.samples;
    const a = new Float32Array(n * v.width);
    const b = new Float32Array(n * v.width);
    const t = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < v.width; j++) {
        a[i * v.width + j] = rng.normal();
        b[i * v.width + j] = rng.normal();
        s += a[i * v.width + j]! - b[i * v.width + j]!;
      }
      t[i] = s;
    }
    const order = permutation(n, rng);
    const nv = valCount(n, v.valFraction);
    const fields = { other: { values: b, width: v.width } };
    const split = (idx: number[]) => ({
      ...valueSplit(a, v.width, t, 1, idx),
      fields: gatherFields(fields, idx),
    });
    return { binding: bindingOf(v), train: split(order.slice(nv)), val: split(order.slice(0, nv)) };
  },
});
