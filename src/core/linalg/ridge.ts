// Ridge regression in Float64, dependency-free (pure core: no tfjs). Used where a model is linear in
// its trainable parameters (random-feature readouts): fit the readout in closed form instead of by
// gradient descent.
//
//   min_w ‖Xw − y‖² + λ‖w‖²   ⇔   (XᵀX + λI)·w = Xᵀy            (primal, p × p)
//                              ⇔   w = Xᵀa,  (XXᵀ + λI)·a = y     (dual, n × n; same w for λ > 0)
//
// X is row-major [n, p]. The smaller of the two systems is factorised by Cholesky (A = LLᵀ) and
// solved by forward/back substitution. `ridgeSelect` picks λ from a grid on a held-out split of
// the rows, then refits on all rows.

/** Row-major n × p matrix. */
export interface Matrix {
  readonly data: Float64Array;
  readonly rows: number;
  readonly cols: number;
}

export const matrix = (data: ArrayLike<number>, rows: number, cols: number): Matrix => {
  if (data.length !== rows * cols)
    throw new Error(`matrix: ${data.length} values do not make ${rows} × ${cols}`);
  return { data: Float64Array.from(data), rows, cols };
};

/** The rows `idx` of X (a copy). */
export function takeRows(x: Matrix, idx: readonly number[]): Matrix {
  const out = new Float64Array(idx.length * x.cols);
  idx.forEach((r, i) => {
    out.set(x.data.subarray(r * x.cols, (r + 1) * x.cols), i * x.cols);
  });
  return { data: out, rows: idx.length, cols: x.cols };
}

/** XᵀX (p × p, symmetric). */
export function gramCols(x: Matrix): Float64Array {
  const { data, rows: n, cols: p } = x;
  const g = new Float64Array(p * p);
  for (let r = 0; r < n; r++) {
    const o = r * p;
    for (let i = 0; i < p; i++) {
      const xi = data[o + i]!;
      if (xi === 0) continue;
      const gi = i * p;
      for (let j = i; j < p; j++) g[gi + j]! += xi * data[o + j]!;
    }
  }
  for (let i = 0; i < p; i++) for (let j = 0; j < i; j++) g[i * p + j] = g[j * p + i]!;
  return g;
}

/**
 * XXᵀ (n × n, symmetric): the linear kernel of the rows. Blocked 2 × 2 (four dot products share
 * their row loads), the lower triangle computed and mirrored.
 */
export function gramRows(x: Matrix): Float64Array {
  const { data, rows: n, cols: p } = x;
  const k = new Float64Array(n * n);
  const put = (i: number, j: number, v: number) => {
    k[i * n + j] = v;
    k[j * n + i] = v;
  };
  for (let i = 0; i < n; i += 2) {
    const i2 = Math.min(i + 1, n - 1); // a lone last row pairs with itself
    const a = i * p;
    const b = i2 * p;
    for (let j = 0; j <= i; j += 2) {
      const j2 = Math.min(j + 1, n - 1);
      const c = j * p;
      const e = j2 * p;
      let s00 = 0;
      let s01 = 0;
      let s10 = 0;
      let s11 = 0;
      for (let q = 0; q < p; q++) {
        const xa = data[a + q]!;
        const xb = data[b + q]!;
        const xc = data[c + q]!;
        const xe = data[e + q]!;
        s00 += xa * xc;
        s01 += xa * xe;
        s10 += xb * xc;
        s11 += xb * xe;
      }
      put(i, j, s00);
      put(i, j2, s01);
      put(i2, j, s10);
      put(i2, j2, s11);
    }
  }
  return k;
}

/** The block rows r0…r1−1 × columns c0…c1−1 of a row-major n × n matrix (a copy). */
export function block(
  a: Float64Array,
  n: number,
  r0: number,
  r1: number,
  c0: number,
  c1: number,
): Float64Array {
  const w = c1 - c0;
  const out = new Float64Array((r1 - r0) * w);
  for (let r = r0; r < r1; r++) out.set(a.subarray(r * n + c0, r * n + c1), (r - r0) * w);
  return out;
}

