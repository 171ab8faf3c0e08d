import { checkIndexTarget } from '../../src/core/heads.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { tensor } from '../../src/core/tensor-type.ts';

export default defineNode({
  type: 'metrics.accuracy',
  version: 1,
  kind: 'metric',
  title: 'Accuracy',
  docs: {
    summary: 'Fraction of samples whose highest-scoring class equals the label.',
    formula: 'acc = mean_b [argmax_c p_bc = t_b]',
  },
  params: {},
  inputs: {
    pred: { doc: 'Class scores or probabilities [B, C].' },
    target: { doc: 'Class indices [B]; the dataset labels when unconnected.', optional: true },
  },
  outputs: { value: { doc: 'Scalar in [0, 1].' } },
  infer({ inputs }) {
    checkIndexTarget(inputs.pred!, inputs.target!);
    return { value: tensor([]) };
  },
  lower: () => ({ kind: 'metric', config: {} }),
  metric: {
    target: 'index',
    fn: (ops, pred, target) =>
      ops.mean(ops.equal(ops.argMax(pred, -1), ops.cast(ops.reshape(target, [-1]), 'int32'))),
  },
});
