import { checkSameShape } from '../../src/core/heads.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { tensor } from '../../src/core/tensor-type.ts';

export default defineNode({
  type: 'metrics.binaryAccuracy',
  version: 1,
  kind: 'metric',
  title: 'Binary accuracy',
  docs: {
    summary:
      'Fraction of yes/no decisions that are right: each prediction (a sigmoid probability, or a logit with threshold 0) is thresholded and compared with its 0/1 target; averaged over every element. Keras’s binary_accuracy. Used by the P15 template (Ge et al., ICLR 2024, arXiv 2303.01566) to score the linear probe and the supervised baseline.',
    formula: 'acc = mean_{b,j} [ [p_bj > θ] = [t_bj > 0.5] ]',
  },
  params: {
    threshold: p.float({
      default: 0.5,
      doc: 'A prediction counts as 1 where pred > threshold (0.5 for probabilities, 0 for logits).',
    }),
  },
  inputs: {
    pred: { doc: 'Probabilities or logits [B, …].' },
    target: {
      doc: 'Targets in {0, 1}, same shape as pred; the dataset labels when unconnected.',
      optional: true,
    },
  },
  outputs: { value: { doc: 'Scalar in [0, 1].' } },
  infer({ inputs }) {
    checkSameShape(inputs.pred!, inputs.target!);
    return { value: tensor([]) };
  },
  lower: ({ params }) => ({ kind: 'metric', config: { threshold: params.threshold } }),
  metric: {
    target: 'onehot',
    fn: (ops, pred, target, params) =>
      ops.mean(
        ops.equal(ops.greater(pred, ops.scalar(params.threshold)), ops.greater(target, ops.scalar(0.5))),
      ),
  },
});
