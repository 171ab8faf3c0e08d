// The MIP hypernetwork template's data (Ortiz, Guttag, Dalca 2023, arXiv 2304.07645; spec P35): every
// sample is one noisy copy of a smooth curve on a fixed sorted grid, so a per-sample smoothness
// penalty (total variation along the grid) is defined and the noise is new in every sample.
import type { DataBinding } from '../node-def.ts';
import { type ParamValues, p } from '../params.ts';
import { defineDataset } from './dataset-def.ts';
import { gatherFields, permutation, VAL_FRACTION, valCount, valueSplit } from './split.ts';

const params = {
  samples: p.int({ default: 800, min: 2, max: 20000, doc: 'Number of noisy copies of the curve.' }),
  points: p.int({
    default: 128,
    min: 2,
    max: 4096,
    doc: 'Grid points N per sample (x evenly spaced in [−1, 1]).',
  }),
  noise: p.float({
    default: 0.3,
    min: 0,
    max: 10,
    step: 0.05,
    doc: 'Standard deviation σ of the target noise.',
  }),
  valFraction: p.float({ ...VAL_FRACTION, doc: 'Fraction of the samples held out for validation.' }),
};

/** The clean curve: f(x) = sin(3πx)·(1 − x²). */
export const sineCurve = (x: number): number => Math.sin(3 * Math.PI * x) * (1 - x * x);

/** Grid point i of n: x_i = −1 + 2i/(n − 1). */
export const gridPoint = (i: number, n: number): number => -1 + (2 * i) / (n - 1);

const bindingOf = (v: ParamValues<typeof params>): DataBinding => ({
  name: 'noisySineGrid',
  featureShape: [v.points, 1],
  labels: { kind: 'values', shape: [v.points, 1] },
  fields: {
    clean: { shape: [v.points, 1], dtype: 'float32', doc: 'The noise-free curve f(x) on the grid.' },
  },
});

export const noisySineGrid = defineDataset({
  name: 'noisySineGrid',
  title: 'Noisy sine on a grid',
  doc:
    'Each sample is the sorted grid x_i = −1 + 2i/(N − 1) (features [N, 1]) with targets ' +
    'y_i = sin(3πx_i)·(1 − x_i²) + σ·ε_i, ε ~ N(0, 1) drawn anew for every sample (labels [N, 1]); the field ' +
    '`clean` holds the noise-free curve. 1-D regression with a smoothness trade-off (the MIP hypernetwork template).',
  params,
  describe: bindingOf,
  async load(v, rng) {
    const n = v.samples;
    const m = v.points;
    const grid = Float32Array.from({ length: m }, (_x, i) => gridPoint(i, m));
    const x = new Float32Array(n * m);
    const y = new Float32Array(n * m);
    const clean = new Float32Array(n * m);
    for (let s = 0; s < n; s++)
      for (let i = 0; i < m; i++) {
        const f = sineCurve(grid[i]!);
        x[s * m + i] = grid[i]!;
        clean[s * m + i] = f;
        y[s * m + i] = f + (v.noise > 0 ? v.noise * rng.normal() : 0);
      }
    const order = permutation(n, rng);
    const nVal = valCount(n, v.valFraction);
    const fields = { clean: { values: clean, width: m } };
    const split = (idx: number[]) => ({ ...valueSplit(x, m, y, m, idx), fields: gatherFields(fields, idx) });
    return { binding: bindingOf(v), train: split(order.slice(nVal)), val: split(order.slice(0, nVal)) };
  },
});
