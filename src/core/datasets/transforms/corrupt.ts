import { z } from 'zod';
import { appliesTo, defineTransform } from './transform-def.ts';

/**
 * Corrupts every feature of a split: replaced by uniform noise (out-of-distribution inputs), plus
 * Gaussian noise, then dropped to 0 with probability `dropout` — a shifted evaluation split such as
 * SDM's noisy digits (σ 0.35, 20% dropout) or its noise-image OOD probe.
 */
export function corruptFeatures(
  x: Float32Array,
  o: { noise: number; dropout: number; replace: 'none' | 'uniform' },
  rng: { next(): number; normal(): number },
): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    let v = o.replace === 'uniform' ? rng.next() : x[i]!;
    if (o.noise > 0) v += o.noise * rng.normal();
    if (o.dropout > 0 && rng.next() < o.dropout) v = 0;
    out[i] = v;
  }
  return out;
}

export const corrupt = defineTransform({
  type: 'corrupt',
  doc: 'Corrupts the features of the split: x ← (replace uniform ? u ~ U[0, 1) : x) + noise·ε, ε ~ N(0, 1), then each feature set to 0 with probability dropout (seeded). A shifted or out-of-distribution evaluation split (evalSplits), e.g. noisy digits with pixel dropout, or pure-noise images.',
  schema: z
    .object({
      noise: z.number().min(0).max(100).default(0),
      dropout: z.number().min(0).max(1).default(0),
      replace: z.enum(['none', 'uniform']).default('none'),
      split: z.enum(['train', 'val', 'both']).default('both'),
    })
    .strict(),
  apply(ds, { noise, dropout, replace, split }, rng) {
    const one = (name: 'train' | 'val') =>
      appliesTo(split, name)
        ? { ...ds[name], x: corruptFeatures(ds[name].x as Float32Array, { noise, dropout, replace }, rng) }
        : ds[name];
    return { ...ds, train: one('train'), val: one('val') };
  },
});
