import { inferSameShapeLoss, lossWeight, scalarOut } from '../../src/core/heads.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';

export default defineNode({
  type: 'losses.categoricalCrossentropy',
  version: 1,
  kind: 'loss',
  title: 'Categorical cross-entropy',
  docs: {
    summary: 'Cross-entropy between one-hot targets and predicted class probabilities (or logits).',
    formula: 'L = −mean_b Σ_c t_bc · log p_bc,  p = softmax(z) when fromLogits',
  },
  params: {
    fromLogits: p.bool({
      default: false,
      doc: 'Prediction is raw logits (softmax applied inside, numerically stable).',
    }),
    labelSmoothing: p.float({ default: 0, min: 0, max: 1, doc: 't ← t(1−ε) + ε/C.' }),
    weight: lossWeight,
  },
  inputs: {
    pred: { doc: 'Predictions [B, C].' },
    target: { doc: 'One-hot targets [B, C]; the dataset labels when unconnected.', optional: true },
  },
  outputs: scalarOut,
  infer: inferSameShapeLoss,
  lower: ({ params }) => ({
    kind: 'loss',
    config: { fromLogits: params.fromLogits, labelSmoothing: params.labelSmoothing },
    weight: params.weight,
  }),
  loss: {
    target: 'onehot',
    labels: 'class',
    fn(ops, pred, target, params) {
      const c = ops.shape(pred).at(-1)!;
      const t =
        params.labelSmoothing > 0
          ? ops.add(
              ops.mul(target, ops.scalar(1 - params.labelSmoothing)),
              ops.scalar(params.labelSmoothing / c),
            )
          : target;
      const logP = params.fromLogits
        ? ops.logSoftmax(pred)
        : ops.log(ops.clip(ops.div(pred, ops.sum(pred, [-1], true)), 1e-7, 1 - 1e-7));
      return ops.neg(ops.mean(ops.sum(ops.mul(t, logP), [-1])));
    },
  },
});
