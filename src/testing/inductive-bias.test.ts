// P32 (inductive-bias-meter): the Float64 maths of src/core/inductive-bias against independent
// references — log Γ, log P(s, x) and the (non-)central χ² log-CDF against SciPy 1.17 values
// (scipy.special.gammaln / gammainc, scipy.stats.chi2 / ncx2 logcdf, computed once and pasted here),
// the χ²₂ closed form 1 − e^{−x/2} deep in the tail, the k = 1 closed form Φ(√x − μ) − Φ(−√x − μ);
// the three-moment fit recovering (a, k, λ) from exact moments; the interpolants against the
// closed-form mean and variance of e = ‖r + Bg‖²/T (Gauss–Jordan projector, not Cholesky); the
// error floor against the constrained least-squares optimum (KKT system by Gauss–Jordan) and the
// span residual against the normal equations; the
// sinRidge generator; and the tool end to end on a tiny frozen feature graph (no tensor leaks).
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileIR } from '../compiler/compile.ts';
import { analyseText } from '../core/analysis/analyse.ts';
import { loadBinding } from '../core/datasets/binding.ts';
import { ridgeDirection, sinRidge } from '../core/datasets/sin-ridge.ts';
import {
  fitScaledChi2,
  inductiveBiasBits,
  logGamma,
  logLowerGammaP,
  noncentralChi2LogCdf,
  sampleMoments,
  scaledChi2Moments,
} from '../core/inductive-bias/chi2.ts';
import { residualOutsideSpan, sampleInterpolants } from '../core/inductive-bias/interpolants.ts';
import { type Matrix, matrix, takeRows } from '../core/linalg/ridge.ts';
import { lowerGraph } from '../core/lower.ts';
import { resolveParams } from '../core/params.ts';
import { createRng } from '../core/rng.ts';
import { inductiveBiasTool } from '../explain/inductive-bias-tool.ts';
import { nodeDatasetIO } from '../node/dataset-io.ts';
import { loadRegistry } from '../node/discover-nodes.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.env().set('PROD', true);
});

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);

describe('log Γ and the regularised incomplete gamma (SciPy values)', () => {
  it('logGamma matches scipy.special.gammaln', () => {
    for (const [z, v] of [
      [0.1, 2.252712651734206],
      [1.5, -0.12078223763524526],
      [10.3, 13.482036786138359],
      [171.2, 707.60092684767],
    ] as const)
      expect(rel(logGamma(z), v)).toBeLessThan(1e-12);
    expect(logGamma(1)).toBeCloseTo(0, 13);
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 13);
  });
  it('log P(s, x) matches log(scipy.special.gammainc) on both branches (series and continued fraction)', () => {
    for (const [s, x, v] of [
      [0.5, 0.2, -0.7488486120296322],
      [3.5, 10, -0.005585251592436021],
      [40, 20, -9.84141409631744],
      [2, 1e-5, -23.71900477716429],
    ] as const)
      expect(rel(logLowerGammaP(s, x), v)).toBeLessThan(1e-9);
    expect(logLowerGammaP(3, 0)).toBe(Number.NEGATIVE_INFINITY);
  });
});

