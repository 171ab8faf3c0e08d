// Overlap metrics over binary decisions (multi-label F1, Jaccard, Dice on masks): per label (the
// last axis) the split's true positives, false positives and false negatives are SUMMED over all
// batches and the score is computed once from the totals, so it equals the brute-force value on
// the whole split. Dice and F1 are one formula (2TP / (2TP + FP + FN)); IoU and Jaccard another.
import { checkSameShape } from '../../src/core/heads.ts';
import { defineNode, type NodeDocs } from '../../src/core/node-def.ts';
import type { Ops } from '../../src/core/ops.ts';
import { p } from '../../src/core/params.ts';
import { tensor } from '../../src/core/tensor-type.ts';

export type OverlapScore = 'dice' | 'jaccard';

const overlapParams = {
  threshold: p.float({
    default: 0.5,
    doc: 'A prediction counts as positive where pred > threshold (0.5 for probabilities, 0 for logits).',
  }),
  average: p.enum(
    ['micro', 'macro'],
    'micro',
    'micro: one score from the counts of all labels; macro: the mean of the per-label scores.',
  ),
};

/** Numerator and denominator weights of TP: dice 2TP / (2TP + FP + FN), jaccard TP / (TP + FP + FN). */
const tpWeight = (score: OverlapScore) => (score === 'dice' ? 2 : 1);

/** [TP_l…, FP_l…, FN_l…] over the labels l of the last axis, summed over every other axis. */
function counts<T>(ops: Ops<T>, pred: T, target: T, threshold: number): T {
  const labels = ops.shape(pred).at(-1)!;
  const yes = ops.reshape(ops.greater(pred, ops.scalar(threshold)), [-1, labels]);
  const truth = ops.reshape(ops.greater(target, ops.scalar(0.5)), [-1, labels]);
  const no = ops.sub(ops.scalar(1), yes);
  const tp = ops.sum(ops.mul(yes, truth), [0]);
  const fp = ops.sum(ops.mul(yes, ops.sub(ops.scalar(1), truth)), [0]);
  const fn = ops.sum(ops.mul(no, truth), [0]);
  return ops.concat([tp, fp, fn], 0);
}

/** w·TP / (w·TP + FP + FN), 0 when the denominator is (sklearn's zero_division=0). */
const overlapRatio = (score: OverlapScore, tp: number, fp: number, fn: number) => {
  const w = tpWeight(score);
  const den = w * tp + fp + fn;
  return den > 0 ? (w * tp) / den : 0;
};

/** The score of each label from totals [TP…, FP…, FN…] (a label with no positives at all scores 0). */
export function overlapPerLabel(score: OverlapScore, sums: readonly number[]): number[] {
  const n = sums.length / 3;
  return Array.from({ length: n }, (_, l) => overlapRatio(score, sums[l]!, sums[n + l]!, sums[2 * n + l]!));
}

/** The score from totals [TP…, FP…, FN…]: micro pools the labels' counts, macro averages their scores. */
export function overlapScore(score: OverlapScore, sums: readonly number[], average: string): number {
  const n = sums.length / 3;
  const total = (v: readonly number[]) => v.reduce((a, b) => a + b, 0);
  if (average === 'micro')
    return overlapRatio(
      score,
      total(sums.slice(0, n)),
      total(sums.slice(n, 2 * n)),
      total(sums.slice(2 * n)),
    );
  return total(overlapPerLabel(score, sums)) / Math.max(1, n);
}

/** The same score from counts [TP…, FP…, FN…] in ops: one batch's (`fn`), or the split's totals (`finalizeOps`). */
function batchScore<T>(ops: Ops<T>, score: OverlapScore, c: T, labels: number, average: string): T {
  const part = (k: number) => ops.slice(c, [k * labels], [labels]);
  let [tp, fp, fn] = [part(0), part(1), part(2)];
  if (average === 'micro') [tp, fp, fn] = [ops.sum(tp), ops.sum(fp), ops.sum(fn)];
  const wtp = ops.mul(ops.scalar(tpWeight(score)), tp);
  const den = ops.add(ops.add(wtp, fp), fn);
  // den = 0 only where wtp = 0 too: max(den, 1) leaves 0, as overlapScore does.
  return ops.mean(ops.div(wtp, ops.maximum(den, ops.scalar(1))));
}

export function overlapMetric(o: { type: string; title: string; score: OverlapScore; docs: NodeDocs }) {
  return defineNode({
    type: o.type,
    version: 1,
    kind: 'metric',
    title: o.title,
    docs: o.docs,
    params: overlapParams,
    inputs: {
      pred: { doc: 'Scores or probabilities [B, …, L] (L labels, or 1 channel of a mask).' },
      target: {
        doc: 'Binary targets (0/1) of the same shape; the dataset labels when unconnected.',
        optional: true,
      },
    },
    outputs: { value: { doc: 'Scalar in [0, 1].' } },
    infer({ inputs }) {
      checkSameShape(inputs.pred!, inputs.target!);
      return { value: tensor([]) };
    },
    lower: ({ params }) => ({
      kind: 'metric',
      config: { threshold: params.threshold, average: params.average },
    }),
    metric: {
      target: 'onehot',
      fn(ops, pred, target, params) {
        const labels = ops.shape(pred).at(-1)!;
        return batchScore(ops, o.score, counts(ops, pred, target, params.threshold), labels, params.average);
      },
      split: {
        stats: (ops, inputs, params) => counts(ops, inputs.pred!, inputs.target!, params.threshold),
        finalize: (sums, params) => overlapScore(o.score, sums, params.average),
        finalizeOps: (ops, sums, params) =>
          batchScore(ops, o.score, sums, ops.shape(sums)[0]! / 3, params.average),
        perLabel: (sums) => overlapPerLabel(o.score, sums),
      },
    },
  });
}
