import { checkSameShape } from '../../src/core/heads.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { tensor } from '../../src/core/tensor-type.ts';

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
    weight: p.float({ default: 1, min: 0, doc: 'Weight of this term in the total loss.' }),
  },
  inputs: {
    pred: { doc: 'Predictions, any shape [B, …].' },
    target: { doc: 'Targets, same shape as pred; the dataset labels when unconnected.', optional: true },
  },
  outputs: { loss: { doc: 'Scalar.' } },
  infer({ inputs }) {
    checkSameShape(inputs.pred!, inputs.target!);
    return { loss: tensor([]) };
  },
  lower: ({ params }) => ({ kind: 'loss', config: {}, weight: params.weight }),
  loss: {
    target: 'onehot',
    fn: (ops, pred, target) => ops.mean(ops.abs(ops.sub(pred, target))),
  },
});