describe('non-central χ² log-CDF', () => {
  it('matches scipy.stats.ncx2.logcdf, tails included', () => {
    for (const [x, k, l, v] of [
      [1.0, 3, 2.0, -2.4318614163385446],
      [5.0, 4, 10.0, -2.7107322920020134],
      [0.01, 10, 5.0, -33.781162218673124],
      [50, 20, 30, -0.6367910918345042],
      [0.5, 2.5, 0.7, -2.306899775733727],
      [300, 150, 100, -0.035215985462136265],
      [20, 150, 100, -132.74141407079264],
      [2000, 10, 3000, -54.6718380015035],
    ] as const)
      expect(rel(noncentralChi2LogCdf(x, k, l), v)).toBeLessThan(1e-8);
  });
  it('central (λ = 0) matches scipy.stats.chi2.logcdf down to 10⁻¹³³', () => {
    for (const [x, k, v] of [
      [0.001, 5, -20.203586888390344],
      [1e-4, 50, -305.59084211330503],
      [3.0, 7, -2.162842556399792],
      [200, 100, -1.178450079041701e-8],
    ] as const)
      expect(rel(noncentralChi2LogCdf(x, k, 0), v)).toBeLessThan(1e-8);
  });
  it('χ²₂: log(1 − e^{−x/2}) exactly, from 10⁻¹² to 40', () => {
    // log(−expm1(−x/2)) keeps the small-x digits, log1p(−e^{−x/2}) the large-x ones.
    const ref = (x: number) => (x < 1 ? Math.log(-Math.expm1(-x / 2)) : Math.log1p(-Math.exp(-x / 2)));
    for (const x of [1e-12, 1e-6, 0.3, 2, 9, 40])
      expect(rel(noncentralChi2LogCdf(x, 2, 0), ref(x))).toBeLessThan(1e-10);
  });
  it('k = 1: P((Z + μ)² ≤ x) = Φ(√x − μ) − Φ(−√x − μ), λ = μ² (Φ by Float64 Simpson quadrature)', () => {
    const phi = (t: number) => {
      // Φ(t) − Φ(−6) by composite Simpson on the normal density (2000 panels), plus Φ(−6) ≈ 9.87e-10.
      const lo = -12;
      const steps = 4000;
      const h = (t - lo) / steps;
      const f = (u: number) => Math.exp((-u * u) / 2) / Math.sqrt(2 * Math.PI);
      let s = f(lo) + f(t);
      for (let i = 1; i < steps; i++) s += f(lo + i * h) * (i % 2 ? 4 : 2);
      return (s * h) / 3;
    };
    for (const [x, mu] of [
      [0.5, 1],
      [4, 2],
      [9, 0.5],
      [1, 3],
    ] as const) {
      const ref = phi(Math.sqrt(x) - mu) - phi(-Math.sqrt(x) - mu);
      expect(rel(Math.exp(noncentralChi2LogCdf(x, 1, mu * mu)), ref)).toBeLessThan(1e-7);
    }
  });
  it('bits = −log₂ F(ε/a): 1 bit at the median of a·χ²₂ (a ln 4), 10 bits where F = 2⁻¹⁰', () => {
    const a = 0.3;
    expect(inductiveBiasBits(a * 2 * Math.LN2, { a, k: 2, lambda: 0 })).toBeCloseTo(1, 10);
    const x = -2 * Math.log1p(-(2 ** -10)); // 1 − e^{−x/2} = 2⁻¹⁰
    expect(inductiveBiasBits(a * x, { a, k: 2, lambda: 0 })).toBeCloseTo(10, 8);
  });
});

