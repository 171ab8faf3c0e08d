// Scaled non-central χ² law for the P32 inductive-bias estimator (Boopathy, Yue, Hwang, Iyer, Fiete,
// "Towards Exact Computation of Inductive Bias", IJCAI 2024, arXiv 2406.15941): the test error
// of a random hypothesis that fits the training set is a quadratic form in Gaussians, approximated by
// e ≈ a·χ'²_k(λ). Pure Float64 maths (no tfjs), all in log space so deep tails (10⁻³⁰⁰) survive.
//
//   log Γ(z)           Lanczos (g = 7, 9 coefficients), reflection for z < 0.5
//   P(s, x)            regularised lower incomplete gamma: series x^s e^{−x}/Γ(s+1) Σ xⁿ/((s+1)…(s+n))
//                      for x < s + 1, else 1 − Q with Q by the modified Lentz continued fraction
//   F_{χ'²_k(λ)}(x)    Σ_j e^{−λ/2}(λ/2)^j/j! · P(k/2 + j, x/2), log-sum-exp over j ≤ λ/2 + 10√λ + 20
//                      (unimodal terms: peak by ternary search, summed outwards to 50 nats below it)
//   moments            m = a(k+λ), v = 2a²(k+2λ), μ₃ = 8a³(k+3λ)  →  8m·a² − 8v·a + μ₃ = 0,
//                      a = (v − √(v² − mμ₃/2)) / (2m) (the root with λ ≥ 0), λ = v/(2a²) − m/a, k = m/a − λ

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** log Γ(z) for z > 0 (Lanczos; relative error ≈ 1e-15). */
export function logGamma(z: number): number {
  if (!(z > 0)) throw new Error(`logGamma: needs z > 0, got ${z}`);
  if (z < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * z)) - logGamma(1 - z);
  const x = z - 1;
  let a = LANCZOS[0]!;
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i]! / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** log P(s, x), the regularised lower incomplete gamma function, for s > 0, x ≥ 0. */
export function logLowerGammaP(s: number, x: number): number {
  if (!(s > 0)) throw new Error(`logLowerGammaP: needs s > 0, got ${s}`);
  if (x <= 0) return Number.NEGATIVE_INFINITY;
  if (x < s + 1) {
    // Series: P = x^s e^{−x} / Γ(s+1) · Σ_n xⁿ / ((s+1)…(s+n)).
    let term = 1;
    let sum = 1;
    for (let n = 1; n < 10_000; n++) {
      term *= x / (s + n);
      sum += term;
      if (term < sum * 1e-17) break;
    }
    return s * Math.log(x) - x - logGamma(s + 1) + Math.log(sum);
  }
  // Continued fraction for Q (modified Lentz), then P = 1 − Q.
  const tiny = 1e-300;
  let b = x + 1 - s;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10_000; i++) {
    const an = -i * (i - s);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-16) break;
  }
  const logQ = s * Math.log(x) - x - logGamma(s) + Math.log(h);
  return Math.log1p(-Math.exp(logQ));
}

/** log of the CDF of the non-central χ² law with k > 0 degrees of freedom and non-centrality λ ≥ 0 at x. */
export function noncentralChi2LogCdf(x: number, k: number, lambda: number): number {
  if (!(k > 0)) throw new Error(`noncentralChi2LogCdf: needs k > 0, got ${k}`);
  if (!(lambda >= 0)) throw new Error(`noncentralChi2LogCdf: needs λ ≥ 0, got ${lambda}`);
  if (x <= 0) return Number.NEGATIVE_INFINITY;
  const h = lambda / 2;
  if (lambda === 0) return logLowerGammaP(k / 2, x / 2);
  const jMax = Math.ceil(h + 10 * Math.sqrt(lambda) + 20);
  // Term j: log Pois(j; λ/2) + log P(k/2 + j, x/2). Both parts are concave in j (the Poisson pmf and
  // the Poisson-like survival P(s, x) in s are log-concave), so the terms are unimodal: find the peak
  // by ternary search, then sum outwards until the terms fall 50 nats below it (e⁻⁵⁰ relative).
  const term = (j: number) => -h + j * Math.log(h) - logGamma(j + 1) + logLowerGammaP(k / 2 + j, x / 2);
  let lo = 0;
  let hi = jMax;
  while (hi - lo > 2) {
    const m1 = lo + Math.floor((hi - lo) / 3);
    const m2 = hi - Math.floor((hi - lo) / 3);
    if (term(m1) < term(m2)) lo = m1 + 1;
    else hi = m2 - 1;
  }
  let peak = lo;
  for (let j = lo + 1; j <= hi; j++) if (term(j) > term(peak)) peak = j;
  const top = term(peak);
  const terms: number[] = [top];
  for (let j = peak - 1; j >= 0; j--) {
    const t = term(j);
    terms.push(t);
    if (t < top - 50) break;
  }
  for (let j = peak + 1; j <= jMax; j++) {
    const t = term(j);
    terms.push(t);
    if (t < top - 50) break;
  }
  return logSumExp(terms);
}

