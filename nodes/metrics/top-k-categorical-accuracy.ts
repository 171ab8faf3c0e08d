import { reject } from '../../src/core/diagnostics.ts';
import { checkIndexTarget } from '../../src/core/heads.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { tensor } from '../../src/core/tensor-type.ts';

export default defineNode({
  type: 'metrics.topKCategoricalAccuracy',
  version: 1,
  kind: 'metric',
  title: 'Top-k accuracy',
  docs: {
    summary:
      'Fraction of samples whose label is among the k highest-scoring classes. Takes class-index labels (Keras calls this sparse_top_k_categorical_accuracy). Ties with the label score count as hits.',
    formula: 'acc@k = mean_b [ #{c : p_bc > p_{b,t_b}} < k ]',
  },
  params: {
    k: p.int({ default: 5, min: 1, doc: 'How many top classes count as a hit.' }),
  },
  inputs: {
    pred: { doc: 'Class scores or probabilities [B, C].' },
    target: { doc: 'Class indices [B]; the dataset labels when unconnected.', optional: true },
  },
  outputs: { value: { doc: 'Scalar in [0, 1].' } },
  infer({ inputs, params, nodeId }) {
    const pred = inputs.pred!;
    checkIndexTarget(pred, inputs.target!);
    const c = pred.shape[1];
    if (typeof c === 'number' && params.k > c)
      reject(
        'param/out-of-range',
        `k = ${params.k} exceeds the ${c} classes of the prediction, so every sample would count as a hit.`,
        {
          field: 'k',
          fix: { kind: 'set-param', nodeId, field: 'k', value: c },
        },
      );
    return { value: tensor([]) };
  },
  lower: ({ params }) => ({ kind: 'metric', config: { k: params.k } }),
  metric: {
    target: 'index',
    fn: (ops, pred, target, params) => ops.mean(ops.inTopK(pred, target, params.k)),
  },
});
