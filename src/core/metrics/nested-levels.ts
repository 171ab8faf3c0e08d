// Nested classes as levels (P1): class c ∈ {0..K} of a pixel means it lies in the nested regions
// 1..c ("class ≥ k" is region k, and region k+1 ⊂ region k). A prediction is either K level
// probabilities p_k (the soft mask of "class ≥ k", from the multi-level activation) or C = K + 1
// class scores (a softmax head). These helpers decode either into a class map and count the
// agreement of region k with the labels, over Ops, so the metric nodes, the trainer's evaluation
// and the exporters share one definition.
import type { Ops } from '../ops.ts';

/** How a prediction's last axis is read. */
export type LevelDecode = 'levels' | 'classes';

/** The decoded class per position, float [N] over every position of the batch (flattened). */
export function decodeClasses<T>(ops: Ops<T>, pred: T, decode: LevelDecode): T {
  const width = ops.shape(pred).at(-1)!;
  const rows = ops.reshape(pred, [-1, width]);
  if (decode === 'classes') return ops.cast(ops.argMax(rows, -1), 'float32');
  // Levels above one half, counted: equal to the deepest level above one half when they nest.
  return ops.sum(ops.greater(rows, ops.scalar(0.5)), [-1]);
}

/** Labels as float [N], flattened like decodeClasses. */
export const flatLabels = <T>(ops: Ops<T>, target: T): T => ops.cast(ops.reshape(target, [-1]), 'float32');

/** Region k as a 0/1 mask: class ≥ k. */
const region = <T>(ops: Ops<T>, classes: T, k: number): T => ops.greater(classes, ops.scalar(k - 0.5));

/** [TP, FP, FN] of region k (predicted vs true), summed over the batch's positions. */
export function regionCounts<T>(ops: Ops<T>, predicted: T, truth: T, k: number): T {
  const p = region(ops, predicted, k);
  const t = region(ops, truth, k);
  const one = ops.scalar(1);
  const tp = ops.sum(ops.mul(p, t), [0], true);
  const fp = ops.sum(ops.mul(p, ops.sub(one, t)), [0], true);
  const fn = ops.sum(ops.mul(ops.sub(one, p), t), [0], true);
  return ops.concat([tp, fp, fn], 0);
}

/** Dice 2TP / (2TP + FP + FN) from totals [TP, FP, FN]; 0 when region k is empty in both. */
export function diceFromCounts([tp, fp, fn]: readonly number[]): number {
  const den = 2 * tp! + fp! + fn!;
  return den > 0 ? (2 * tp!) / den : 0;
}

/**
 * 1 where the thresholded levels do not nest (some level k > 1 above one half while level k − 1
 * is not), else 0: float [N] over the positions. Needs K ≥ 1 levels on the last axis.
 */
export function nestingViolations<T>(ops: Ops<T>, levels: T): T {
  const k = ops.shape(levels).at(-1)!;
  const on = ops.greater(ops.reshape(levels, [-1, k]), ops.scalar(0.5));
  if (k < 2) return ops.mul(ops.sum(on, [-1]), ops.scalar(0));
  const inner = ops.slice(on, [0, 1], [-1, k - 1]);
  const outer = ops.slice(on, [0, 0], [-1, k - 1]);
  // inner ∧ ¬outer, any over the levels.
  return ops.greater(ops.sum(ops.mul(inner, ops.sub(ops.scalar(1), outer)), [-1]), ops.scalar(0.5));
}
