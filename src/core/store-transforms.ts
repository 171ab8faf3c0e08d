// Transforms a per-sample store applies to each refresh's values before they are written (W3;
// schema.ts StoreSchema `transform`). Pure TypeScript (no tfjs): the values are [rows × width]
// row-major, accumulated in Float64.

/**
 * DEC's auxiliary target distribution (Xie, Girshick, Farhadi, "Unsupervised Deep Embedding for
 * Clustering Analysis", 2016, arXiv:1511.06335, eq. 3; used by DCEC and DCEAC, arXiv:2106.13559)
 * over the whole store: with soft assignments q [rows × K] and cluster frequencies f_j = Σ_i q_ij,
 *   p_ij = (q_ij² / f_j) / Σ_j′ (q_ij′² / f_j′).
 * A cluster with f_j = 0 contributes 0; a row whose terms are all 0 gets the uniform 1/K.
 * Throws on a negative or non-finite q (soft assignments are probabilities).
 */
export function decTarget(q: ArrayLike<number>, width: number): Float32Array {
  if (!(width >= 1) || q.length % width !== 0)
    throw new Error(`decTarget: ${q.length} values are not rows of width ${width}.`);
  const rows = q.length / width;
  const f = new Float64Array(width);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < width; j++) {
      const v = q[i * width + j]!;
      if (!(v >= 0) || !Number.isFinite(v))
        throw new Error(
          `decTarget: the refreshed value at row ${i}, column ${j} is ${v}; DEC's target needs soft assignments q ≥ 0 (refresh the store from the Student-t clustering node).`,
        );
      f[j] = f[j]! + v;
    }
  const out = new Float32Array(q.length);
  const terms = new Float64Array(width);
  for (let i = 0; i < rows; i++) {
    let sum = 0;
    for (let j = 0; j < width; j++) {
      const v = q[i * width + j]!;
      terms[j] = f[j]! > 0 ? (v * v) / f[j]! : 0;
      sum += terms[j]!;
    }
    for (let j = 0; j < width; j++) out[i * width + j] = sum > 0 ? terms[j]! / sum : 1 / width;
  }
  return out;
}

export type StoreTransform = 'decTarget';

/** `values` after the store's transform (unchanged without one). */
export function applyStoreTransform(
  transform: StoreTransform | undefined,
  values: Float32Array,
  width: number,
): Float32Array {
  if (transform === 'decTarget') return decTarget(values, width);
  return values;
}
