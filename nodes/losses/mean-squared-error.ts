import { inferSameShapeLoss, lossWeight, sameShapeInputs, scalarOut } from '../../src/core/heads.ts';
import { defineNode } from '../../src/core/node-def.ts';

export default defineNode({
  type: 'losses.meanSquaredError',
  version: 1,
  kind: 'loss',
  title: 'Mean squared error',
  docs: {
    summary:
      'Average squared difference between prediction and target. For regression; with a class-labelled dataset the target is one-hot.',
    formula: 'L = mean (p − t)²',
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
    fn: (ops, pred, target) => ops.mean(ops.square(ops.sub(pred, target))),
  },
});
