// Basis expansions for Kolmogorov-Arnold layers: one vectorised helper over Ops, shared by every
// KAN-family kernel (KAN, S-KAN, Conv-KAN) and by Fourier-KArAt attention. Pure: no tfjs here.
//
//   x [N, D]  →  Φ [N, D, M]   (M = basisSize(spec))
//
// bspline   Cox–de Boor recursion on a uniform extended grid (efficient-KAN form): knots
//           t_j = lo + (j − k)·h, j = 0 … G + 2k, h = (hi − lo)/G; order 0 is 1[t_j ≤ x < t_{j+1}],
//           then B_{j,r} = (x − t_j)/(r·h)·B_{j,r−1} + (t_{j+r+1} − x)/(r·h)·B_{j+1,r−1}; M = G + k.
// fourier   [cos(m·x), sin(m·x)], m = 1 … G; M = 2G.
// grbf      exp(−((x − c_j)/h)²), G centres evenly spaced over [lo, hi], h = (hi − lo)/(G − 1); M = G.
// chebyshev T_0 … T_G of u = tanh(x) by T_{n+1} = 2u·T_n − T_{n−1}; M = G + 1.
// mexhat    ψ((x − τ_j)/s), ψ(u) = (1 − u²)·exp(−u²/2), G fixed centres τ_j over [lo, hi], s = h; M = G.
import type { Ops } from '../ops.ts';

export const BASIS_TYPES = ['bspline', 'fourier', 'grbf', 'chebyshev', 'mexhat'] as const;
export type BasisType = (typeof BASIS_TYPES)[number];

export interface BasisSpec {
  readonly type: BasisType;
  /** Grid intervals (bspline), frequencies (fourier), centres (grbf, mexhat) or degree (chebyshev). */
  readonly grid: number;
  /** Spline order k (bspline only). */
  readonly order: number;
  readonly lo: number;
  readonly hi: number;
  /**
   * Squash inputs into (lo, hi) first: lo + (hi − lo)·(1 + tanh x)/2 (= tanh x on [−1, 1]), so a
   * hidden layer's unbounded inputs reach the grid instead of falling where only the base acts.
   */
  readonly squash?: boolean;
}

export const BASIS_FORMULAS: Readonly<Record<BasisType, string>> = {
  bspline: 'B-spline of order k on G intervals over [lo, hi] (Cox–de Boor), M = G + k',
  fourier: '[cos(m·x), sin(m·x)], m = 1…G, M = 2G',
  grbf: 'exp(−((x − c_j)/h)²), G centres over [lo, hi], M = G',
  chebyshev: 'T_0…T_G(tanh x), M = G + 1',
  mexhat: '(1 − u²)·exp(−u²/2), u = (x − τ_j)/h, G centres over [lo, hi], M = G',
};

/** Number of basis functions per input feature. */
export function basisSize(spec: Pick<BasisSpec, 'type' | 'grid' | 'order'>): number {
  switch (spec.type) {
    case 'bspline':
      return spec.grid + spec.order;
    case 'fourier':
      return 2 * spec.grid;
    case 'chebyshev':
      return spec.grid + 1;
    case 'grbf':
    case 'mexhat':
      return spec.grid;
  }
}

/** Extended uniform knot vector t_0 … t_{G+2k} of a B-spline basis. */
export function bsplineKnots(grid: number, order: number, lo: number, hi: number): number[] {
  const h = (hi - lo) / grid;
  return Array.from({ length: grid + 2 * order + 1 }, (_, j) => lo + (j - order) * h);
}

/** Evenly spaced centres c_0 … c_{G−1} over [lo, hi] (one centre: the midpoint). */
export function centres(grid: number, lo: number, hi: number): number[] {
  if (grid === 1) return [(lo + hi) / 2];
  return Array.from({ length: grid }, (_, j) => lo + (j * (hi - lo)) / (grid - 1));
}

/** [1, 1, …, 1] (n entries): with a matMul, spreads a column over n columns exactly. */
export const ones = (n: number): number[] => Array.from({ length: n }, () => 1);

/** A [rows, cols] table from f(i, j). */
const table = (rows: number, cols: number, f: (i: number, j: number) => number): number[][] =>
  Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => f(i, j)));

/** a·b on plain tables (composes constant selection matrices). */
const mm = (a: number[][], b: number[][]): number[][] =>
  a.map((row) => b[0]!.map((_, j) => row.reduce((s, v, k) => s + v * b[k]![j]!, 0)));

