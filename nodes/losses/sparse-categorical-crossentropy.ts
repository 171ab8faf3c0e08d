import { checkPositionTarget, lossWeight, scalarOut } from '../../src/core/heads.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { tensor } from '../../src/core/tensor-type.ts';

export default defineNode({
  type: 'losses.sparseCategoricalCrossentropy',
  version: 1,
  kind: 'loss',
  title: 'Sparse categorical cross-entropy',
  docs: {
    summary:
      'Cross-entropy between integer class labels and predicted class probabilities (or logits): the same loss as categorical cross-entropy, without one-hot targets. With a class per position (segmentation masks, pred [B, H, W, C] against labels [B, H, W]) it is the mean over every position.',
    formula:
      'L = −mean_b log p_{b, t_b},  log p = logSoftmax(z) when fromLogits, else log(clip(p / Σ_c p, ε, 1−ε))',
  },
  params: {
    fromLogits: p.bool({
      default: false,
      doc: 'Prediction is raw logits (log-softmax applied inside, numerically stable).',
    }),
    weight: lossWeight,
  },
  inputs: {
    pred: { doc: 'Predictions [B, C], or [B, …, C] with a class per position.' },
    target: {
      doc: 'Class indices [B] (or [B, 1]), or [B, …] per position; the dataset labels when unconnected.',
      optional: true,
    },
  },
  outputs: scalarOut,
  infer({ inputs }) {
    checkPositionTarget(inputs.pred!, inputs.target!);
    return { loss: tensor([]) };
  },
  lower: ({ params }) => ({ kind: 'loss', config: { fromLogits: params.fromLogits }, weight: params.weight }),
  loss: {
    target: 'index',
    fn(ops, pred, target, params) {
      const c = ops.shape(pred).at(-1)!;
      const logP = params.fromLogits
        ? ops.logSoftmax(pred)
        : ops.log(ops.clip(ops.div(pred, ops.sum(pred, [-1], true)), 1e-7, 1 - 1e-7));
      // Positions flattened into rows (oneHot flattens the indices the same way).
      const rows = ops.shape(pred).length > 2 ? ops.reshape(logP, [-1, c]) : logP;
      return ops.neg(ops.mean(ops.sum(ops.mul(ops.oneHot(target, c), rows), [-1])));
    },
  },
});