export function logSumExp(v: readonly number[]): number {
  let m = Number.NEGATIVE_INFINITY;
  for (const x of v) if (x > m) m = x;
  if (m === Number.NEGATIVE_INFINITY) return m;
  let s = 0;
  for (const x of v) s += Math.exp(x - m);
  return m + Math.log(s);
}

/** Sample mean, variance (1/(N−1)) and third central moment (N/((N−1)(N−2)) · Σ(e − m)³/…, unbiased). */
export function sampleMoments(e: ArrayLike<number>): { mean: number; variance: number; mu3: number } {
  const n = e.length;
  if (n < 3) throw new Error(`sampleMoments: needs at least 3 values, got ${n}`);
  let m = 0;
  for (let i = 0; i < n; i++) m += e[i]!;
  m /= n;
  let s2 = 0;
  let s3 = 0;
  for (let i = 0; i < n; i++) {
    const d = e[i]! - m;
    s2 += d * d;
    s3 += d * d * d;
  }
  return { mean: m, variance: s2 / (n - 1), mu3: (n * s3) / ((n - 1) * (n - 2)) };
}

export interface ScaledChi2Fit {
  readonly a: number;
  readonly k: number;
  readonly lambda: number;
  /**
   * 'three-moment': all three moments matched; 'central': skew above the family's (mμ₃ > 2v²),
   * λ = 0 and mean + variance matched; 'k-floor': skew below the family's (mμ₃ ≤ 1.5v² + …),
   * k fixed at 1 and mean + variance matched.
   */
  readonly method: 'three-moment' | 'central' | 'k-floor';
}

/** Moments of a·χ'²_k(λ). */
export const scaledChi2Moments = (f: { a: number; k: number; lambda: number }) => ({
  mean: f.a * (f.k + f.lambda),
  variance: 2 * f.a * f.a * (f.k + 2 * f.lambda),
  mu3: 8 * f.a ** 3 * (f.k + 3 * f.lambda),
});

/** Fits e ≈ a·χ'²_k(λ) by matching the mean m, variance v and third central moment μ₃. */
export function fitScaledChi2(m: number, v: number, mu3: number): ScaledChi2Fit {
  if (!(m > 0) || !(v > 0))
    throw new Error(`fitScaledChi2: needs a positive mean and variance (got ${m}, ${v})`);
  const disc = v * v - (m * mu3) / 2;
  if (disc >= 0) {
    const a = (v - Math.sqrt(disc)) / (2 * m);
    const lambda = Math.max(0, v / (2 * a * a) - m / a);
    const k = m / a - lambda;
    if (a > 0 && k >= 1e-3) return { a, k, lambda, method: 'three-moment' };
    // Skew at or below the family's limit (k → 0): keep k = 1, match mean and variance:
    // 2k·a² − 4m·a + v = 0, the smaller root (λ = m/a − k ≥ 0).
    const kk = 1;
    const d2 = 16 * m * m - 8 * kk * v;
    if (d2 >= 0) {
      const a2 = (4 * m - Math.sqrt(d2)) / (4 * kk);
      return { a: a2, k: kk, lambda: Math.max(0, m / a2 - kk), method: 'k-floor' };
    }
  }
  // Skewer than any non-central χ² (or variance too large for k = 1): central, a = v/(2m), k = 2m²/v.
  return { a: v / (2 * m), k: (2 * m * m) / v, lambda: 0, method: 'central' };
}

/** Inductive bias in bits: I(ε) = −log₂ P(a·χ'²_k(λ) ≤ ε). */
export const inductiveBiasBits = (eps: number, f: { a: number; k: number; lambda: number }): number =>
  -noncentralChi2LogCdf(eps / f.a, f.k, f.lambda) / Math.LN2;
