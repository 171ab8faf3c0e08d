import { checkSameShape } from '../../src/core/heads.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { tensor } from '../../src/core/tensor-type.ts';
import { MGNO_PAPER, RELATIVE_L2_FORMULA, relativeL2 } from './_relative-l2.ts';

export default defineNode({
  type: 'metrics.relativeL2',
  version: 1,
  kind: 'metric',
  title: 'Relative L2 error',
  docs: {
    summary:
      'The error measure of neural operators: per sample, the L2 norm of the error field divided by the L2 norm of the true field, averaged over samples (0 = exact; 1 = as large as predicting zero).',
    formula: RELATIVE_L2_FORMULA,
    paper: MGNO_PAPER,
  },
  params: {},
  inputs: {
    pred: { doc: 'Predicted fields [B, …].' },
    target: { doc: 'True fields, same shape; the dataset labels when unconnected.', optional: true },
  },
  outputs: { value: { doc: 'Scalar ≥ 0.' } },
  infer({ inputs }) {
    checkSameShape(inputs.pred!, inputs.target!);
    return { value: tensor([]) };
  },
  lower: () => ({ kind: 'metric', config: {} }),
  metric: { target: 'onehot', fn: (ops, pred, target) => relativeL2(ops, pred, target) },
});