describe('three-moment fit of a·χ′²_k(λ)', () => {
  it('recovers (a, k, λ) from exact moments', () => {
    for (const f of [
      { a: 0.01, k: 40, lambda: 7 },
      { a: 2, k: 3, lambda: 0.5 },
      { a: 0.5, k: 5, lambda: 60 },
    ]) {
      const m = scaledChi2Moments(f);
      const g = fitScaledChi2(m.mean, m.variance, m.mu3);
      expect(g.method).toBe('three-moment');
      expect(rel(g.a, f.a)).toBeLessThan(1e-9);
      expect(rel(g.k, f.k)).toBeLessThan(1e-8);
      expect(rel(g.lambda, f.lambda)).toBeLessThan(1e-7);
    }
  });
  it('central χ² moments give λ = 0; skew outside the family falls back and still matches mean and variance', () => {
    const c = fitScaledChi2(6, 12, 8 * 6 * 2); // a = 1, k = 6: μ₃ = 8k = 48 (here m·μ₃ = 2v² exactly)
    expect(c.lambda).toBeCloseTo(0, 8);
    expect(c.a).toBeCloseTo(1, 8);
    for (const [m, v, mu3, method] of [
      [1, 0.5, 10, 'central'], // m·μ₃ > 2v²
      [1, 0.5, 0, 'k-floor'], // no skew
    ] as const) {
      const g = fitScaledChi2(m, v, mu3);
      expect(g.method).toBe(method);
      const gm = scaledChi2Moments(g);
      expect(rel(gm.mean, m)).toBeLessThan(1e-9);
      expect(rel(gm.variance, v)).toBeLessThan(1e-9);
    }
  });
  it('recovers the law from Monte-Carlo draws of a·Σ(z_i + δ_i)² (sample moments, 40 000 draws)', () => {
    const rng = createRng(3);
    const k = 6;
    const delta = [1.5, 1, 0, 0.5, 0, 0];
    const lambda = delta.reduce((s, d) => s + d * d, 0);
    const a = 0.2;
    const e = Float64Array.from({ length: 40_000 }, () => {
      let s = 0;
      for (let i = 0; i < k; i++) s += (rng.normal() + delta[i]!) ** 2;
      return a * s;
    });
    const m = sampleMoments(e);
    const exact = scaledChi2Moments({ a, k, lambda });
    expect(rel(m.mean, exact.mean)).toBeLessThan(0.02);
    expect(rel(m.variance, exact.variance)).toBeLessThan(0.05);
    const g = fitScaledChi2(m.mean, m.variance, m.mu3);
    // The fitted CDF at the sample's 5 % quantile is ≈ 5 %.
    const q = Float64Array.from(e).sort()[2000]!;
    expect(Math.exp(noncentralChi2LogCdf(q / g.a, g.k, g.lambda))).toBeGreaterThan(0.04);
    expect(Math.exp(noncentralChi2LogCdf(q / g.a, g.k, g.lambda))).toBeLessThan(0.06);
  });
});

/** Gauss–Jordan inverse (partial pivoting) of a small dense matrix: independent of the Cholesky path. */
function inverse(a: Float64Array, n: number): Float64Array {
  const m = new Float64Array(n * 2 * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) m[i * 2 * n + j] = a[i * n + j]!;
    m[i * 2 * n + n + i] = 1;
  }
  const w = 2 * n;
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r * w + c]!) > Math.abs(m[piv * w + c]!)) piv = r;
    for (let j = 0; j < w; j++) [m[c * w + j], m[piv * w + j]] = [m[piv * w + j]!, m[c * w + j]!];
    const p = m[c * w + c]!;
    for (let j = 0; j < w; j++) m[c * w + j]! /= p;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r * w + c]!;
      for (let j = 0; j < w; j++) m[r * w + j]! -= f * m[c * w + j]!;
    }
  }
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i * n + j] = m[i * w + n + j]!;
  return out;
}

const randomMatrix = (rows: number, cols: number, rng: ReturnType<typeof createRng>): Matrix =>
  matrix(
    Array.from({ length: rows * cols }, () => rng.normal()),
    rows,
    cols,
  );

