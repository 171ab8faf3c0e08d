import { reject } from '../../src/core/diagnostics.ts';
import { checkIndexTarget } from '../../src/core/heads.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { tensor } from '../../src/core/tensor-type.ts';
import { classRecallOps, recallCounts, recalls } from './_class-recall.ts';

export default defineNode({
  type: 'metrics.classRecall',
  version: 1,
  kind: 'metric',
  title: 'Class recall (whole split)',
  docs: {
    summary:
      "Recall (sensitivity) of one class: the share of the split's samples of that class that the model predicts as it, from counts over the whole split. For a minority class (malignant tumours, a rare digit) it is the figure cost-sensitive learning is meant to raise. 0 when the split has no sample of the class.",
    formula: 'recall_k = TP_k / N_k,  TP_k = #{b : argmax p_b = k = t_b},  N_k = #{b : t_b = k}',
    paper: {
      title: 'Breast Tumor Classification Using EfficientNet Deep Learning Model (minority-class recall)',
      year: 2024,
    },
  },
  params: {
    class: p.int({ default: 1, min: 0, max: 100_000, doc: 'The class k whose recall is reported.' }),
  },
  inputs: {
    pred: { doc: 'Class scores or probabilities [B, C].' },
    target: { doc: 'Class indices [B]; the dataset labels when unconnected.', optional: true },
  },
  outputs: { value: { doc: 'Scalar in [0, 1].' } },
  infer({ inputs, params }) {
    checkIndexTarget(inputs.pred!, inputs.target!);
    const c = inputs.pred!.shape[1];
    if (typeof c === 'number' && params.class >= c)
      reject(
        'param/invalid',
        `class ${params.class} is not among the prediction's ${c} classes; pick 0…${c - 1}.`,
        {
          field: 'class',
        },
      );
    return { value: tensor([]) };
  },
  lower: ({ params }) => ({ kind: 'metric', config: { class: params.class } }),
  metric: {
    target: 'index',
    fn: (ops, pred, target, params) => classRecallOps(ops, recallCounts(ops, pred, target), params.class),
    split: {
      stats: (ops, inputs) => recallCounts(ops, inputs.pred!, inputs.target!),
      finalize: (sums, params) => recalls(sums)[params.class] ?? 0,
      finalizeOps: (ops, sums, params) => classRecallOps(ops, sums, params.class),
      perLabel: (sums) => recalls(sums),
    },
  },
});
