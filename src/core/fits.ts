// Closed-form fits (phase kind 'fit'): pure Float64 solves that set a node's weights from the
// phase's training rows instead of gradients. No tfjs here; the trainer (src/trainer/fit-phase.ts)
// collects the rows in inference mode and writes the returned arrays into the node's weights.
//
//   ridge   W = (X̃ᵀX̃ + λI)⁻¹X̃ᵀỸ on centred X̃, Ỹ; b = ȳ − x̄W      (bias not penalised)
//   gaussianNB  μ_c = mean of class c; σ²_{cj} (or pooled σ²_j) + floor; π_c = n_c / n
//   hebbian  J = (1/N) Σ_μ η̄^μ η̄^μᵀ (supervised) or (1/(N·M)) Σ_a η^a η^aᵀ (unsupervised), J_ii = 0

import { type Matrix, matrix, solveShifted } from './linalg/ridge.ts';

/** The rows a fit node sees: its input (row-major [rows, cols]) and the dataset's labels. */
export interface FitData {
  /** The node's input over the phase's training rows, row-major. */
  readonly x: Matrix;
  /** Class index per row (class labels), or row-major values [rows, yCols] (value labels). */
  readonly y?: Float64Array;
  readonly yCols?: number;
  /** Set for class labels. */
  readonly numClasses?: number;
  /**
   * The node's kernel weights as they are before the solve, by name (row-major Float64): a fit that
   * depends on frozen weights the node drew at build time (randomFeatures' centring mean) reads them here.
   */
  readonly weights?: Readonly<Record<string, Float64Array>>;
}

function need<T>(v: T | undefined, what: string): T {
  if (v === undefined) throw new Error(`fit: ${what}`);
  return v;
}

/** Class labels as one-hot targets [rows, K], or value labels as they are. */
export function targetsOf(d: FitData): Matrix {
  const y = need(d.y, 'this fit needs the dataset labels');
  if (d.numClasses !== undefined) {
    const k = d.numClasses;
    const out = new Float64Array(d.x.rows * k);
    for (let i = 0; i < d.x.rows; i++) out[i * k + y[i]!] = 1;
    return { data: out, rows: d.x.rows, cols: k };
  }
  return matrix(y, d.x.rows, d.yCols ?? 1);
}

/**
 * Ridge regression with an unpenalised bias: W [d, k] = (X̃ᵀX̃ + λI)⁻¹ X̃ᵀỸ with X̃ = X − x̄, Ỹ = Y − ȳ,
 * b = ȳ − x̄W. Without bias: W = (XᵀX + λI)⁻¹XᵀY.
 */
export function ridgeFit(
  x: Matrix,
  y: Matrix,
  lambda: number,
  bias: boolean,
): { w: Float64Array; b: Float64Array } {
  const { rows: n, cols: d } = x;
  const k = y.cols;
  const xm = new Float64Array(d);
  const ym = new Float64Array(k);
  if (bias && n > 0) {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) xm[j]! += x.data[i * d + j]! / n;
      for (let j = 0; j < k; j++) ym[j]! += y.data[i * k + j]! / n;
    }
  }
  const g = new Float64Array(d * d);
  const xty = new Float64Array(d * k);
  const row = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) row[j] = x.data[i * d + j]! - xm[j]!;
    for (let a = 0; a < d; a++) {
      const ra = row[a]!;
      if (ra === 0) continue;
      for (let c = 0; c <= a; c++) g[a * d + c]! += ra * row[c]!;
      for (let c = 0; c < k; c++) xty[a * k + c]! += ra * (y.data[i * k + c]! - ym[c]!);
    }
  }
  for (let a = 0; a < d; a++) for (let c = 0; c < a; c++) g[c * d + a] = g[a * d + c]!;
  const w = new Float64Array(d * k);
  for (let c = 0; c < k; c++) {
    const col = new Float64Array(d);
    for (let a = 0; a < d; a++) col[a] = xty[a * k + c]!;
    const s = solveShifted(g, d, lambda, col);
    for (let a = 0; a < d; a++) w[a * k + c] = s[a]!;
  }
  const b = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    let s = ym[c]!;
    for (let a = 0; a < d; a++) s -= xm[a]! * w[a * k + c]!;
    b[c] = bias ? s : 0;
  }
  return { w, b };
}

