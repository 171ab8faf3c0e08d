import { checkIndexTarget } from '../../src/core/heads.ts';
import { defineNode } from '../../src/core/node-def.ts';
import type { Ops } from '../../src/core/ops.ts';
import { p } from '../../src/core/params.ts';
import { tensor } from '../../src/core/tensor-type.ts';

/**
 * Per confidence bin k = 1..M, (lo, hi] = ((k−1)/M, k/M] (confidence 0 joins bin 1):
 * [count_k…, Σ confidence_k…, Σ correct_k…].
 */
function binSums<T>(ops: Ops<T>, pred: T, target: T, bins: number, fromLogits: boolean): T {
  const probs = fromLogits ? ops.softmax(pred) : pred;
  const conf = ops.max(probs, [-1], true); // [B, 1]
  const correct = ops.equal(ops.argMax(probs, -1), ops.cast(ops.reshape(target, [-1]), 'int32')); // [B]
  const lo = Array.from({ length: bins }, (_, k) => (k === 0 ? -1 : k / bins));
  const hi = Array.from({ length: bins }, (_, k) => (k + 1) / bins);
  const inBin = ops.mul(
    ops.greater(conf, ops.constant(lo, [1, bins])),
    ops.sub(ops.scalar(1), ops.greater(conf, ops.constant(hi, [1, bins]))),
  ); // [B, M]
  return ops.concat(
    [
      ops.sum(inBin, [0]),
      ops.sum(ops.mul(inBin, conf), [0]),
      ops.sum(ops.mul(inBin, ops.reshape(correct, [-1, 1])), [0]),
    ],
    0,
  );
}

/** ECE from the bin totals. */
export function eceFromSums(sums: readonly number[]): number {
  const m = sums.length / 3;
  let n = 0;
  let gap = 0;
  for (let k = 0; k < m; k++) {
    const count = sums[k]!;
    n += count;
    if (count > 0) gap += Math.abs(sums[2 * m + k]! - sums[m + k]!); // |Σ correct − Σ conf| = n_k·|acc_k − conf_k|
  }
  return n > 0 ? gap / n : 0;
}

/** eceFromSums in ops (one batch's bins in `fn`, the split's totals in the exported code). */
function eceFromSumsOps<T>(ops: Ops<T>, s: T, m: number): T {
  const count = ops.slice(s, [0], [m]);
  const gap = ops.abs(ops.sub(ops.slice(s, [2 * m], [m]), ops.slice(s, [m], [m])));
  return ops.div(ops.sum(gap), ops.maximum(ops.sum(count), ops.scalar(1)));
}

export default defineNode({
  type: 'metrics.expectedCalibrationError',
  version: 1,
  kind: 'metric',
  title: 'Expected calibration error (whole split)',
  docs: {
    summary:
      'How far the top-class confidence is from the accuracy: samples are binned by confidence into M equal-width bins over the whole split, and the bins’ |accuracy − mean confidence| are averaged, weighted by size.',
    formula: 'ECE = Σ_k (n_k / N) · |acc(B_k) − conf(B_k)|,  B_k = {n : conf_n ∈ ((k−1)/M, k/M]}',
    paper: {
      title: 'On Calibration of Modern Neural Networks',
      authors: 'Guo, Pleiss, Sun, Weinberger',
      year: 2017,
      arxiv: '1706.04599',
    },
  },
  params: {
    bins: p.int({ default: 15, min: 1, max: 100, doc: 'Number of equal-width confidence bins M.' }),
    fromLogits: p.bool({ default: false, doc: 'Prediction is logits (softmax applied first).' }),
  },
  inputs: {
    pred: { doc: 'Class probabilities (or logits) [B, C].' },
    target: { doc: 'Class indices [B]; the dataset labels when unconnected.', optional: true },
  },
  outputs: { value: { doc: 'Scalar in [0, 1] (lower is better).' } },
  infer({ inputs }) {
    checkIndexTarget(inputs.pred!, inputs.target!);
    return { value: tensor([]) };
  },
  lower: ({ params }) => ({ kind: 'metric', config: { bins: params.bins, fromLogits: params.fromLogits } }),
  metric: {
    target: 'index',
    fn: (ops, pred, target, params) =>
      eceFromSumsOps(ops, binSums(ops, pred, target, params.bins, params.fromLogits), params.bins),
    split: {
      stats: (ops, inputs, params) =>
        binSums(ops, inputs.pred!, inputs.target!, params.bins, params.fromLogits),
      finalize: (sums) => eceFromSums(sums),
      finalizeOps: (ops, sums, params) => eceFromSumsOps(ops, sums, params.bins),
    },
  },
});
