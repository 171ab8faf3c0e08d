// Principal component analysis in Float64, dependency-free (pure core: no tfjs). Used by the
// activationMax analysis tool (multifaceted AM: project the top images' features before k-means).
//
//   X row-major [n, d]; μ = column means; C = (X − μ)ᵀ(X − μ) / (n − 1)            (d × d)
//   components v₁ … v_k: the top-k eigenvectors of C, found by power iteration with Hotelling
//   deflation (C ← C − λ v vᵀ after each), each v normalised and its sign fixed so its largest-|·|
//   entry is positive; λ_j = v_jᵀ C v_j; scores Z = (X − μ) V, [n, k].

import type { Matrix } from './ridge.ts';

export interface PcaResult {
  /** Column means [d]. */
  readonly mean: Float64Array;
  /** Row-major [k, d]: component j is row j (unit norm). */
  readonly components: Float64Array;
  /** Eigenvalues of the covariance, descending [k]. */
  readonly variances: Float64Array;
  /** The rows projected on the components, [n, k]. */
  readonly scores: Matrix;
}

/** Sample covariance (n − 1 denominator; n for one row) of the columns of X, d × d, and the means. */
export function covariance(x: Matrix): { mean: Float64Array; cov: Float64Array } {
  const { rows: n, cols: d, data } = x;
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] = mean[j]! + data[i * d + j]!;
  for (let j = 0; j < d; j++) mean[j] = mean[j]! / Math.max(1, n);
  const cov = new Float64Array(d * d);
  const row = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) row[j] = data[i * d + j]! - mean[j]!;
    for (let a = 0; a < d; a++) {
      const ra = row[a]!;
      if (ra === 0) continue;
      for (let b = a; b < d; b++) cov[a * d + b] = cov[a * d + b]! + ra * row[b]!;
    }
  }
  const den = Math.max(1, n - 1);
  for (let a = 0; a < d; a++)
    for (let b = a; b < d; b++) {
      const v = cov[a * d + b]! / den;
      cov[a * d + b] = v;
      cov[b * d + a] = v;
    }
  return { mean, cov };
}

/**
 * The top-k principal components of X's rows. k is capped at min(d, n). Power iteration runs until
 * the direction changes by at most `tol` (1 − |cos|) or `maxIter` rounds per component.
 */
export function pca(x: Matrix, k: number, opts: { maxIter?: number; tol?: number } = {}): PcaResult {
  const { rows: n, cols: d } = x;
  if (!Number.isInteger(k) || k < 1) throw new Error(`pca: k must be a positive integer (got ${k})`);
  const kk = Math.min(k, d, Math.max(1, n));
  const maxIter = opts.maxIter ?? 1000;
  const tol = opts.tol ?? 1e-12;
  const { mean, cov } = covariance(x);
  const a = Float64Array.from(cov);
  const components = new Float64Array(kk * d);
  const variances = new Float64Array(kk);
  const v = new Float64Array(d);
  const w = new Float64Array(d);
  for (let c = 0; c < kk; c++) {
    // Deterministic start not orthogonal to any eigenvector in general: 1 + j/d, normalised.
    for (let j = 0; j < d; j++) v[j] = 1 + (j + 1) / (d + 1) + (c % 2 === 0 ? 0 : (-1) ** j * 0.5);
    normalise(v);
    for (let it = 0; it < maxIter; it++) {
      matVec(a, v, w, d);
      const norm = normalise(w);
      if (norm === 0) break;
      let dot = 0;
      for (let j = 0; j < d; j++) dot += w[j]! * v[j]!;
      v.set(w);
      if (1 - Math.abs(dot) <= tol) break;
    }
    // Sign: the largest-|·| entry positive.
    let big = 0;
    for (let j = 1; j < d; j++) if (Math.abs(v[j]!) > Math.abs(v[big]!)) big = j;
    if (v[big]! < 0) for (let j = 0; j < d; j++) v[j] = -v[j]!;
    matVec(cov, v, w, d);
    let lambda = 0;
    for (let j = 0; j < d; j++) lambda += v[j]! * w[j]!;
    variances[c] = lambda;
    components.set(v, c * d);
    // Deflate with the deflated matrix's own Rayleigh quotient (equal to λ for an exact eigenvector).
    matVec(a, v, w, d);
    let la = 0;
    for (let j = 0; j < d; j++) la += v[j]! * w[j]!;
    for (let p = 0; p < d; p++) for (let q = 0; q < d; q++) a[p * d + q] = a[p * d + q]! - la * v[p]! * v[q]!;
  }
  const scores = new Float64Array(n * kk);
  for (let i = 0; i < n; i++)
    for (let c = 0; c < kk; c++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += (x.data[i * d + j]! - mean[j]!) * components[c * d + j]!;
      scores[i * kk + c] = s;
    }
  return { mean, components, variances, scores: { data: scores, rows: n, cols: kk } };
}

function matVec(a: Float64Array, v: Float64Array, out: Float64Array, d: number): void {
  for (let p = 0; p < d; p++) {
    let s = 0;
    for (let q = 0; q < d; q++) s += a[p * d + q]! * v[q]!;
    out[p] = s;
  }
}

function normalise(v: Float64Array): number {
  let s = 0;
  for (const x of v) s += x * x;
  const n = Math.sqrt(s);
  if (n > 0) for (let j = 0; j < v.length; j++) v[j] = v[j]! / n;
  return n;
}
