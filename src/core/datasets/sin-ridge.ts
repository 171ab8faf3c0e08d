// The P32 template's data (Boopathy, Yue, Hwang, Iyer, Fiete, "Towards Exact Computation of Inductive
// Bias", IJCAI 2024, arXiv 2406.15941): a single-index ridge y = sin(⟨w*, x⟩), x ~ N(0, I_d),
// w* a random direction (drawn first from the seed) with ‖w*‖ = `norm` (2). ⟨w*, x⟩ ~ N(0, norm²) for
// every d, so Var(y) = (1 − e^{−2·norm²})/2 does not depend on d: only the dimension of the task
// changes. Rows: `train` training rows (spec: 100), `test` validation rows (spec: 500).
import type { DataBinding } from '../node-def.ts';
import { type ParamValues, p } from '../params.ts';
import type { Rng } from '../rng.ts';
import { defineDataset } from './dataset-def.ts';

const params = {
  d: p.int({ default: 8, min: 1, max: 1024, doc: 'Input dimension d (x ~ N(0, I_d)).' }),
  train: p.int({ default: 100, min: 1, max: 200_000, doc: 'Training rows.' }),
  test: p.int({ default: 500, min: 1, max: 200_000, doc: 'Test rows (validation split).' }),
  norm: p.float({ default: 2, min: 0, max: 100, doc: 'Norm of the ridge direction w*.' }),
};

type V = ParamValues<typeof params>;

const bindingOf = (v: V): DataBinding => ({
  name: 'sinRidge',
  featureShape: [v.d],
  labels: { kind: 'values', shape: [1] },
});

/** The ridge direction w* (length d, ‖w*‖ = norm), the first draw from the seed. Exported for tests. */
export function ridgeDirection(d: number, norm: number, rng: Rng): Float64Array {
  const w = Float64Array.from({ length: d }, () => rng.normal());
  const s = Math.sqrt(w.reduce((a, b) => a + b * b, 0)) || 1;
  for (let i = 0; i < d; i++) w[i] = (w[i]! * norm) / s;
  return w;
}

export const sinRidge = defineDataset({
  name: 'sinRidge',
  title: 'Sine ridge y = sin(⟨w*, x⟩)',
  doc:
    'x ~ N(0, I_d); w* a random direction (one per seed) with ‖w*‖ = 2; y = sin(⟨w*, x⟩), so Var(y) = (1 − e⁻⁸)/2 for every d. ' +
    'Value labels [1]; 100 training and 500 test rows by default. P32 (Boopathy et al., IJCAI 2024, arXiv 2406.15941).',
  params,
  describe: bindingOf,
  async load(v, rng) {
    const d = v.d;
    const w = ridgeDirection(d, v.norm, rng);
    const draw = (count: number) => {
      const x = new Float32Array(count * d);
      const y = new Float32Array(count);
      for (let i = 0; i < count; i++) {
        let s = 0;
        for (let j = 0; j < d; j++) {
          const xj = rng.normal();
          x[i * d + j] = xj;
          s += w[j]! * xj;
        }
        y[i] = Math.sin(s);
      }
      return { x, y, count };
    };
    const train = draw(v.train);
    const val = draw(v.test);
    return { binding: bindingOf(v), train, val };
  },
});
