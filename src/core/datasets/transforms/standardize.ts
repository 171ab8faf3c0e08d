import { z } from 'zod';
import { columnStats } from '../../fits.ts';
import { matrix } from '../../linalg/ridge.ts';
import { defineTransform } from './transform-def.ts';

/**
 * Per-feature standardisation with the TRAINING split's statistics, applied to both splits
 * (scikit-learn's StandardScaler fitted on train): x′_j = (x_j − μ_j)/σ_j, σ_j the population
 * standard deviation; a constant feature (σ_j = 0) is only centred.
 */
export const standardize = defineTransform({
  type: 'standardize',
  doc: 'Per-feature standardisation with the training split’s mean and standard deviation, applied to both splits: x′_j = (x_j − μ_j)/σ_j (constant features are only centred), as tabular pipelines (StandardScaler) do.',
  schema: z.object({}).strict(),
  apply(ds) {
    const d = ds.binding.featureShape.reduce((a, b) => a * b, 1);
    const tr = ds.train.x;
    const n = ds.train.count;
    const { mean: mu, std: sd } = columnStats(matrix(tr.subarray(0, n * d), n, d), 0);
    const scale = (x: Float32Array, count: number) => {
      const out = new Float32Array(x.length);
      for (let i = 0; i < count; i++)
        for (let j = 0; j < d; j++) {
          const c = x[i * d + j]! - mu[j]!;
          out[i * d + j] = sd[j]! > 0 ? c / sd[j]! : c;
        }
      return out;
    };
    return {
      ...ds,
      train: { ...ds.train, x: scale(ds.train.x, n) },
      val: { ...ds.val, x: scale(ds.val.x, ds.val.count) },
    };
  },
});
