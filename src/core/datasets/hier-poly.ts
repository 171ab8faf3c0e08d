// The P16 template's data (Wang, Nichani, Lee, "Learning Hierarchical Polynomials with Three-Layer
// Neural Networks", ICLR 2024, arXiv 2311.13774): a hierarchical target h(x) = g(p(x)) with a
// quadratic feature p and an outer link g. Per seed: A symmetric with Gaussian entries, scaled to
// ‖A‖_F = 1; x ~ N(0, I_d); p(x) = (xᵀAx − tr A)/√2 (E[p] = 0, Var p = ‖A‖²_F = 1); y = tanh(2p).
// Rows: `train` training rows (P16: 6000, split into halves by the template's row subsets), `test`
// validation rows. Every row carries the field `p` ([1]) so an experiment can read corr(z, p).
import type { DataBinding } from '../node-def.ts';
import { type ParamValues, p } from '../params.ts';
import type { Rng } from '../rng.ts';
import { defineDataset } from './dataset-def.ts';

const params = {
  dim: p.int({ default: 8, min: 1, max: 256, doc: 'Input dimension d (x ~ N(0, I_d)).' }),
  train: p.int({ default: 6000, min: 1, max: 200_000, doc: 'Training rows.' }),
  test: p.int({ default: 2000, min: 1, max: 200_000, doc: 'Test rows (validation split).' }),
  gain: p.float({ default: 2, min: 0, max: 100, doc: 'Gain a of the outer link y = tanh(a·p).' }),
};

type V = ParamValues<typeof params>;

const bindingOf = (v: V): DataBinding => ({
  name: 'hierPoly',
  featureShape: [v.dim],
  labels: { kind: 'values', shape: [1] },
  fields: {
    p: { shape: [1], dtype: 'float32', doc: 'The hidden quadratic feature p(x) = (xᵀAx − tr A)/√2.' },
  },
});

/** A symmetric d × d matrix with Gaussian entries scaled to ‖A‖_F = 1 (row-major), drawn first. Exported for tests. */
export function drawSymmetric(d: number, rng: Rng): Float64Array {
  const a = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j <= i; j++) {
      const v = rng.normal();
      a[i * d + j] = v;
      a[j * d + i] = v;
    }
  const f = Math.sqrt(a.reduce((s, v) => s + v * v, 0)) || 1;
  for (let i = 0; i < a.length; i++) a[i]! /= f;
  return a;
}

/** p(x) = (xᵀAx − tr A)/√2 for one row. */
export function hierP(a: Float64Array, x: ArrayLike<number>, d: number): number {
  let q = 0;
  let tr = 0;
  for (let i = 0; i < d; i++) {
    tr += a[i * d + i]!;
    for (let j = 0; j < d; j++) q += x[i]! * a[i * d + j]! * x[j]!;
  }
  return (q - tr) / Math.SQRT2;
}

export const hierPoly = defineDataset({
  name: 'hierPoly',
  title: 'Hierarchical polynomial y = tanh(2·p(x))',
  doc:
    'x ~ N(0, I_d); A symmetric random with ‖A‖_F = 1 (one per seed); p(x) = (xᵀAx − tr A)/√2 (mean 0, variance 1); y = tanh(a·p), a = 2. ' +
    'Value labels [1]; field `p` holds p(x). P16 (Wang, Nichani, Lee 2024).',
  params,
  describe: bindingOf,
  async load(v, rng) {
    const d = v.dim;
    const a = drawSymmetric(d, rng);
    const draw = (count: number) => {
      const x = new Float32Array(count * d);
      const y = new Float32Array(count);
      const pf = new Float32Array(count);
      const row = new Float64Array(d);
      for (let i = 0; i < count; i++) {
        for (let j = 0; j < d; j++) {
          row[j] = rng.normal();
          x[i * d + j] = row[j]!;
        }
        const pv = hierP(a, row, d);
        pf[i] = pv;
        y[i] = Math.tanh(v.gain * pv);
      }
      return { x, y, count, fields: { p: pf } };
    };
    const train = draw(v.train);
    const val = draw(v.test);
    return { binding: bindingOf(v), train, val };
  },
});
