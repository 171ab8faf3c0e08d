import { checkIndexTarget } from '../../src/core/heads.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { tensor } from '../../src/core/tensor-type.ts';
import { balancedFromCounts, balancedOps, recallCounts, recalls } from './_class-recall.ts';

export default defineNode({
  type: 'metrics.balancedAccuracy',
  version: 1,
  kind: 'metric',
  title: 'Balanced accuracy (whole split)',
  docs: {
    summary:
      'The mean of the per-class recalls, from the correct predictions and members of every class counted over the whole split (not a mean of batch values): on imbalanced data a model that always predicts the majority class scores 1/C, not the majority share. Classes absent from the split are left out of the mean (as scikit-learn).',
    formula:
      'BA = (1/|{c : N_c > 0}|) Σ_{c : N_c > 0} TP_c / N_c,  TP_c = #{b : argmax p_b = c = t_b},  N_c = #{b : t_b = c}',
    paper: {
      title:
        'Breast Tumor Classification Using EfficientNet Deep Learning Model (cost-sensitive learning evaluated by balanced accuracy)',
      year: 2024,
    },
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
    fn: (ops, pred, target) => balancedOps(ops, recallCounts(ops, pred, target)),
    split: {
      stats: (ops, inputs) => recallCounts(ops, inputs.pred!, inputs.target!),
      finalize: (sums) => balancedFromCounts(sums),
      finalizeOps: (ops, sums) => balancedOps(ops, sums),
      perLabel: (sums) => recalls(sums),
    },
  },
});