export interface GaussianNB {
  /** [K, d] class means. */
  readonly means: Float64Array;
  /** [K, d] variances (floor included; every row the same when shared). */
  readonly vars: Float64Array;
  /** [K] log class priors. */
  readonly logPriors: Float64Array;
}

/**
 * Gaussian naive Bayes: μ_c = mean of rows of class c; σ²_{cj} = mean over class c of (x_j − μ_cj)²
 * (or, shared, the mean over ALL rows of (x_j − μ_{y,j})², the pooled within-class variance) + floor;
 * log π_c = log(n_c / n), or −log K when `uniform`. A class with no rows gets μ = 0, σ² = floor + pooled
 * and a prior of 0 (log −Infinity is replaced by log(1e-12) so logits stay finite).
 */
export function gaussianNBFit(
  x: Matrix,
  y: ArrayLike<number>,
  numClasses: number,
  opts: { shared: boolean; floor: number; uniform?: boolean },
): GaussianNB {
  const { rows: n, cols: d } = x;
  const k = numClasses;
  const counts = new Float64Array(k);
  const means = new Float64Array(k * d);
  for (let i = 0; i < n; i++) {
    const c = y[i]!;
    counts[c]!++;
    for (let j = 0; j < d; j++) means[c * d + j]! += x.data[i * d + j]!;
  }
  for (let c = 0; c < k; c++) if (counts[c]! > 0) for (let j = 0; j < d; j++) means[c * d + j]! /= counts[c]!;
  const sq = new Float64Array(k * d);
  const pooled = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const c = y[i]!;
    for (let j = 0; j < d; j++) {
      const e = x.data[i * d + j]! - means[c * d + j]!;
      sq[c * d + j]! += e * e;
      pooled[j]! += (e * e) / n;
    }
  }
  const vars = new Float64Array(k * d);
  for (let c = 0; c < k; c++)
    for (let j = 0; j < d; j++)
      vars[c * d + j] =
        (opts.shared || counts[c] === 0 ? pooled[j]! : sq[c * d + j]! / counts[c]!) + opts.floor;
  const logPriors = new Float64Array(k);
  for (let c = 0; c < k; c++)
    logPriors[c] = opts.uniform ? -Math.log(k) : Math.log(Math.max(counts[c]! / Math.max(n, 1), 1e-12));
  return { means, vars, logPriors };
}

/**
 * The NB head's weights for its linear-in-(x, x²) forward pass: log p(x, c) = x²·A + x·B + b with
 * A [d, K] = −1/(2σ²_{cj}), B [d, K] = μ_cj/σ²_cj, b_c = log π_c − Σ_j (μ²_cj/(2σ²_cj) + ½ log 2πσ²_cj).
 */
export function gaussianNBWeights(
  nb: GaussianNB,
  k: number,
  d: number,
): { quad: Float64Array; lin: Float64Array; bias: Float64Array } {
  const quad = new Float64Array(d * k);
  const lin = new Float64Array(d * k);
  const bias = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    let b = nb.logPriors[c]!;
    for (let j = 0; j < d; j++) {
      const v = nb.vars[c * d + j]!;
      const m = nb.means[c * d + j]!;
      quad[j * k + c] = -0.5 / v;
      lin[j * k + c] = m / v;
      b -= (m * m) / (2 * v) + 0.5 * Math.log(2 * Math.PI * v);
    }
    bias[c] = b;
  }
  return { quad, lin, bias };
}