/** Xᵀv (length p). */
export function mulTransposed(x: Matrix, v: ArrayLike<number>): Float64Array {
  const out = new Float64Array(x.cols);
  for (let r = 0; r < x.rows; r++) {
    const vr = v[r]!;
    if (vr === 0) continue;
    const o = r * x.cols;
    for (let c = 0; c < x.cols; c++) out[c]! += x.data[o + c]! * vr;
  }
  return out;
}

/** Xw (length n). */
export function mulVec(x: Matrix, w: ArrayLike<number>): Float64Array {
  const out = new Float64Array(x.rows);
  for (let r = 0; r < x.rows; r++) {
    const o = r * x.cols;
    let s = 0;
    for (let c = 0; c < x.cols; c++) s += x.data[o + c]! * w[c]!;
    out[r] = s;
  }
  return out;
}

/**
 * Cholesky factor L (lower triangular, row-major n × n) of a symmetric positive-definite A, read
 * from A's lower triangle. Throws when A is not (numerically) positive definite.
 */
export function cholesky(a: ArrayLike<number>, n: number): Float64Array {
  if (a.length !== n * n) throw new Error(`cholesky: expected ${n * n} values, got ${a.length}`);
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const li = i * n;
    for (let j = 0; j <= i; j++) {
      const lj = j * n;
      let s = a[li + j]!;
      for (let k = 0; k < j; k++) s -= l[li + k]! * l[lj + k]!;
      if (i === j) {
        if (!(s > 0)) throw new Error(`cholesky: matrix is not positive definite (pivot ${i}: ${s})`);
        l[li + i] = Math.sqrt(s);
      } else {
        l[li + j] = s / l[lj + j]!;
      }
    }
  }
  return l;
}

/** Solves LLᵀx = b given the Cholesky factor L. */
export function choleskySolve(l: Float64Array, n: number, b: ArrayLike<number>): Float64Array {
  const z = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    const li = i * n;
    for (let k = 0; k < i; k++) s -= l[li + k]! * z[k]!;
    z[i] = s / l[li + i]!;
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = z[i]!;
    for (let k = i + 1; k < n; k++) s -= l[k * n + i]! * x[k]!;
    x[i] = s / l[i * n + i]!;
  }
  return x;
}

/** Solves the symmetric positive-definite system (A + λI)x = b (A is n × n, not modified). */
export function solveShifted(a: Float64Array, n: number, lambda: number, b: ArrayLike<number>): Float64Array {
  const s = Float64Array.from(a);
  for (let i = 0; i < n; i++) s[i * n + i]! += lambda;
  return choleskySolve(cholesky(s, n), n, b);
}

/**
 * The ridge solution w (length p) of min ‖Xw − y‖² + λ‖w‖². Uses the p × p normal equations when
 * p ≤ n, else the n × n dual system (needs λ > 0 unless XXᵀ is positive definite).
 */
export function ridgeSolve(x: Matrix, y: ArrayLike<number>, lambda: number): Float64Array {
  if (y.length !== x.rows) throw new Error(`ridgeSolve: ${y.length} targets for ${x.rows} rows`);
  if (x.cols <= x.rows) return solveShifted(gramCols(x), x.cols, lambda, mulTransposed(x, y));
  return mulTransposed(x, solveShifted(gramRows(x), x.rows, lambda, y));
}

/** ‖(XᵀX + λI)w − Xᵀy‖∞ / ‖Xᵀy‖∞: how well w satisfies the normal equations. */
export function normalEquationResidual(
  x: Matrix,
  y: ArrayLike<number>,
  w: ArrayLike<number>,
  lambda: number,
) {
  const r = mulTransposed(x, mulVec(x, w));
  const xty = mulTransposed(x, y);
  let num = 0;
  let den = 0;
  for (let c = 0; c < x.cols; c++) {
    num = Math.max(num, Math.abs(r[c]! + lambda * w[c]! - xty[c]!));
    den = Math.max(den, Math.abs(xty[c]!));
  }
  return num / (den || 1);
}