/** lo + (hi − lo)·(1 + tanh x)/2: every real input lands inside the grid range (lo, hi). */
export function squashToGrid<T>(ops: Ops<T>, x: T, lo: number, hi: number): T {
  const half = (hi - lo) / 2;
  const t = ops.tanh(x);
  if (half === 1 && lo === -1) return t; // the default grid [−1, 1]
  return ops.add(ops.mul(t, ops.scalar(half)), ops.scalar(lo + half));
}

/**
 * Φ [N, D, M] for x [N, D]. The batch size is never read (reshapes use −1), so the code generator
 * can trace it.
 *
 * Layout of bspline, fourier and chebyshev, for speed on the cpu and wasm backends
 * (bench/kan-bench.ts): the work is on 2-D [N·D, ·] tensors. x is spread over columns by a matMul
 * with a [1, C] row (x·v: one product per entry, so exact), per-basis constants are rank-1 rows
 * (trailing broadcast: tfjs cpu's fast path; [1, 1, M] against [N, D, 1] takes its per-element
 * index path, 10–30× slower), and columns are selected, shifted, summed and placed by matMuls with
 * 0/±1 matrices instead of slices and concats (a column slice, and a pad, its gradient, run element
 * by element on cpu; on wasm they cost about what an arithmetic op does). Such a matMul adds one or
 * two non-zero terms, so every value is the same float32 the slice-and-broadcast form gave.
 */
export function expandBasis<T>(ops: Ops<T>, raw: T, spec: BasisSpec, d: number): T {
  const x = spec.squash ? squashToGrid(ops, raw, spec.lo, spec.hi) : raw;
  let x1: T | undefined; // [N·D, 1], made once on first use
  const vec = (v: number[]) => ops.constant(v, [v.length]);
  const constant = (m: number[][]) => ops.constant(m.flat(), [m.length, m[0]!.length]);
  /** x·v_j, [N·D, |v|]. */
  const spread = (v: number[]) => {
    x1 ??= ops.reshape(x, [-1, 1]);
    return ops.matMul(x1, ops.constant(v, [1, v.length]));
  };
  const out = (phi: T) => ops.reshape(phi, [-1, d, basisSize(spec)]);
  const x3 = () => ops.reshape(x, [-1, d, 1]);
  const row3 = (v: number[]) => ops.constant(v, [1, 1, v.length]);
  switch (spec.type) {
    case 'bspline': {
      const t = bsplineKnots(spec.grid, spec.order, spec.lo, spec.hi);
      const h = (spec.hi - spec.lo) / spec.grid;
      const m0 = t.length - 1;
      // [x, 1] [N·D, 2]: a matMul with [v; c] then gives x·v_j + c_j, i.e. x − c or c − x, exactly.
      const x1 = ops.reshape(x, [-1, 1]);
      const xa = ops.add(ops.matMul(x1, constant([[1, 0]])), vec([0, 1]));
      const affine = (v: number[], c: number[]) => ops.matMul(xa, constant([v, c]));
      // s_j = 1[t_j − x > 0] (a zero-gradient step); order 0 is 1[t_j ≤ x < t_{j+1}] = s_{j+1} − s_j
      // (s is monotone in j). B is carried as p·A: p a tensor, A a constant table.
      let p = ops.step(
        affine(
          t.map(() => -1),
          t,
        ),
      );
      let a = table(m0 + 1, m0, (i, j) => (i === j + 1 ? 1 : i === j ? -1 : 0));
      for (let r = 1; r <= spec.order; r++) {
        const m = m0 - r; // bases of order r
        // [(x − t_j)/(r·h) | (t_{j+r+1} − x)/(r·h)], j < m.
        const signs = Array.from({ length: 2 * m }, (_, j) => (j < m ? 1 : -1));
        const offsets = Array.from({ length: 2 * m }, (_, j) => (j < m ? -t[j]! : t[j - m + r + 1]!));
        const lr = ops.div(affine(signs, offsets), ops.scalar(r * h));
        // [B_{j,r−1} | B_{j+1,r−1}], j < m; times lr, these are the two terms of Cox–de Boor.
        const pair = table(m + 1, 2 * m, (i, j) => (i === (j < m ? j : j - m + 1) ? 1 : 0));
        p = ops.mul(lr, ops.matMul(p, constant(mm(a, pair))));
        // B_{j,r} = left·B_{j,r−1} + right·B_{j+1,r−1}: the two halves summed (folded into the next A).
        a = table(2 * m, m, (i, j) => (i % m === j ? 1 : 0));
      }
      return out(ops.matMul(p, constant(a)));
    }
    case 'fourier': {
      const g = spec.grid;
      const mx = spread(Array.from({ length: g }, (_, m) => m + 1));
      // [cos | sin] placed side by side by two 0/1 matMuls (a concat's gradient slices columns).
      const place = (at: number) => constant(table(g, 2 * g, (i, j) => (j === i + at ? 1 : 0)));
      return out(ops.add(ops.matMul(ops.cos(mx), place(0)), ops.matMul(ops.sin(mx), place(g))));
    }
    // grbf, mexhat: plain broadcasting on [N, D, 1] (cheaper on wasm than spreading x first; on cpu
    // spreading would be ~1.2× faster).
    case 'grbf': {
      const h = spec.grid > 1 ? (spec.hi - spec.lo) / (spec.grid - 1) : spec.hi - spec.lo;
      const u = ops.div(ops.sub(x3(), row3(centres(spec.grid, spec.lo, spec.hi))), ops.scalar(h));
      return ops.exp(ops.neg(ops.square(u)));
    }
    case 'mexhat': {
      const h = spec.grid > 1 ? (spec.hi - spec.lo) / (spec.grid - 1) : spec.hi - spec.lo;
      const u2 = ops.square(
        ops.div(ops.sub(x3(), row3(centres(spec.grid, spec.lo, spec.hi))), ops.scalar(h)),
      );
      return ops.mul(ops.sub(ops.scalar(1), u2), ops.exp(ops.mul(u2, ops.scalar(-0.5))));
    }
    case 'chebyshev': {
      // Terms as rows [1, N·D], stacked on axis 0 (contiguous, as are its gradient's slices), then
      // turned to [N·D, G + 1] by a matMul with the identity (exact).
      const u = ops.tanh(ops.reshape(x, [1, -1]));
      const terms: T[] = [ops.add(ops.mul(u, ops.scalar(0)), ops.scalar(1)), u];
      for (let k = 2; k <= spec.grid; k++)
        terms.push(ops.sub(ops.mul(ops.mul(ops.scalar(2), u), terms[k - 1]!), terms[k - 2]!));
      const g1 = spec.grid + 1;
      const identity = constant(table(g1, g1, (i, j) => (i === j ? 1 : 0)));
      return out(ops.matMul(ops.concat(terms.slice(0, g1), 0), identity, true, false));
    }
  }
}

