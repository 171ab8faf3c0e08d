// Plain-number summaries the UI's views draw (no tfjs, no React): statistics and an equal-width
// histogram of a value array (activation views, per-sample store views), a coupling matrix's
// structure and a block-mean heat map (fit views), and Mattis overlaps of states with patterns.

/** Mean, population std, range, fraction of exact zeros and an equal-width histogram over [min, max]. */
export interface ValueSummary {
  readonly count: number;
  readonly mean: number;
  readonly std: number;
  readonly min: number;
  readonly max: number;
  readonly fractionZero: number;
  /** Equal-width bins over [lo, hi] (the last bin includes hi; one bin holds all when lo = hi). */
  readonly histogram: { readonly lo: number; readonly hi: number; readonly counts: readonly number[] };
}

/** Statistics of `v` (Float64 accumulation); throws on an empty array. */
export function summarizeValues(v: ArrayLike<number>, bins = 24): ValueSummary {
  const n = v.length;
  if (n === 0) throw new Error('summary: no values to summarise');
  let sum = 0;
  let zeros = 0;
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const a = v[i]!;
    sum += a;
    if (a === 0) zeros++;
    if (a < lo) lo = a;
    if (a > hi) hi = a;
  }
  const mean = sum / n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (v[i]! - mean) * (v[i]! - mean);
  const span = hi - lo;
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < n; i++)
    counts[span > 0 ? Math.min(bins - 1, Math.floor(((v[i]! - lo) / span) * bins)) : 0]!++;
  return {
    count: n,
    mean,
    std: Math.sqrt(ss / n),
    min: lo,
    max: hi,
    fractionZero: zeros / n,
    histogram: { lo, hi, counts },
  };
}

/** A square matrix's structure and a cells × cells heat map of its block means (row-major). */
export interface CouplingSummary {
  readonly n: number;
  /** max |J_ij − J_ji| (0 for a symmetric matrix). */
  readonly maxAsymmetry: number;
  /** max |J_ii|. */
  readonly maxDiagonal: number;
  readonly symmetric: boolean;
  readonly diagZero: boolean;
  readonly min: number;
  readonly max: number;
  /** cells × cells block means (cells = min(n, requested)), row-major. */
  readonly cells: number;
  readonly heat: readonly number[];
}

/**
 * Summary of the n × n row-major matrix `j`. Symmetric / zero-diagonal use a tolerance relative to
 * the largest |J| (Float32 weights): tol · max(1, max |J|).
 */
export function couplingSummary(j: ArrayLike<number>, n: number, cells = 64, tol = 1e-6): CouplingSummary {
  if (n < 1 || j.length !== n * n)
    throw new Error(`summary: a coupling matrix needs n × n values (n = ${n}, got ${j.length})`);
  let asym = 0;
  let diag = 0;
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let r = 0; r < n; r++) {
    diag = Math.max(diag, Math.abs(j[r * n + r]!));
    for (let c = 0; c < n; c++) {
      const a = j[r * n + c]!;
      if (a < lo) lo = a;
      if (a > hi) hi = a;
      if (c > r) asym = Math.max(asym, Math.abs(a - j[c * n + r]!));
    }
  }
  const k = Math.min(n, Math.max(1, Math.floor(cells)));
  const sums = new Float64Array(k * k);
  const counts = new Float64Array(k * k);
  for (let r = 0; r < n; r++) {
    const br = Math.floor((r * k) / n);
    for (let c = 0; c < n; c++) {
      const b = br * k + Math.floor((c * k) / n);
      sums[b]! += j[r * n + c]!;
      counts[b]!++;
    }
  }
  const scale = tol * Math.max(1, Math.abs(lo), Math.abs(hi));
  return {
    n,
    maxAsymmetry: asym,
    maxDiagonal: diag,
    symmetric: asym <= scale,
    diagZero: diag <= scale,
    min: lo,
    max: hi,
    cells: k,
    heat: Array.from(sums, (s, i) => s / counts[i]!),
  };
}

/**
 * Mattis overlaps m_k = (1/N) Σ_i ξ^k_i σ_i of `rows` states σ [rows × N] with each row's K patterns
 * ξ [rows × K × N], averaged over the rows: signed and absolute means per pattern.
 */
export function mattisOverlaps(
  states: ArrayLike<number>,
  patterns: ArrayLike<number>,
  rows: number,
  k: number,
  n: number,
): { readonly mean: readonly number[]; readonly meanAbs: readonly number[] } {
  if (rows < 1 || states.length !== rows * n || patterns.length !== rows * k * n)
    throw new Error(
      `summary: overlaps need states [${rows} × ${n}] and patterns [${rows} × ${k} × ${n}] (got ${states.length} and ${patterns.length} values)`,
    );
  const mean = new Array<number>(k).fill(0);
  const meanAbs = new Array<number>(k).fill(0);
  for (let r = 0; r < rows; r++)
    for (let p = 0; p < k; p++) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += patterns[(r * k + p) * n + i]! * states[r * n + i]!;
      mean[p]! += dot / n / rows;
      meanAbs[p]! += Math.abs(dot / n) / rows;
    }
  return { mean, meanAbs };
}
