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

/**
 * Φ [N, D, M] for x [N, D]. Every basis is broadcasting arithmetic over a [1, 1, M] constant.
 * The batch size is never read (reshapes use −1), so the code generator can trace it.
 */
export function expandBasis<T>(ops: Ops<T>, x: T, spec: BasisSpec, d: number): T {
  const x3 = ops.reshape(x, [-1, d, 1]);
  const row = (v: number[]) => ops.constant(v, [1, 1, v.length]);
  switch (spec.type) {
    case 'bspline': {
      const t = bsplineKnots(spec.grid, spec.order, spec.lo, spec.hi);
      const h = (spec.hi - spec.lo) / spec.grid;
      const m0 = t.length - 1;
      // Order 0: 1[x ≥ t_j]·1[x < t_{j+1}], via zero-gradient steps.
      const ge = ops.sub(ops.scalar(1), ops.step(ops.sub(row(t.slice(0, m0)), x3)));
      const lt = ops.step(ops.sub(row(t.slice(1)), x3));
      let b = ops.mul(ge, lt);
      for (let r = 1; r <= spec.order; r++) {
        const m = m0 - r; // bases of order r
        const left = ops.div(ops.sub(x3, row(t.slice(0, m))), ops.scalar(r * h));
        const right = ops.div(ops.sub(row(t.slice(r + 1, r + 1 + m)), x3), ops.scalar(r * h));
        const bl = ops.slice(b, [0, 0, 0], [-1, d, m]);
        const br = ops.slice(b, [0, 0, 1], [-1, d, m]);
        b = ops.add(ops.mul(left, bl), ops.mul(right, br));
      }
      return b;
    }
    case 'fourier': {
      const mx = ops.mul(x3, row(Array.from({ length: spec.grid }, (_, m) => m + 1)));
      return ops.concat([ops.cos(mx), ops.sin(mx)], 2);
    }
    case 'grbf': {
      const h = spec.grid > 1 ? (spec.hi - spec.lo) / (spec.grid - 1) : spec.hi - spec.lo;
      const u = ops.div(ops.sub(x3, row(centres(spec.grid, spec.lo, spec.hi))), ops.scalar(h));
      return ops.exp(ops.neg(ops.square(u)));
    }
    case 'mexhat': {
      const h = spec.grid > 1 ? (spec.hi - spec.lo) / (spec.grid - 1) : spec.hi - spec.lo;
      const u2 = ops.square(ops.div(ops.sub(x3, row(centres(spec.grid, spec.lo, spec.hi))), ops.scalar(h)));
      return ops.mul(ops.sub(ops.scalar(1), u2), ops.exp(ops.mul(u2, ops.scalar(-0.5))));
    }
    case 'chebyshev': {
      const u = ops.tanh(x3);
      const terms: T[] = [ops.add(ops.mul(u, ops.scalar(0)), ops.scalar(1)), u];
      for (let k = 2; k <= spec.grid; k++)
        terms.push(ops.sub(ops.mul(ops.mul(ops.scalar(2), u), terms[k - 1]!), terms[k - 2]!));
      return ops.concat(terms.slice(0, spec.grid + 1), 2);
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
