// Label statistics of a training split (class counts, label co-occurrence), written once over Ops:
// the trainer runs it on tfjs once per run, and the exporters print the same computation.
import type { DataStats, LabelSpec } from './node-def.ts';
import type { Ops } from './ops.ts';

/** Labels as 0/1 rows [N, L]: one-hot for class indices [N], as given for multi-label [N, L]. */
export function labelRows<T>(ops: Ops<T>, y: T, labels: LabelSpec): T {
  if (labels.kind === 'class') return ops.oneHot(y, labels.numClasses);
  return ops.cast(ops.greater(y, ops.scalar(0.5)), 'float32');
}

/** count N, labelCounts Σ_n y_n [L], labelPairs YᵀY [L, L] of the split's labels. */
export function labelStats<T>(ops: Ops<T>, y: T, labels: LabelSpec): DataStats<T> {
  const rows = labelRows(ops, y, labels);
  return {
    count: ops.scalar(ops.shape(rows)[0]!),
    labelCounts: ops.sum(rows, [0]),
    labelPairs: ops.matMul(rows, rows, true, false),
  };
}

/** Per-sample shape of stored labels: [] for class indices, [L] multi-label, the values' shape. */
export const labelRowShape = (labels: LabelSpec): readonly number[] =>
  labels.kind === 'class' ? [] : labels.kind === 'multiLabel' ? [labels.numLabels] : labels.shape;

/** Labels a statistic can count: classes or multi-label sets (values and class maps have none). */
export const hasLabelStats = (labels: LabelSpec): boolean =>
  labels.kind === 'class' || labels.kind === 'multiLabel';