/**
 * Hebbian couplings [N, N] from examples η (rows of x, N = cols) of K patterns (labels 0..K−1):
 * supervised J = (1/N) Σ_μ η̄^μ η̄^μᵀ with η̄^μ the mean example of pattern μ; unsupervised
 * J = (1/(N·M)) Σ_a η^a η^aᵀ over every example, M = rows / K examples per pattern. Zero diagonal.
 * (The paper's extra 1/ρ̂ scale does not change zero-temperature dynamics and is left out.)
 */
export function hebbianFit(
  x: Matrix,
  y: ArrayLike<number> | undefined,
  numPatterns: number,
  mode: 'sup' | 'unsup',
): Float64Array {
  const { rows, cols: n } = x;
  let vecs: Float64Array[];
  let scale: number;
  if (mode === 'sup') {
    if (!y) throw new Error("fit: supervised Hebbian couplings need each example's pattern label");
    const sums = Array.from({ length: numPatterns }, () => new Float64Array(n));
    const counts = new Float64Array(numPatterns);
    for (let i = 0; i < rows; i++) {
      const c = y[i]!;
      counts[c]!++;
      for (let j = 0; j < n; j++) sums[c]![j]! += x.data[i * n + j]!;
    }
    vecs = sums.map((s, c) => (counts[c]! > 0 ? s.map((v) => v / counts[c]!) : s));
    scale = 1 / n;
  } else {
    vecs = Array.from({ length: rows }, (_, i) => x.data.subarray(i * n, (i + 1) * n));
    scale = 1 / (n * Math.max(rows / Math.max(numPatterns, 1), 1));
  }
  const j = new Float64Array(n * n);
  for (const v of vecs)
    for (let a = 0; a < n; a++) {
      const va = v[a]!;
      if (va === 0) continue;
      const row = a * n;
      for (let b = 0; b < n; b++) j[row + b]! += va * v[b]!;
    }
  for (let a = 0; a < n * n; a++) j[a]! *= scale;
  for (let a = 0; a < n; a++) j[a * n + a] = 0;
  return j;
}

export const toFloat32 = (a: Float64Array): Float32Array => Float32Array.from(a);

/** Elementwise activations the random-feature fits evaluate in Float64 (the kernels' ops). */
export type FeatureActivation = 'relu' | 'tanh' | 'sigmoid' | 'linear';

export function activate(act: FeatureActivation, v: number): number {
  if (act === 'relu') return v > 0 ? v : 0;
  if (act === 'tanh') return Math.tanh(v);
  if (act === 'sigmoid') return 1 / (1 + Math.exp(-v));
  return v;
}

/**
 * Column means of act(X·W) over the rows (X [n, d], W [d, m] row-major): randomFeatures' centring
 * mean, the training-set mean of its uncentred features, in Float64.
 */
export function featureMean(x: Matrix, w: Float64Array, m: number, act: FeatureActivation): Float64Array {
  const { rows: n, cols: d } = x;
  const mean = new Float64Array(m);
  const h = new Float64Array(m);
  for (let i = 0; i < n; i++) {
    h.fill(0);
    for (let a = 0; a < d; a++) {
      const xa = x.data[i * d + a]!;
      if (xa === 0) continue;
      for (let u = 0; u < m; u++) h[u]! += xa * w[a * m + u]!;
    }
    for (let u = 0; u < m; u++) mean[u]! += activate(act, h[u]!) / n;
  }
  return mean;
}

/**
 * Per-column mean and population standard deviation √(mean (x − x̄)² + eps) (standardize's fit).
 * No rows: mean 0, std 1.
 */
export function columnStats(x: Matrix, eps: number): { mean: Float64Array; std: Float64Array } {
  const { rows: n, cols: d } = x;
  const mean = new Float64Array(d);
  const std = new Float64Array(d).fill(1);
  if (n === 0) return { mean, std };
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += x.data[i * d + j]! / n;
  const q = new Float64Array(d);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < d; j++) q[j]! += (x.data[i * d + j]! - mean[j]!) ** 2 / n;
  for (let j = 0; j < d; j++) std[j] = Math.sqrt(q[j]! + eps);
  return { mean, std };
}
