// Shared pieces of the KAN-family nodes: basis params, shape checks, the efficient-KAN contraction.
import { reject } from '../diagnostics.ts';
import type { Ops } from '../ops.ts';
import { p } from '../params.ts';
import type { Dim, TensorType } from '../tensor-type.ts';
import { BASIS_TYPES, type BasisSpec, type BasisType, basisSize, expandBasis, silu } from './basis.ts';

export const KAN_PAPER = {
  title: 'KAN: Kolmogorov-Arnold Networks',
  authors: 'Liu, Wang, Vaidya, Ruehle, Halverson, Soljačić, Hou, Tegmark',
  year: 2024,
  arxiv: '2404.19756',
} as const;

/** Basis params shared by the KAN nodes. */
export const basisParams = {
  gridSize: p.int({
    default: 5,
    min: 1,
    max: 64,
    doc: 'G: grid intervals (bspline), frequencies (fourier), centres (grbf, mexhat) or degree (chebyshev).',
  }),
  splineOrder: p.int({ default: 3, min: 0, max: 5, doc: 'k: B-spline order (bspline only).' }),
  gridMin: p.float({ default: -1, min: -100, max: 100, step: 0.1, doc: 'Low end of the grid range.' }),
  gridMax: p.float({ default: 1, min: -100, max: 100, step: 0.1, doc: 'High end of the grid range.' }),
  squashInputs: p.bool({
    default: false,
    doc: 'Squash inputs into the grid range (gridMin + (gridMax − gridMin)·(1 + tanh x)/2) before the basis; use it on hidden layers, whose inputs are unbounded. The SiLU base still sees x.',
  }),
};

export const basisParam = (dflt: BasisType) =>
  p.enum(BASIS_TYPES, dflt, 'Basis: bspline, fourier, grbf (Gaussian RBF), chebyshev, mexhat (wavelet).');

export function specOf(
  type: BasisType,
  v: { gridSize: number; splineOrder: number; gridMin: number; gridMax: number; squashInputs?: boolean },
): BasisSpec {
  return {
    type,
    grid: v.gridSize,
    order: v.splineOrder,
    lo: v.gridMin,
    hi: v.gridMax,
    ...(v.squashInputs ? { squash: true } : {}),
  };
}

export function checkRange(v: { gridMin: number; gridMax: number }): void {
  if (!(v.gridMax > v.gridMin))
    reject('param/invalid', `gridMax (${v.gridMax}) must be greater than gridMin (${v.gridMin}).`, {
      field: 'gridMax',
    });
}

/** Requires [B, …, D] with a known D; returns D. */
export function lastDim(x: TensorType, title: string, minRank = 2): number {
  if (x.shape.length < minRank)
    reject(
      'shape/rank-mismatch',
      `${title} needs an input of rank ≥ ${minRank}, got rank ${x.shape.length}.`,
      {
        port: 'x',
      },
    );
  const d = x.shape[x.shape.length - 1] as Dim;
  if (d === null)
    reject('shape/unknown-dim', `${title} needs a known number of features on the last axis.`, { port: 'x' });
  return d as number;
}

/**
 * The efficient-KAN layer on x [N, D]: y = silu(x)·W_b + reshape(Φ(x), [N, D·M])·C,
 * W_b [D, out], C [D·M, out].
 */
export function kanContract<T>(ops: Ops<T>, x: T, d: number, base: T, coef: T, spec: BasisSpec): T {
  const phi = expandBasis(ops, x, spec, d);
  return ops.add(
    ops.matMul(silu(ops, x), base),
    ops.matMul(ops.reshape(phi, [-1, d * basisSize(spec)]), coef),
  );
}

/** Uniform bound with standard deviation `std`. */
export const uniformStd = (std: number): { uniform: [number, number] } => ({
  uniform: [-Math.sqrt(3) * std, Math.sqrt(3) * std],
});
