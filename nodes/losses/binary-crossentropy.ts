import { inferSameShapeLoss, lossWeight, scalarOut } from '../../src/core/heads.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';

export default defineNode({
  type: 'losses.binaryCrossentropy',
  version: 1,
  kind: 'loss',
  title: 'Binary cross-entropy',
  docs: {
    summary:
      'Cross-entropy of independent yes/no predictions (sigmoid outputs, or logits) against targets in [0, 1], averaged over every element. With a class-labelled dataset the target is one-hot (one binary decision per class).',
    formula:
      'L = −mean (t·log p + (1−t)·log(1−p)),  p clipped to [ε, 1−ε];  fromLogits: L = mean (max(z, 0) − z·t + log(1 + exp(−|z|)))',
  },
  params: {
    fromLogits: p.bool({
      default: false,
      doc: 'Prediction is raw logits (sigmoid applied inside, numerically stable).',
    }),
    weight: lossWeight,
  },
  inputs: {
    pred: { doc: 'Predictions, any shape [B, …].' },
    target: {
      doc: 'Targets in [0, 1], same shape as pred; the dataset labels when unconnected.',
      optional: true,
    },
  },
  outputs: scalarOut,
  infer: inferSameShapeLoss,
  lower: ({ params }) => ({ kind: 'loss', config: { fromLogits: params.fromLogits }, weight: params.weight }),
  loss: {
    target: 'onehot',
    fn(ops, pred, target, params) {
      if (params.fromLogits) {
        // max(z, 0) − z·t + log(1 + exp(−|z|)): exact for any z, never exponentiates a large number.
        const z = pred;
        return ops.mean(ops.add(ops.sub(ops.relu(z), ops.mul(z, target)), ops.softplus(ops.neg(ops.abs(z)))));
      }
      const eps = 1e-7;
      const pc = ops.clip(pred, eps, 1 - eps);
      const one = ops.scalar(1);
      const ll = ops.add(
        ops.mul(target, ops.log(pc)),
        ops.mul(ops.sub(one, target), ops.log(ops.sub(one, pc))),
      );
      return ops.neg(ops.mean(ll));
    },
  },
});