describe('interpolating hypotheses', () => {
  it('every hypothesis interpolates; the errors’ mean and variance match the closed form of ‖r + Bg‖²/T', () => {
    const rng = createRng(11);
    const n = 4;
    const m = 10;
    const t = 6;
    const phi = randomMatrix(n, m, rng);
    const phiT = randomMatrix(t, m, rng);
    const y = Array.from({ length: n }, () => rng.normal());
    const yT = Array.from({ length: t }, () => rng.normal());
    // Reference: P⊥ = I − Φᵀ(ΦΦᵀ)⁻¹Φ, w̄ = Φᵀ(ΦΦᵀ)⁻¹y by Gauss–Jordan; e = ‖r + B g‖²/T with
    // r = Φ_T w̄ − y_T, B = Φ_T P⊥/√M, g ~ N(0, I_M): E e = (‖r‖² + tr BBᵀ)/T,
    // Var e = (2 tr (BBᵀ)² + 4 rᵀBBᵀr)/T².
    const kk = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let c = 0; c < m; c++) s += phi.data[i * m + c]! * phi.data[j * m + c]!;
        kk[i * n + j] = s;
      }
    const kinv = inverse(kk, n);
    const proj = new Float64Array(m * m); // Φᵀ K⁻¹ Φ
    for (let a = 0; a < m; a++)
      for (let b = 0; b < m; b++) {
        let s = 0;
        for (let i = 0; i < n; i++)
          for (let j = 0; j < n; j++) s += phi.data[i * m + a]! * kinv[i * n + j]! * phi.data[j * m + b]!;
        proj[a * m + b] = s;
      }
    const wBar = new Float64Array(m);
    for (let a = 0; a < m; a++)
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) wBar[a]! += phi.data[i * m + a]! * kinv[i * n + j]! * y[j]!;
    const r = Array.from({ length: t }, (_, i) => {
      let s = -yT[i]!;
      for (let a = 0; a < m; a++) s += phiT.data[i * m + a]! * wBar[a]!;
      return s;
    });
    const bMat = new Float64Array(t * m);
    for (let i = 0; i < t; i++)
      for (let b = 0; b < m; b++) {
        let s = 0;
        for (let a = 0; a < m; a++) s += phiT.data[i * m + a]! * ((a === b ? 1 : 0) - proj[a * m + b]!);
        bMat[i * m + b] = s / Math.sqrt(m);
      }
    const bbt = new Float64Array(t * t);
    for (let i = 0; i < t; i++)
      for (let j = 0; j < t; j++) {
        let s = 0;
        for (let c = 0; c < m; c++) s += bMat[i * m + c]! * bMat[j * m + c]!;
        bbt[i * t + j] = s;
      }
    let tr = 0;
    let tr2 = 0;
    let rbr = 0;
    for (let i = 0; i < t; i++) {
      tr += bbt[i * t + i]!;
      for (let j = 0; j < t; j++) {
        tr2 += bbt[i * t + j]! * bbt[j * t + i]!;
        rbr += r[i]! * bbt[i * t + j]! * r[j]!;
      }
    }
    const r2 = r.reduce((s, v) => s + v * v, 0);
    const meanRef = (r2 + tr) / t;
    const varRef = (2 * tr2 + 4 * rbr) / (t * t);

    const count = 40_000;
    const s = sampleInterpolants(phi, y, phiT, yT, count, createRng(5));
    expect(s.maxTrainMse).toBeLessThan(1e-20);
    expect(rel(s.meanHypothesisError, r2 / t)).toBeLessThan(1e-9);
    const mom = sampleMoments(s.errors);
    // Standard error of the mean √(varRef/count): within 4 SE; variance within 5 %.
    expect(Math.abs(mom.mean - meanRef)).toBeLessThan(4 * Math.sqrt(varRef / count));
    expect(rel(mom.variance, varRef)).toBeLessThan(0.05);
  });
  it('the error floor is the constrained least-squares optimum (KKT system by Gauss–Jordan); no sample goes below it', () => {
    const rng = createRng(21);
    const n = 3;
    const m = 7;
    const t = 9; // t > M − n: the hypotheses cannot reach every test residual
    const phi = randomMatrix(n, m, rng);
    const phiT = randomMatrix(t, m, rng);
    const y = Array.from({ length: n }, () => rng.normal());
    const yT = Array.from({ length: t }, () => rng.normal());
    // min_w ‖Φ_T w − y_T‖² subject to Φ w = y: [2Φ_TᵀΦ_T  Φᵀ; Φ  0] [w; μ] = [2Φ_Tᵀy_T; y].
    const size = m + n;
    const kkt = new Float64Array(size * size);
    const rhs = new Float64Array(size);
    for (let a = 0; a < m; a++) {
      for (let b = 0; b < m; b++) {
        let s = 0;
        for (let i = 0; i < t; i++) s += phiT.data[i * m + a]! * phiT.data[i * m + b]!;
        kkt[a * size + b] = 2 * s;
      }
      for (let i = 0; i < n; i++) {
        kkt[a * size + m + i] = phi.data[i * m + a]!;
        kkt[(m + i) * size + a] = phi.data[i * m + a]!;
      }
      let s = 0;
      for (let i = 0; i < t; i++) s += phiT.data[i * m + a]! * yT[i]!;
      rhs[a] = 2 * s;
    }
    for (let i = 0; i < n; i++) rhs[m + i] = y[i]!;
    const inv = inverse(kkt, size);
    const w = Array.from({ length: m }, (_, a) => {
      let s = 0;
      for (let j = 0; j < size; j++) s += inv[a * size + j]! * rhs[j]!;
      return s;
    });
    let ref = 0;
    for (let i = 0; i < t; i++) {
      let s = -yT[i]!;
      for (let a = 0; a < m; a++) s += phiT.data[i * m + a]! * w[a]!;
      ref += s * s;
    }
    ref /= t;
    const s = sampleInterpolants(phi, y, phiT, yT, 2000, createRng(4));
    expect(ref).toBeGreaterThan(0.01); // a real floor, not a trivial zero
    expect(rel(s.errorFloor, ref)).toBeLessThan(1e-9);
    expect(s.freeRank).toBe(m - n);
    for (const e of s.errors) expect(e).toBeGreaterThanOrEqual(s.errorFloor * (1 - 1e-12));
    // Fewer test rows than free directions: every test residual is reachable, the floor is 0.
    const few = sampleInterpolants(phi, y, takeRows(phiT, [0, 1, 2]), yT.slice(0, 3), 5, createRng(4));
    expect(few.freeRank).toBe(3);
    expect(few.errorFloor).toBeLessThan(1e-24);
  });
  it('residualOutsideSpan: ‖v‖² − vᵀA(AᵀA)⁻¹Aᵀv (normal equations by Gauss–Jordan); dependent columns add nothing', () => {
    const rng = createRng(8);
    const rows = 8;
    const c = randomMatrix(rows, 3, rng);
    const v = Array.from({ length: rows }, () => rng.normal());
    const ata = new Float64Array(9);
    const atv = new Float64Array(3);
    for (let a = 0; a < 3; a++) {
      for (let b = 0; b < 3; b++)
        for (let i = 0; i < rows; i++) ata[a * 3 + b]! += c.data[i * 3 + a]! * c.data[i * 3 + b]!;
      for (let i = 0; i < rows; i++) atv[a]! += c.data[i * 3 + a]! * v[i]!;
    }
    const inv = inverse(ata, 3);
    let proj = 0;
    for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) proj += atv[a]! * inv[a * 3 + b]! * atv[b]!;
    const ref = v.reduce((s, x) => s + x * x, 0) - proj;
    const got = residualOutsideSpan(c, v);
    expect(got.rank).toBe(3);
    expect(rel(got.residual, ref)).toBeLessThan(1e-10);
    // [C, C·G, 0]: 3 more columns in C's span and a zero column — same residual, rank 3.
    const g = [0.5, -1, 2, 1.5, 0.25, -0.75, 3, 1, -2];
    const wide = new Float64Array(rows * 7);
    for (let i = 0; i < rows; i++)
      for (let j = 0; j < 7; j++) {
        let x = 0;
        if (j < 3) x = c.data[i * 3 + j]!;
        else if (j < 6) for (let a = 0; a < 3; a++) x += c.data[i * 3 + a]! * g[a * 3 + (j - 3)]!;
        wide[i * 7 + j] = x;
      }
    const w = residualOutsideSpan(matrix(wide, rows, 7), v);
    expect(w.rank).toBe(3);
    expect(rel(w.residual, ref)).toBeLessThan(1e-8);
  });
  it('refuses fewer features than training rows, naming the fix', () => {
    const rng = createRng(1);
    expect(() =>
      sampleInterpolants(randomMatrix(5, 4, rng), [1, 2, 3, 4, 5], randomMatrix(2, 4, rng), [1, 2], 3, rng),
    ).toThrow(/use more features than training rows/);
  });
});

