import { inferIndexTargetLoss, lossWeight, scalarOut } from '../../src/core/heads.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';

export default defineNode({
  type: 'losses.sparseCategoricalCrossentropy',
  version: 1,
  kind: 'loss',
  title: 'Sparse categorical cross-entropy',
  docs: {
    summary:
      'Cross-entropy between integer class labels and predicted class probabilities (or logits): the same loss as categorical cross-entropy, without one-hot targets.',
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
    pred: { doc: 'Predictions [B, C].' },
    target: { doc: 'Class indices [B] (or [B, 1]); the dataset labels when unconnected.', optional: true },
  },
  outputs: scalarOut,
  infer: inferIndexTargetLoss,
  lower: ({ params }) => ({ kind: 'loss', config: { fromLogits: params.fromLogits }, weight: params.weight }),
  loss: {
    target: 'index',
    fn(ops, pred, target, params) {
      const c = ops.shape(pred).at(-1)!;
      const logP = params.fromLogits
        ? ops.logSoftmax(pred)
        : ops.log(ops.clip(ops.div(pred, ops.sum(pred, [-1], true)), 1e-7, 1 - 1e-7));
      return ops.neg(ops.mean(ops.sum(ops.mul(ops.oneHot(target, c), logP), [-1])));
    },
  },
});
