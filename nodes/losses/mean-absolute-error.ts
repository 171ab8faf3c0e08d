import { inferSameShapeLoss, lossWeight, sameShapeInputs, scalarOut } from '../../src/core/heads.ts';
import { defineNode } from '../../src/core/node-def.ts';

export default defineNode({
  type: 'losses.meanAbsoluteError',
  version: 1,
  kind: 'loss',
  title: 'Mean absolute error',
  docs: {
    summary:
      'Average absolute difference between prediction and target; less sensitive to outliers than squared error. With a class-labelled dataset the target is one-hot.',
    formula: 'L = mean |p − t|',
  },
  params: {
    weight: lossWeight,
  },
  inputs: sameShapeInputs,
  outputs: scalarOut,
  infer: inferSameShapeLoss,
  lower: ({ params }) => ({ kind: 'loss', config: {}, weight: params.weight }),
  loss: {
    target: 'onehot',
    fn: (ops, pred, target) => ops.mean(ops.abs(ops.sub(pred, target))),
  },
});