describe('sinRidge', () => {
  it('seeded; y = sin(⟨w*, x⟩) with ‖w*‖ = 2 recomputed; Var(y) ≈ (1 − e⁻⁸)/2', async () => {
    const io = nodeDatasetIO;
    const v = resolveParams(sinRidge.params, { d: 5, train: 50, test: 4000 }).values as Parameters<
      typeof sinRidge.load
    >[0];
    const a = await sinRidge.load(v, createRng(9), io);
    const b = await sinRidge.load(v, createRng(9), io);
    expect(a.val.x).toEqual(b.val.x);
    const w = ridgeDirection(5, 2, createRng(9));
    expect(Math.hypot(...w)).toBeCloseTo(2, 12);
    const y = a.val.y as Float32Array;
    for (let i = 0; i < 20; i++) {
      let s = 0;
      for (let j = 0; j < 5; j++) s += w[j]! * a.val.x[i * 5 + j]!;
      expect(y[i]!).toBeCloseTo(Math.sin(s), 5);
    }
    const mean = y.reduce((s, x) => s + x, 0) / y.length;
    const varY = y.reduce((s, x) => s + (x - mean) ** 2, 0) / y.length;
    expect(Math.abs(varY - (1 - Math.exp(-8)) / 2)).toBeLessThan(0.03);
    expect(a.train.count).toBe(50);
    expect(a.binding.featureShape).toEqual([5]);
  });
});

