import { checkSameShape } from '../../src/core/heads.ts';
import { defineNode } from '../../src/core/node-def.ts';
import type { Ops } from '../../src/core/ops.ts';
import { p } from '../../src/core/params.ts';
import { tensor } from '../../src/core/tensor-type.ts';

/** [wrong decisions, decisions] of one batch. */
function mismatches<T>(ops: Ops<T>, pred: T, target: T, threshold: number): T {
  const yes = ops.greater(pred, ops.scalar(threshold));
  const truth = ops.greater(target, ops.scalar(0.5));
  const wrong = ops.sum(ops.abs(ops.sub(yes, truth)));
  const all = ops.scalar(ops.shape(pred).reduce((a, b) => a * b, 1));
  return ops.concat([ops.reshape(wrong, [1]), ops.reshape(all, [1])], 0);
}

/** wrong / decisions from [wrong, decisions] (0 for no decisions: the count is an integer ≥ 1 otherwise). */
const fraction = <T>(ops: Ops<T>, c: T): T =>
  ops.sum(ops.div(ops.slice(c, [0], [1]), ops.maximum(ops.slice(c, [1], [1]), ops.scalar(1))));

export default defineNode({
  type: 'metrics.hammingLoss',
  version: 1,
  kind: 'metric',
  title: 'Hamming loss (whole split)',
  docs: {
    summary:
      'Fraction of label decisions that are wrong (multi-label): thresholded predictions against binary targets, counted over the whole split.',
    formula: 'H = (1 / (N·L)) Σ_n Σ_l [ [p_nl > θ] ≠ t_nl ]',
  },
  params: {
    threshold: p.float({ default: 0.5, doc: 'A prediction counts as positive where pred > threshold.' }),
  },
  inputs: {
    pred: { doc: 'Scores or probabilities [B, L].' },
    target: { doc: 'Binary targets [B, L]; the dataset labels when unconnected.', optional: true },
  },
  outputs: { value: { doc: 'Scalar in [0, 1] (lower is better).' } },
  infer({ inputs }) {
    checkSameShape(inputs.pred!, inputs.target!);
    return { value: tensor([]) };
  },
  lower: ({ params }) => ({ kind: 'metric', config: { threshold: params.threshold } }),
  metric: {
    target: 'onehot',
    fn: (ops, pred, target, params) => fraction(ops, mismatches(ops, pred, target, params.threshold)),
    split: {
      stats: (ops, inputs, params) => mismatches(ops, inputs.pred!, inputs.target!, params.threshold),
      finalize: (sums) => (sums[1]! > 0 ? sums[0]! / sums[1]! : 0),
      finalizeOps: (ops, sums) => fraction(ops, sums),
    },
  },
});