export const meanSquaredError = (pred: ArrayLike<number>, y: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += (pred[i]! - y[i]!) ** 2;
  return s / Math.max(1, y.length);
};

export interface RidgeSelection {
  /** The chosen λ (absolute). */
  readonly lambda: number;
  /** The chosen grid value (λ / s when the grid is relative). */
  readonly grid: number;
  /** The weights refitted on all rows with the chosen λ. */
  readonly w: Float64Array;
  /** Held-out MSE per grid point, in grid order. */
  readonly holdoutMse: readonly { grid: number; lambda: number; mse: number }[];
}

/**
 * Chooses λ from `grid` by held-out MSE (fit on the first rows, score on the last
 * ⌈holdoutFraction·n⌉ rows — shuffle the rows first if their order means anything), then refits on
 * all rows. The grid is relative (`relative: true`, default) to s = tr(XᵀX)/n, the mean squared
 * row norm, so it does not depend on the features' scale. With an ascending grid, ties go to the
 * larger λ.
 */
export function ridgeSelect(
  x: Matrix,
  y: ArrayLike<number>,
  grid: readonly number[],
  opts: { holdoutFraction?: number; relative?: boolean } = {},
): RidgeSelection {
  const n = x.rows;
  const nHold = Math.max(1, Math.ceil((opts.holdoutFraction ?? 0.2) * n));
  const nFit = n - nHold;
  if (nFit < 1) throw new Error('ridgeSelect: no rows left to fit');
  let trace = 0;
  for (let i = 0; i < x.data.length; i++) trace += x.data[i]! * x.data[i]!;
  const scale = opts.relative === false ? 1 : trace / n;
  const lambdas = grid.map((g) => g * scale);
  const yf = Float64Array.from({ length: nFit }, (_, i) => y[i]!);
  const yh = Float64Array.from({ length: nHold }, (_, i) => y[nFit + i]!);
  const holdoutMse: { grid: number; lambda: number; mse: number }[] = [];
  let refit: (lambda: number) => Float64Array;
  if (x.cols <= nFit) {
    // Primal: G_fit = XᵀX − X_hᵀX_h, solve (G_fit + λI)w = X_fᵀy_f, score X_h·w.
    const gram = gramCols(x);
    const xty = mulTransposed(x, y);
    refit = (lambda) => solveShifted(gram, x.cols, lambda, xty);
    const xh = takeRows(
      x,
      Array.from({ length: nHold }, (_, i) => nFit + i),
    );
    const gh = gramCols(xh);
    const g = gram.map((v, i) => v - gh[i]!);
    const xf = takeRows(
      x,
      Array.from({ length: nFit }, (_, i) => i),
    );
    const b = mulTransposed(xf, yf);
    lambdas.forEach((lambda, i) => {
      const mse = meanSquaredError(mulVec(xh, solveShifted(g, x.cols, lambda, b)), yh);
      holdoutMse.push({ grid: grid[i]!, lambda, mse });
    });
  } else {
    // Dual, from one kernel K = XXᵀ of all rows: a = (K_ff + λI)⁻¹y_f, holdout predictions K_hf·a.
    const gram = gramRows(x);
    refit = (lambda) => mulTransposed(x, solveShifted(gram, n, lambda, y));
    const kff = block(gram, n, 0, nFit, 0, nFit);
    const khf: Matrix = { data: block(gram, n, nFit, n, 0, nFit), rows: nHold, cols: nFit };
    lambdas.forEach((lambda, i) => {
      const mse = meanSquaredError(mulVec(khf, solveShifted(kff, nFit, lambda, yf)), yh);
      holdoutMse.push({ grid: grid[i]!, lambda, mse });
    });
  }
  let best = holdoutMse[0]!;
  for (const h of holdoutMse) if (h.mse <= best.mse) best = h;
  return { lambda: best.lambda, grid: best.grid, w: refit(best.lambda), holdoutMse };
}
