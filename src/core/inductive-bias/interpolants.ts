// K random hypotheses that interpolate the training set, for the P32 inductive-bias estimator
// (Boopathy, Yue, Hwang, Iyer, Fiete, "Towards Exact Computation of Inductive Bias", IJCAI 2024,
// arXiv 2406.15941). Hypothesis space: a linear readout w ∈ R^M on fixed features φ(x) with prior
// w₀ ~ N(0, I/M). Conditioning on fitting D_train = (Φ, y) (Φ: n × M, M > n) gives the posterior
// sample the spec's "sample-then-optimise" gradient descent converges to from w₀:
//
//   w = w₀ + Φᵀ(ΦΦᵀ)⁻¹(y − Φw₀)        (the training-set interpolant nearest to w₀)
//
// solved here in closed form (Cholesky of the n × n kernel ΦΦᵀ, Float64; no tfjs). Each test error
// is e_k = mean_t((Φ_test w_k − y_test)²).
import { cholesky, choleskySolve, gramRows, type Matrix, mulTransposed, mulVec } from '../linalg/ridge.ts';
import type { Rng } from '../rng.ts';

export interface InterpolantSample {
  /** Test MSE of each sampled hypothesis. */
  readonly errors: Float64Array;
  /** The largest training MSE over the hypotheses (≈ 0: they interpolate). */
  readonly maxTrainMse: number;
  /** Test MSE of the minimum-norm interpolant Φᵀ(ΦΦᵀ)⁻¹y (the posterior mean). */
  readonly meanHypothesisError: number;
}

/**
 * Draws `count` hypotheses w₀ ~ N(0, I/M) (seeded), moves each to the nearest interpolant of
 * (phiTrain, y), and returns their test errors on (phiTest, yTest). `jitter` (relative to the mean
 * diagonal of ΦΦᵀ) is added to the kernel's diagonal only if its Cholesky factorisation fails.
 */
export function sampleInterpolants(
  phiTrain: Matrix,
  y: ArrayLike<number>,
  phiTest: Matrix,
  yTest: ArrayLike<number>,
  count: number,
  rng: Rng,
): InterpolantSample {
  const n = phiTrain.rows;
  const m = phiTrain.cols;
  if (y.length !== n) throw new Error(`inductiveBias: ${y.length} targets for ${n} training rows`);
  if (yTest.length !== phiTest.rows)
    throw new Error(`inductiveBias: ${yTest.length} targets for ${phiTest.rows} test rows`);
  if (phiTest.cols !== m)
    throw new Error(`inductiveBias: ${phiTest.cols} test features, ${m} training features`);
  if (m <= n)
    throw new Error(
      `inductiveBias: ${m} features cannot interpolate ${n} training rows in general; use more features than training rows`,
    );
  const kernel = gramRows(phiTrain);
  let l: Float64Array;
  try {
    l = cholesky(kernel, n);
  } catch {
    let tr = 0;
    for (let i = 0; i < n; i++) tr += kernel[i * n + i]!;
    const jitter = (1e-10 * tr) / n;
    for (let i = 0; i < n; i++) kernel[i * n + i]! += jitter;
    l = cholesky(kernel, n);
  }
  const testErr = (w: ArrayLike<number>) => {
    const pred = mulVec(phiTest, w);
    let s = 0;
    for (let t = 0; t < pred.length; t++) s += (pred[t]! - yTest[t]!) ** 2;
    return s / Math.max(1, pred.length);
  };
  const wBar = mulTransposed(phiTrain, choleskySolve(l, n, y));
  const errors = new Float64Array(count);
  const sd = 1 / Math.sqrt(m);
  const w = new Float64Array(m);
  let maxTrainMse = 0;
  for (let h = 0; h < count; h++) {
    for (let j = 0; j < m; j++) w[j] = sd * rng.normal();
    const fit = mulVec(phiTrain, w);
    const r = new Float64Array(n);
    for (let i = 0; i < n; i++) r[i] = y[i]! - fit[i]!;
    const step = mulTransposed(phiTrain, choleskySolve(l, n, r));
    for (let j = 0; j < m; j++) w[j]! += step[j]!;
    const trainPred = mulVec(phiTrain, w);
    let tr = 0;
    for (let i = 0; i < n; i++) tr += (trainPred[i]! - y[i]!) ** 2;
    maxTrainMse = Math.max(maxTrainMse, tr / n);
    errors[h] = testErr(w);
  }
  return { errors, maxTrainMse, meanHypothesisError: testErr(wBar) };
}
