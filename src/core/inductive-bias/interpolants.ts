// K random hypotheses that interpolate the training set, for the P32 inductive-bias estimator
// (Boopathy, Yue, Hwang, Iyer, Fiete, "Towards Exact Computation of Inductive Bias", IJCAI 2024,
// arXiv 2406.15941). Hypothesis space: a linear readout w ∈ R^M on fixed features φ(x) with prior
// w₀ ~ N(0, I/M). Conditioning on fitting D_train = (Φ, y) (Φ: n × M, M > n) gives the posterior
// sample the spec's "sample-then-optimise" gradient descent converges to from w₀:
//
//   w = w₀ + Φᵀ(ΦΦᵀ)⁻¹(y − Φw₀)        (the training-set interpolant nearest to w₀)
//
// solved here in closed form (Cholesky of the n × n kernel ΦΦᵀ, Float64; no tfjs). Each test error
// is e_k = mean_t((Φ_test w_k − y_test)²) = ‖r + B g_k‖²/T with r = Φ_test w̄ − y_test (w̄ the
// min-norm interpolant), B = Φ_test(I − Φᵀ(ΦΦᵀ)⁻¹Φ)/√M and g_k ~ N(0, I_M). With finitely many
// features, range(B) has dimension ≤ M − n and generally misses part of r: the errors carry a floor
//
//   e_floor = min_g ‖r + Bg‖²/T = ‖(I − Π_B) r‖²/T        (the best interpolant's test error)
//
// below which no hypothesis of the space goes (P(e ≤ ε) = 0 for ε < e_floor); e − e_floor is a
// quadratic form in Gaussians without a constant, the shape a·χ′²_k(λ) approximates. Π_B by
// Householder QR of B with column pivoting (rank by a relative tolerance).
import { cholesky, choleskySolve, gramRows, type Matrix, mulTransposed, mulVec } from '../linalg/ridge.ts';
import type { Rng } from '../rng.ts';

export interface InterpolantSample {
  /** Test MSE of each sampled hypothesis. */
  readonly errors: Float64Array;
  /** The largest training MSE over the hypotheses (≈ 0: they interpolate). */
  readonly maxTrainMse: number;
  /** Test MSE of the minimum-norm interpolant Φᵀ(ΦΦᵀ)⁻¹y (the posterior mean). */
  readonly meanHypothesisError: number;
  /** The least test MSE of any interpolant of the space, ‖(I − Π_B) r‖²/T (see above). */
  readonly errorFloor: number;
  /** rank(B): the test-set directions the hypotheses can move in. */
  readonly freeRank: number;
}

/**
 * ‖(I − Π) v‖² where Π projects onto the column span of `a` (rows × cols, row-major; not modified):
 * Householder QR with column pivoting, columns whose remaining norm falls below `relTol` × the
 * largest column norm counted as dependent. Returns the residual and the numerical rank.
 */
export function residualOutsideSpan(
  a: Matrix,
  v: ArrayLike<number>,
  relTol = 1e-10,
): { residual: number; rank: number } {
  const { rows, cols } = a;
  if (v.length !== rows) throw new Error(`residualOutsideSpan: ${v.length} values for ${rows} rows`);
  // Column-major copy: column j at q[j*rows …].
  const q = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) q[j * rows + i] = a.data[i * cols + j]!;
  const b = Float64Array.from(v);
  const norms = new Float64Array(cols);
  let maxNorm = 0;
  for (let j = 0; j < cols; j++) {
    let s = 0;
    for (let i = 0; i < rows; i++) s += q[j * rows + i]! ** 2;
    norms[j] = s;
    maxNorm = Math.max(maxNorm, Math.sqrt(s));
  }
  const order = Array.from({ length: cols }, (_, j) => j);
  let rank = 0;
  const limit = Math.min(rows, cols);
  for (let k = 0; k < limit; k++) {
    // Pivot: the column with the largest remaining norm (recomputed, for accuracy).
    let best = -1;
    let bestNorm = -1;
    for (let c = k; c < cols; c++) {
      const j = order[c]!;
      let s = 0;
      for (let i = k; i < rows; i++) s += q[j * rows + i]! ** 2;
      norms[j] = s;
      if (s > bestNorm) {
        bestNorm = s;
        best = c;
      }
    }
    if (!(Math.sqrt(bestNorm) > relTol * maxNorm)) break;
    [order[k], order[best]] = [order[best]!, order[k]!];
    const p = order[k]!;
    // Householder vector u for column p below row k: H = I − 2uuᵀ/uᵀu zeroes q[p][k+1…].
    const alpha = Math.sqrt(bestNorm) * (q[p * rows + k]! >= 0 ? -1 : 1);
    const u = new Float64Array(rows - k);
    for (let i = k; i < rows; i++) u[i - k] = q[p * rows + i]!;
    u[0]! -= alpha;
    let uu = 0;
    for (let i = 0; i < u.length; i++) uu += u[i]! * u[i]!;
    if (uu > 0) {
      const apply = (x: Float64Array, off: number) => {
        let s = 0;
        for (let i = 0; i < u.length; i++) s += u[i]! * x[off + k + i]!;
        const f = (2 * s) / uu;
        for (let i = 0; i < u.length; i++) x[off + k + i]! -= f * u[i]!;
      };
      for (let c = k; c < cols; c++) apply(q, order[c]! * rows);
      apply(b, 0);
    }
    rank++;
  }
  // After the reflections, the first `rank` entries of b lie in the span; the rest is outside it.
  let residual = 0;
  for (let i = rank; i < rows; i++) residual += b[i]! ** 2;
  return { residual, rank };
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
  // The floor: B = Φ_test(I − Φᵀ K⁻¹Φ) (the 1/√M scale does not change its span), r = Φ_test w̄ − y_test.
  const t = phiTest.rows;
  const kinvPhi = new Float64Array(n * m); // K⁻¹Φ, column by column
  for (let c = 0; c < m; c++) {
    const col = new Float64Array(n);
    for (let i = 0; i < n; i++) col[i] = phiTrain.data[i * m + c]!;
    const s = choleskySolve(l, n, col);
    for (let i = 0; i < n; i++) kinvPhi[i * m + c] = s[i]!;
  }
  const bData = new Float64Array(t * m);
  const tmp = new Float64Array(n);
  for (let r = 0; r < t; r++) {
    // (Φ_test[r] Φᵀ) K⁻¹ Φ, then Φ_test[r] minus it.
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let c = 0; c < m; c++) s += phiTest.data[r * m + c]! * phiTrain.data[i * m + c]!;
      tmp[i] = s;
    }
    for (let c = 0; c < m; c++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += tmp[i]! * kinvPhi[i * m + c]!;
      bData[r * m + c] = phiTest.data[r * m + c]! - s;
    }
  }
  const rMean = mulVec(phiTest, wBar);
  for (let r = 0; r < t; r++) rMean[r]! -= yTest[r]!;
  const floor = residualOutsideSpan({ data: bData, rows: t, cols: m }, rMean);
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
  return {
    errors,
    maxTrainMse,
    meanHypothesisError: testErr(wBar),
    errorFloor: floor.residual / Math.max(1, t),
    freeRank: floor.rank,
  };
}
