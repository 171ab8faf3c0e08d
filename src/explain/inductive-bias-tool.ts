// Analysis tool `inductiveBias` (W4, paper P32: Boopathy, Yue, Hwang, Iyer, Fiete, "Towards Exact
// Computation of Inductive Bias", IJCAI 2024, arXiv 2406.15941): how many bits of information a
// hypothesis space needs, beyond the training data, to reach test error ≤ ε. The target node's output
// is the feature map φ(x) of the hypothesis space (linear readouts w ~ N(0, I/M) on it); the first
// `trainRows` context rows are the training set, the rest the test set. K hypotheses are conditioned on
// interpolating the training set (min-norm step from w₀), their test errors above the exact floor
// (the best interpolant's test error) are fitted by a scaled non-central χ² (three moments), and
// I(ε) = −log₂ P(e ≤ ε) is read from the fitted law's tail (∞ when ε is below the floor).
// Maths in src/core/inductive-bias (Float64, no tfjs).
import * as tf from '@tensorflow/tfjs';
import {
  fitScaledChi2,
  inductiveBiasBits,
  noncentralChi2LogCdf,
  sampleMoments,
  scaledChi2Moments,
} from '../core/inductive-bias/chi2.ts';
import { sampleInterpolants } from '../core/inductive-bias/interpolants.ts';
import { type Matrix, takeRows } from '../core/linalg/ridge.ts';
import { p } from '../core/params.ts';
import { createRng } from '../core/rng.ts';
import { stdOf } from '../core/stats.ts';
import { rowsOf, withInferenceFeeds } from './cluster-tool.ts';
import { type AnalysisResult, type AnalysisView, defineAnalysisTool } from './tool.ts';

/** The ε / Var(y) grid of the I(ε) curve. */
export const EPSILON_GRID = [0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1];

/** Population variance (the shared Float64 std, squared). */
const variance = (v: ArrayLike<number>): number => stdOf(v) ** 2;

