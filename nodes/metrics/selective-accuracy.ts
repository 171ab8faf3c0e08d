// Accuracy and coverage of a selective classifier's admitted set (SDM's high-reliability region, P31).

import { reject } from '../../src/core/diagnostics.ts';
import { checkIndexTarget } from '../../src/core/heads.ts';
import { defineNode } from '../../src/core/node-def.ts';
import type { Ops } from '../../src/core/ops.ts';
import { p } from '../../src/core/params.ts';
import { formatShape, tensor } from '../../src/core/tensor-type.ts';
import { SDM_PAPER } from '../activations/sdm-activation.ts';

interface SelectiveParams {
  readonly threshold: number;
  readonly minQ: number;
  readonly report: string;
}

/** [admitted, admitted and correct, all] over the batch: admitted ⇔ max p > τ (and q ≥ minQ). */
function selectiveSums<T>(ops: Ops<T>, pred: T, target: T, q: T | undefined, params: SelectiveParams): T {
  const conf = ops.reshape(ops.max(pred, [-1]), [-1]); // [B]
  let admit = ops.greater(conf, ops.scalar(params.threshold));
  if (q)
    admit = ops.mul(
      admit,
      ops.greater(ops.reshape(ops.cast(q, 'float32'), [-1]), ops.scalar(params.minQ - 0.5)),
    );
  const correct = ops.equal(ops.argMax(pred, -1), ops.cast(ops.reshape(target, [-1]), 'int32'));
  return ops.concat(
    [
      ops.reshape(ops.sum(admit), [1]),
      ops.reshape(ops.sum(ops.mul(admit, correct)), [1]),
      ops.reshape(ops.sum(ops.add(ops.mul(conf, ops.scalar(0)), ops.scalar(1))), [1]),
    ],
    0,
  );
}

/** The metric from the totals [admitted, correct, all]: accuracy of the admitted (0 when none) or coverage. */
export function selectiveFromSums(sums: readonly number[], report: string): number {
  const [admitted = 0, correct = 0, all = 0] = sums;
  if (report === 'coverage') return all > 0 ? admitted / all : 0;
  return admitted > 0 ? correct / admitted : 0;
}

function selectiveFromSumsOps<T>(ops: Ops<T>, s: T, report: string): T {
  const admitted = ops.slice(s, [0], [1]);
  const num = report === 'coverage' ? admitted : ops.slice(s, [1], [1]);
  const den = report === 'coverage' ? ops.slice(s, [2], [1]) : admitted;
  return ops.reshape(ops.div(num, ops.maximum(den, ops.scalar(1))), []);
}

export default defineNode({
  type: 'metrics.selectiveAccuracy',
  version: 1,
  kind: 'metric',
  title: 'Selective accuracy / coverage (whole split)',
  docs: {
    summary:
      'Scores a classifier that may abstain: a sample is admitted when its top-class probability exceeds the threshold τ and, when the similarity q is connected, q ≥ minQ (SDM’s high-reliability region; Schmaltz 2025, arXiv 2502.20167, uses q ≥ 2 and sdm max-prob ≥ 0.9 in this product’s miniature). Reports the accuracy of the admitted set (0 when nothing is admitted), or its coverage, the admitted fraction of the split. Counted over the whole split.',
    formula:
      'A = {n : max_c p_{n,c} > τ ∧ q_n ≥ minQ};  accuracy = |{n ∈ A : argmax p_n = y_n}| / |A|;  coverage = |A| / N',
    paper: SDM_PAPER,
  },
  params: {
    threshold: p.float({
      default: 0.9,
      min: 0,
      max: 1,
      doc: 'τ: admit when the top-class probability exceeds it.',
    }),
    minQ: p.int({ default: 2, min: 0, max: 1000, doc: 'Admit only q ≥ minQ (used when q is connected).' }),
    report: p.enum(['accuracy', 'coverage'], 'accuracy', 'accuracy of the admitted set, or its coverage.'),
  },
  inputs: {
    pred: { doc: 'Class probabilities [B, C] (softmax or sdmActivation output).' },
    target: { doc: 'Class indices [B]; the dataset labels when unconnected.', optional: true },
    q: { doc: 'Similarity q [B, 1] (optional): admit only q ≥ minQ.', optional: true },
  },
  outputs: { value: { doc: 'Scalar in [0, 1].' } },
  infer({ inputs }) {
    checkIndexTarget(inputs.pred!, inputs.target!);
    const q = inputs.q;
    if (q && !(q.shape.length === 2 && q.shape[1] === 1))
      reject('shape/mismatch', `q ${formatShape(q.shape)} must be one value per sample: [B, 1].`, {
        port: 'q',
      });
    return { value: tensor([]) };
  },
  lower: ({ params }) => ({
    kind: 'metric',
    config: { threshold: params.threshold, minQ: params.minQ, report: params.report },
  }),
  metric: {
    target: 'index',
    fn: (ops, pred, target, params) =>
      selectiveFromSumsOps(ops, selectiveSums(ops, pred, target, undefined, params), params.report),
    call: (ops, { pred, target, q }, params) =>
      selectiveFromSumsOps(ops, selectiveSums(ops, pred!, target!, q, params), params.report),
    split: {
      stats: (ops, { pred, target, q }, params) => selectiveSums(ops, pred!, target!, q, params),
      finalize: (sums, params) => selectiveFromSums(sums, params.report),
      finalizeOps: (ops, sums, params) => selectiveFromSumsOps(ops, sums, params.report),
    },
  },
  examples: [
    {
      inputs: {
        pred: { shape: [6, 3], range: [0, 1] },
        target: { shape: [6, 1], dtype: 'int32', range: [0, 3] },
      },
    },
    {
      inputs: {
        pred: { shape: [6, 3], range: [0, 1] },
        target: { shape: [6, 1], dtype: 'int32', range: [0, 3] },
        q: { shape: [6, 1], dtype: 'int32', range: [0, 5] },
      },
      params: { threshold: 0.5, report: 'coverage' },
    },
  ],
});
