// Shared helpers for datasets: seeded permutations, stratified train/val splits and gathering rows
// into `Split`s. Pure; all randomness comes from the `Rng` passed in.

import type { Rng } from '../rng.ts';
import type { Split } from './dataset-def.ts';

/** The common `valFraction` parameter bounds. */
export const VAL_FRACTION = { default: 0.2, min: 0.05, max: 0.5, step: 0.05 } as const;

/** `[0, n)` in a seeded random order. */
export function permutation(n: number, rng: Rng): number[] {
  return rng.shuffle(Array.from({ length: n }, (_, i) => i));
}

/** Size of the validation part of `n` rows: `round(n·f)`, leaving at least one row on each side. */
export function valCount(n: number, valFraction: number): number {
  if (n < 2) return 0;
  return Math.min(n - 1, Math.max(1, Math.round(n * valFraction)));
}

/**
 * Stratified split: each class contributes `round(n_c · valFraction)` rows to val (so val keeps
 * the class proportions), then both sides are shuffled. Disjoint; every row lands in one side.
 */
export function stratifiedSplit(
  labels: ArrayLike<number>,
  numClasses: number,
  valFraction: number,
  rng: Rng,
): { train: number[]; val: number[] } {
  const byClass: number[][] = Array.from({ length: numClasses }, () => []);
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i]!;
    if (!(c >= 0 && c < numClasses)) throw new Error(`label ${c} at row ${i} is outside [0, ${numClasses})`);
    byClass[c]!.push(i);
  }
  const train: number[] = [];
  const val: number[] = [];
  for (const rows of byClass) {
    rng.shuffle(rows);
    const nv = valCount(rows.length, valFraction);
    for (let k = 0; k < rows.length; k++) (k < nv ? val : train).push(rows[k]!);
  }
  return { train: rng.shuffle(train), val: rng.shuffle(val) };
}

/** Copies the rows `idx` of a row-major `x` (`dim` floats per row) into a new Float32Array. */
export function gatherRows(x: ArrayLike<number>, dim: number, idx: readonly number[]): Float32Array {
  const out = new Float32Array(idx.length * dim);
  if (x instanceof Float32Array) {
    for (let k = 0; k < idx.length; k++) out.set(x.subarray(idx[k]! * dim, (idx[k]! + 1) * dim), k * dim);
  } else {
    for (let k = 0; k < idx.length; k++) {
      const src = idx[k]! * dim;
      const dst = k * dim;
      for (let j = 0; j < dim; j++) out[dst + j] = x[src + j]!;
    }
  }
  return out;
}

/** A classification split: rows `idx` of `x` with their class indices. */
export function classSplit(
  x: ArrayLike<number>,
  dim: number,
  labels: ArrayLike<number>,
  idx: readonly number[],
): Split {
  const y = new Int32Array(idx.length);
  for (let k = 0; k < idx.length; k++) y[k] = labels[idx[k]!]!;
  return { x: gatherRows(x, dim, idx), y, count: idx.length };
}

/** A regression split: rows `idx` of `x` and of the targets `t` (`tDim` floats per row). */
export function valueSplit(
  x: ArrayLike<number>,
  dim: number,
  t: ArrayLike<number>,
  tDim: number,
  idx: readonly number[],
): Split {
  return { x: gatherRows(x, dim, idx), y: gatherRows(t, tDim, idx), count: idx.length };
}

/** Rows `idx` of each named field (`width` values per row), for a Split's `fields`. */
export function gatherFields(
  fields: Readonly<Record<string, { readonly values: ArrayLike<number>; readonly width: number }>>,
  idx: readonly number[],
): Record<string, Float32Array> {
  return Object.fromEntries(
    Object.entries(fields).map(([name, f]) => [name, gatherRows(f.values, f.width, idx)]),
  );
}