describe('inductiveBias tool', () => {
  it('runs on a frozen feature layer: interpolants, fitted law, bits; errors name the fix; no leaks', async () => {
    const registry = await loadRegistry();
    const doc = {
      format: 'netwright.graph',
      formatVersion: 2,
      nodes: {
        input: { type: 'io.input', v: 1, params: { shape: [3] } },
        features: { type: 'layers.randomReluFeatures', v: 1, params: { units: 64 } },
        readout: { type: 'layers.dense', v: 1, params: { units: 1, useBias: false } },
        loss: { type: 'losses.meanSquaredError', v: 1, params: {} },
      },
      edges: {
        e1: { from: { node: 'input', port: 'y' }, to: { node: 'features', port: 'x' } },
        e2: { from: { node: 'features', port: 'y' }, to: { node: 'readout', port: 'x' } },
        e3: { from: { node: 'readout', port: 'y' }, to: { node: 'loss', port: 'pred' } },
      },
      training: {
        dataset: { name: 'sinRidge', params: { d: 3, train: 20, test: 60 } },
        optimizer: { type: 'optimizers.adam', params: { learningRate: 0.01 } },
        batchSize: 20,
        epochs: 1,
        seed: 1,
      },
    };
    const a = analyseText(JSON.stringify(doc), registry);
    const lowered = lowerGraph(a, registry);
    expect(lowered.ir, lowered.diagnostics.map((d) => d.message).join('; ')).toBeTruthy();
    const compiled = compileIR(lowered.ir!, registry, { seed: 1 });
    const data = await loadBinding(lowered.ir!.training!.dataset, createRng(1), nodeDatasetIO);
    const inputId = lowered.ir!.nodes.find((n) => n.op.kind === 'input' && !n.op.trainingOnly)!.id;
    const rows = 80;
    const x = tf.tensor2d([...data.train.x, ...data.val.x], [rows, 3]);
    const targets = Float32Array.from([...(data.train.y as Float32Array), ...(data.val.y as Float32Array)]);
    const before = tf.memory().numTensors;
    try {
      const params = resolveParams(inductiveBiasTool.params, { trainRows: 20, hypotheses: 200 })
        .values as Parameters<typeof inductiveBiasTool.run>[2];
      const ctx = { compiled, feeds: { [inputId]: x }, imageInput: inputId, scores: 'readout', targets };
      const { targets: _t, ...noTargets } = ctx;
      const r = await inductiveBiasTool.run(ctx, 'features', params);
      const f = r.figures as Record<string, number>;
      expect(f['max train MSE / Var(y)']).toBeLessThan(1e-12);
      expect(f.features).toBe(64);
      expect(f['test rows']).toBe(60);
      // The node's features are ReLU(xW + b), recomputed in Float64 from its frozen weights.
      const [kernel, bias] = compiled.weights(['features']).map((v) => Array.from(v.read().dataSync()));
      expect(kernel!.length).toBe(3 * 64);
      expect(bias!.length).toBe(64);
      const phi = tf.tidy(() =>
        Array.from(
          compiled
            .run({ [inputId]: x }, { training: false })
            .get('features')!
            .dataSync(),
        ),
      );
      for (const i of [0, 17, 79])
        for (let j = 0; j < 64; j++) {
          let z = bias![j]!;
          for (let c = 0; c < 3; c++) z += x.arraySync()[i]![c]! * kernel![c * 64 + j]!;
          expect(phi[i * 64 + j]!).toBeCloseTo(Math.max(0, z), 4);
        }
      // 60 test rows > M − n = 44 free directions (fewer where a ReLU unit is dead on every row):
      // a real floor, every sampled error above it.
      expect(f['free test directions rank(B)']).toBeLessThanOrEqual(44);
      expect(f['free test directions rank(B)']).toBeGreaterThan(30);
      const floor = f['error floor (best interpolant)']!;
      expect(floor).toBeGreaterThan(1e-3 * f['Var(y test)']!);
      expect(f['min error']).toBeGreaterThanOrEqual(floor);
      // ε below the floor: no hypothesis reaches it, I = ∞ (and the curve is ∞ there too).
      const under = (await inductiveBiasTool.run(ctx, 'features', {
        ...params,
        epsilon: (0.5 * floor) / f['Var(y test)']!,
      })) as { figures: Record<string, number> };
      expect(under.figures.bits).toBe(Number.POSITIVE_INFINITY);
      expect(f.bits).toBeGreaterThan(0);
      expect(f.bits).toBeLessThan(Number.POSITIVE_INFINITY);
      // Fitted law's mean and variance match the sample's (three-moment fit).
      expect(f['fit mean rel. error']).toBeLessThan(1e-6);
      // Bits decrease as ε grows (the curve).
      const curve = r.views.find((v) => v.kind === 'curve');
      if (curve?.kind !== 'curve') throw new Error('no curve');
      for (let i = 1; i < curve.y.length; i++) expect(curve.y[i]!).toBeLessThanOrEqual(curve.y[i - 1]!);
      // Same seed → same figures; bits are −log₂ F of the fitted law at ε.
      const again = (await inductiveBiasTool.run(ctx, 'features', params)).figures as Record<string, number>;
      expect(again.bits).toBe(f.bits);
      // Above the floor: bits = −log₂ F((ε − e_floor)/a) of the law fitted to e − e_floor.
      expect(f.bits).toBeCloseTo(-noncentralChi2LogCdf((f.ε! - floor) / f.a!, f.k!, f.λ!) / Math.LN2, 8);
      await expect(inductiveBiasTool.run(ctx, 'features', { ...params, trainRows: 78 })).rejects.toThrow(
        /param 'trainRows' \(78\) leaves 2 test rows/,
      );
      await expect(inductiveBiasTool.run(ctx, 'features', { ...params, trainRows: 64 })).rejects.toThrow(
        /64 features, not more than trainRows \(64\).*widen the layer/,
      );
      await expect(inductiveBiasTool.run(noTargets, 'features', params)).rejects.toThrow(
        /needs value targets/,
      );
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      x.dispose();
      compiled.dispose();
    }
  });
});
