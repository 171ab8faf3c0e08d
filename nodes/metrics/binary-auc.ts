import { reject } from '../../src/core/diagnostics.ts';
import { checkIndexTarget } from '../../src/core/heads.ts';
import { defineNode } from '../../src/core/node-def.ts';
import type { Ops } from '../../src/core/ops.ts';
import { p } from '../../src/core/params.ts';
import { tensor } from '../../src/core/tensor-type.ts';

/** Bin of each sample's positive-class probability: min(⌊s·bins⌋, bins − 1). */
function binOf<T>(ops: Ops<T>, pred: T, params: { positive: number; bins: number; fromLogits: boolean }): T {
  const c = ops.shape(pred).at(-1)!;
  if (params.positive >= c)
    throw new Error(
      `binaryAuc: positive class ${params.positive} is not among the prediction's ${c} classes.`,
    );
  const probs = params.fromLogits ? ops.softmax(pred) : pred;
  const s = ops.reshape(ops.slice(probs, [0, params.positive], [-1, 1]), [-1]);
  return ops.clip(ops.floor(ops.mul(s, ops.scalar(params.bins))), 0, params.bins - 1);
}

/** [positives per bin…, negatives per bin…] of one batch. */
function histograms<T>(
  ops: Ops<T>,
  pred: T,
  target: T,
  params: { positive: number; bins: number; fromLogits: boolean },
): T {
  const bins = ops.oneHot(binOf(ops, pred, params), params.bins); // [B, bins]
  const pos = ops.equal(ops.cast(ops.reshape(target, [-1, 1]), 'float32'), ops.scalar(params.positive));
  const neg = ops.sub(ops.scalar(1), pos);
  return ops.concat([ops.sum(ops.mul(bins, pos), [0]), ops.sum(ops.mul(bins, neg), [0])], 0);
}

/** AUC from the totals: Σ_i pos_i (Σ_{j<i} neg_j + ½ neg_i) / (P·N); ½ when a class is absent. */
export function aucFromHistograms(sums: readonly number[]): number {
  const bins = sums.length / 2;
  let below = 0;
  let s = 0;
  let pos = 0;
  for (let i = 0; i < bins; i++) {
    const p = sums[i]!;
    const n = sums[bins + i]!;
    s += p * (below + n / 2);
    below += n;
    pos += p;
  }
  return pos > 0 && below > 0 ? s / (pos * below) : 0.5;
}

/** The same in ops: negatives strictly below each bin by a strictly-lower-triangular product. */
function aucOps<T>(ops: Ops<T>, sums: T, bins: number): T {
  const pos = ops.slice(sums, [0], [bins]);
  const neg = ops.slice(sums, [bins], [bins]);
  const lower = ops.constant(
    Array.from({ length: bins * bins }, (_, k) => (Math.floor(k / bins) < k % bins ? 1 : 0)),
    [bins, bins],
  );
  const below = ops.reshape(ops.matMul(ops.reshape(neg, [1, bins]), lower), [bins]);
  const s = ops.sum(ops.mul(pos, ops.add(below, ops.mul(neg, ops.scalar(0.5)))));
  const pn = ops.mul(ops.sum(pos), ops.sum(neg));
  // pn = 0 (one class absent): ½, as aucFromHistograms.
  const none = ops.sub(ops.scalar(1), ops.greater(pn, ops.scalar(0)));
  return ops.add(ops.div(s, ops.maximum(pn, ops.scalar(1))), ops.mul(none, ops.scalar(0.5)));
}

export default defineNode({
  type: 'metrics.binaryAuc',
  version: 1,
  kind: 'metric',
  title: 'ROC AUC, binary (whole split)',
  docs: {
    summary:
      "Area under the ROC curve of one class's probability against the rest, over the whole split: the chance that a random positive scores above a random negative (ties count ½). The split's scores are counted in `bins` equal bins of [0, 1], summed over the batches, and the AUC is computed once from the two histograms — exactly the AUC of the scores rounded down to their bin (src/core/metrics/auc.ts computes it unbinned for experiments). ½ when the split lacks one of the classes.",
    formula:
      'AUC = Σ_i P_i·(Σ_{j<i} N_j + ½·N_i) / (Σ P · Σ N),  P_i, N_i = positives / negatives whose p_{positive} falls in bin i = min(⌊p·bins⌋, bins − 1)',
    paper: {
      title: 'Breast Tumor Classification Using EfficientNet Deep Learning Model (binary AUC)',
      year: 2024,
    },
  },
  params: {
    positive: p.int({
      default: 1,
      min: 0,
      max: 100_000,
      doc: 'The positive class (its probability is the score).',
    }),
    bins: p.int({
      default: 256,
      min: 2,
      max: 1024,
      doc: 'Score bins over [0, 1]; ties within a bin count ½.',
    }),
    fromLogits: p.bool({ default: true, doc: 'pred is logits (softmax applied); off: probabilities.' }),
  },
  inputs: {
    pred: { doc: 'Class scores [B, C] (C ≥ 2).' },
    target: { doc: 'Class indices [B]; the dataset labels when unconnected.', optional: true },
  },
  outputs: { value: { doc: 'Scalar in [0, 1].' } },
  infer({ inputs, params }) {
    checkIndexTarget(inputs.pred!, inputs.target!);
    const c = inputs.pred!.shape[1];
    if (typeof c === 'number' && params.positive >= c)
      reject(
        'param/invalid',
        `positive class ${params.positive} is not among the prediction's ${c} classes; pick 0…${c - 1}.`,
        { field: 'positive' },
      );
    return { value: tensor([]) };
  },
  lower: ({ params }) => ({
    kind: 'metric',
    config: { positive: params.positive, bins: params.bins, fromLogits: params.fromLogits },
  }),
  metric: {
    target: 'index',
    fn: (ops, pred, target, params) => aucOps(ops, histograms(ops, pred, target, params), params.bins),
    split: {
      stats: (ops, inputs, params) => histograms(ops, inputs.pred!, inputs.target!, params),
      finalize: (sums) => aucFromHistograms(sums),
      finalizeOps: (ops, sums, params) => aucOps(ops, sums, params.bins),
    },
  },
});
