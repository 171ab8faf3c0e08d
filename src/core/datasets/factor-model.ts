// The P15 template's data (Ge, Tang, Fan, Jin, ICLR 2024, "On the Provable Advantage of Unsupervised
// Pretraining", arXiv 2303.01566; spec P15 "D-factor"): a linear factor model. A ∈ R^{d×k} with
// A_ij ~ N(0, 1) and β ∈ R^k, β ~ N(0, I), are drawn once per seed; every sample draws latent factors
// z ~ N(0, I_k) and noise ε ~ N(0, I_d):  x = A·z + σ·ε,  y = 1[βᵀz > 0]. The training split is the
// unlabeled rows first, then the labeled rows (rows [0, m) and [m, m + n): a document names them
// with binding subsets `rows`); the validation split is the test set. Every row carries its label —
// a phase that trains on the unlabeled rows simply has no head that reads it.
import type { DataBinding } from '../node-def.ts';
import { type ParamValues, p } from '../params.ts';
import type { Rng } from '../rng.ts';
import { defineDataset } from './dataset-def.ts';

const params = {
  unlabeled: p.int({ default: 5000, min: 0, max: 100_000, doc: 'Unlabeled rows m (train rows [0, m)).' }),
  labeled: p.int({ default: 2000, min: 1, max: 100_000, doc: 'Labeled rows (train rows [m, m + labeled)).' }),
  test: p.int({ default: 2000, min: 1, max: 100_000, doc: 'Test rows (the validation split).' }),
  dim: p.int({ default: 50, min: 1, max: 4096, doc: 'Observed dimension d.' }),
  factors: p.int({ default: 5, min: 1, max: 512, doc: 'Latent factors k.' }),
  noise: p.float({ default: 1, min: 0, max: 100, doc: 'Noise scale σ in x = A·z + σ·ε.' }),
};

type V = ParamValues<typeof params>;

const bindingOf = (v: V): DataBinding => ({
  name: 'factorModel',
  featureShape: [v.dim],
  labels: { kind: 'values', shape: [1] },
});

/** One draw of the model: the loadings A (d×k, row-major), β, and each row's factors z (count×k). */
export interface FactorDraw {
  readonly A: Float64Array;
  readonly beta: Float64Array;
  readonly z: Float64Array;
  readonly x: Float32Array;
  readonly y: Float32Array;
  readonly count: number;
}

/**
 * Draws A and β, then `count` rows (z, then ε, per row, in this order from `rng`). Exported so tests
 * can check x − A·z and y against the formulas.
 */
export function drawFactorModel(
  v: Pick<V, 'dim' | 'factors' | 'noise'>,
  count: number,
  rng: Rng,
): FactorDraw {
  const { dim: d, factors: k, noise } = v;
  const A = Float64Array.from({ length: d * k }, () => rng.normal());
  const beta = Float64Array.from({ length: k }, () => rng.normal());
  const z = new Float64Array(count * k);
  const x = new Float32Array(count * d);
  const y = new Float32Array(count);
  for (let r = 0; r < count; r++) {
    let score = 0;
    for (let j = 0; j < k; j++) {
      const zj = rng.normal();
      z[r * k + j] = zj;
      score += beta[j]! * zj;
    }
    for (let i = 0; i < d; i++) {
      let s = 0;
      for (let j = 0; j < k; j++) s += A[i * k + j]! * z[r * k + j]!;
      x[r * d + i] = s + noise * rng.normal();
    }
    y[r] = score > 0 ? 1 : 0;
  }
  return { A, beta, z, x, y, count };
}

export const factorModel = defineDataset({
  name: 'factorModel',
  title: 'Factor model (unlabeled + labeled)',
  doc:
    'Linear factor model of Ge et al. 2024 (P15): x = A·z + σ·ε with A_ij ~ N(0, 1) (d × k, drawn once per seed), ' +
    'z ~ N(0, I_k), ε ~ N(0, I_d); label y = 1[βᵀz > 0] (β ~ N(0, I_k)), a float 0/1 of shape [1]. ' +
    'Training split: the m unlabeled rows first (rows [0, m)), then the labeled rows; validation: the test rows. ' +
    'Name the two parts with binding subsets `rows: [0, m]` and `rows: [m, m + labeled]` and train phases on them.',
  params,
  describe: bindingOf,
  async load(v, rng) {
    const train = v.unlabeled + v.labeled;
    const all = drawFactorModel(v, train + v.test, rng);
    const part = (from: number, to: number) => ({
      x: all.x.slice(from * v.dim, to * v.dim),
      y: all.y.slice(from, to),
      count: to - from,
    });
    return { binding: bindingOf(v), train: part(0, train), val: part(train, train + v.test) };
  },
});