/** Reference B-spline values by the scalar Cox–de Boor recursion (for tests and docs). */
export function coxDeBoor(x: number, knots: readonly number[], j: number, r: number): number {
  if (r === 0) return knots[j]! <= x && x < knots[j + 1]! ? 1 : 0;
  const a = knots[j + r]! - knots[j]!;
  const b = knots[j + r + 1]! - knots[j + 1]!;
  const left = a === 0 ? 0 : ((x - knots[j]!) / a) * coxDeBoor(x, knots, j, r - 1);
  const right = b === 0 ? 0 : ((knots[j + r + 1]! - x) / b) * coxDeBoor(x, knots, j + 1, r - 1);
  return left + right;
}

/** SiLU (the KAN base function) over Ops. */
export const silu = <T>(ops: Ops<T>, x: T): T => ops.mul(x, ops.sigmoid(x));

/** Merges all leading axes: [..., D] → [N, D], returning N and the leading shape. */
export function flattenLeading<T>(ops: Ops<T>, x: T): { x2: T; lead: number[]; d: number } {
  const shape = ops.shape(x);
  const d = shape[shape.length - 1]!;
  return { x2: ops.reshape(x, [-1, d]), lead: shape.slice(0, -1), d };
}

/** Layer normalisation over the last axis with γ, β (used inside ReLU-KAN and AF-KAN). */
export function layerNormLast<T>(ops: Ops<T>, x: T, gamma: T, beta: T, eps = 1e-5): T {
  const mu = ops.mean(x, [-1], true);
  const xc = ops.sub(x, mu);
  const v = ops.mean(ops.square(xc), [-1], true);
  return ops.add(ops.mul(ops.mul(xc, ops.rsqrt(ops.add(v, ops.scalar(eps)))), gamma), beta);
}