export const inductiveBiasTool = defineAnalysisTool({
  id: 'inductiveBias',
  title: 'Inductive bias (bits to generalise)',
  doc:
    'Inductive bias (Boopathy, Yue, Hwang, Iyer, Fiete, "Towards Exact Computation of Inductive Bias", IJCAI 2024, ' +
    'arXiv 2406.15941): I(ε) = −log₂ P_{h ~ p(h | h fits D_train)}(e_test(h) ≤ ε). Hypotheses are linear readouts ' +
    'w on the target node’s features φ (M per row) with prior w₀ ~ N(0, I/M); each of K draws is moved to the nearest ' +
    'interpolant of the first `trainRows` rows, w = w₀ + Φᵀ(ΦΦᵀ)⁻¹(y − Φw₀) (Float64 Cholesky), and its test MSE on ' +
    'the remaining rows is recorded. With M finite features the errors have a floor e_floor, the least test MSE of any ' +
    'interpolant (exact: the part of the min-norm interpolant’s test residual outside the span the hypotheses can move ' +
    'in, by pivoted Householder QR). The excess is fitted by e − e_floor ≈ a·χ′²_k(λ) matching m = a(k+λ), v = 2a²(k+2λ), ' +
    'μ₃ = 8a³(k+3λ), and I(ε) = −log₂ F_{χ′²_k(λ)}((ε − e_floor)/a) (Poisson mixture of regularised incomplete gammas, ' +
    'log space); I(ε) = ∞ for ε ≤ e_floor (no hypothesis reaches ε). ' +
    'ε is a fraction of the test targets’ variance. Needs value targets (regression) and more features than training rows.',
  params: {
    trainRows: p.int({
      default: 100,
      min: 1,
      max: 100_000,
      doc: 'The first trainRows context rows are the training set D; the rest are test rows.',
    }),
    hypotheses: p.int({ default: 400, min: 10, max: 100_000, doc: 'K: interpolating hypotheses sampled.' }),
    epsilon: p.float({
      default: 0.1,
      min: 0.0001,
      max: 10,
      step: 0.01,
      doc: 'Target test error ε as a fraction of Var(y_test).',
    }),
    seed: p.int({ default: 1, min: 0, max: 2 ** 31 - 1, doc: 'Seed of the hypothesis draws w₀.' }),
  },
  target: { doc: 'a feature layer [M] (the hypothesis space is a linear readout on it)', ranks: [2] },
  async run(ctx, target, params) {
    const t0 = performance.now();
    if (!ctx.targets)
      throw new Error(
        'analyse/labels: the inductiveBias tool needs value targets (a regression dataset); the context has none',
      );
    let phi: Matrix = { data: new Float64Array(0), rows: 0, cols: 0 };
    tf.tidy(() => {
      const out = ctx.compiled.run(withInferenceFeeds(ctx, target), { training: false }).get(target);
      if (!out) throw new Error(`analyse/node: node '${target}' has no output to use as features`);
      phi = rowsOf(out);
    });
    const rows = phi.rows;
    if (ctx.targets.length !== rows)
      throw new Error(
        `analyse/labels: inductiveBias needs one target value per row (${ctx.targets.length} values for ${rows} rows)`,
      );
    const n = params.trainRows;
    if (rows - n < 3)
      throw new Error(
        `analyse/rows: inductiveBias param 'trainRows' (${n}) leaves ${rows - n} test rows of ${rows}; lower trainRows or add --samples`,
      );
    if (phi.cols <= n)
      throw new Error(
        `analyse/params: node '${target}' has ${phi.cols} features, not more than trainRows (${n}); hypotheses cannot interpolate — lower trainRows or widen the layer`,
      );
    const idx = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);
    const y = ctx.targets.subarray(0, n);
    const yTest = ctx.targets.subarray(n);
    const s = sampleInterpolants(
      takeRows(phi, idx(0, n)),
      y,
      takeRows(phi, idx(n, rows)),
      yTest,
      params.hypotheses,
      createRng(params.seed),
    );
    const varY = variance(yTest);
    const eps = params.epsilon * varY;
    // The law is fitted to the errors above the floor (the best interpolant's test error, exact):
    // e − e_floor ≈ a·χ′²_k(λ); no hypothesis reaches ε ≤ e_floor (I = ∞).
    const floor = s.errorFloor;
    const excess = s.errors.map((e) => Math.max(e - floor, 0));
    const mom = sampleMoments(excess);
    const fit = fitScaledChi2(mom.mean, mom.variance, mom.mu3);
    const fm = scaledChi2Moments(fit);
    const bitsAt = (x: number) => (x > floor ? inductiveBiasBits(x - floor, fit) : Number.POSITIVE_INFINITY);
    const bits = bitsAt(eps);
    // For comparison only: the two-moment fit (λ = 0, a = v/2m, k = 2m²/v), which ignores μ₃ — the
    // moment a few hundred samples resolve worst.
    const central = { a: mom.variance / (2 * mom.mean), k: (2 * mom.mean ** 2) / mom.variance, lambda: 0 };
    const bitsCentral = eps > floor ? inductiveBiasBits(eps - floor, central) : Number.POSITIVE_INFINITY;
    const sorted = Float64Array.from(s.errors).sort();
    const below = sorted.filter((e) => e <= eps).length;
    const figures: Record<string, number | string> = {
      bits,
      'ε / Var(y)': params.epsilon,
      ε: eps,
      'Var(y test)': varY,
      hypotheses: params.hypotheses,
      features: phi.cols,
      'train rows': n,
      'test rows': rows - n,
      'mean error': mom.mean + floor,
      'error variance': mom.variance,
      'error μ3': mom.mu3,
      'error floor (best interpolant)': floor,
      'free test directions rank(B)': s.freeRank,
      'min error': sorted[0]!,
      'min-norm interpolant error': s.meanHypothesisError,
      'fraction ≤ ε (sampled)': below / sorted.length,
      'max train MSE / Var(y)': s.maxTrainMse / (variance(y) || 1),
      a: fit.a,
      k: fit.k,
      λ: fit.lambda,
      'fit method': fit.method,
      'bits (two-moment fit, λ = 0; comparison)': bitsCentral,
      // μ₃'s standard error for near-Gaussian samples, √(6v³/K): how well the sample resolves it.
      'μ3 / its standard error': mom.mu3 / Math.sqrt((6 * mom.variance ** 3) / s.errors.length),
      'fit mean rel. error': Math.abs(fm.mean - mom.mean) / mom.mean,
      'fit variance rel. error': Math.abs(fm.variance - mom.variance) / mom.variance,
    };
    const views: AnalysisView[] = [
      {
        kind: 'curve',
        title: 'inductive bias I(ε) in bits vs ε / Var(y)',
        x: EPSILON_GRID,
        // ε at or below the floor: no hypothesis reaches it (∞ bits).
        y: EPSILON_GRID.map((g) => bitsAt(g * varY)),
      },
    ];
    // Sampled vs fitted distribution: counts per error bin (10 equal bins over the sampled range).
    const lo = sorted[0]!;
    const hi = sorted[sorted.length - 1]!;
    const width = (hi - lo) / 10 || 1;
    const cdf = (x: number) =>
      x > floor ? Math.exp(noncentralChi2LogCdf((x - floor) / fit.a, fit.k, fit.lambda)) : 0;
    views.push({
      kind: 'table',
      columns: ['test error from', 'to', 'sampled', 'fitted law'],
      rows: Array.from({ length: 10 }, (_, b) => {
        const a0 = lo + b * width;
        const a1 = b === 9 ? hi : a0 + width;
        const count = sorted.filter((e) => e >= a0 && (b === 9 ? e <= a1 : e < a1)).length;
        return [
          Number(a0.toPrecision(4)),
          Number(a1.toPrecision(4)),
          count,
          Number(((cdf(a1) - cdf(a0)) * sorted.length).toFixed(1)),
        ];
      }),
    });
    figures.ms = performance.now() - t0;
    return { views, figures } satisfies AnalysisResult;
  },
});
