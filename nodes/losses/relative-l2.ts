import { inferSameShapeLoss, lossWeight, sameShapeInputs, scalarOut } from '../../src/core/heads.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { MGNO_PAPER, RELATIVE_L2_FORMULA, relativeL2 } from '../metrics/_relative-l2.ts';

export default defineNode({
  type: 'losses.relativeL2',
  version: 1,
  kind: 'loss',
  title: 'Relative L2 loss',
  docs: {
    summary:
      'Trains a neural operator on the relative L2 error: each sample’s error norm divided by its true field’s norm, so small and large solutions weigh alike (the loss of MgNO and FNO).',
    formula: RELATIVE_L2_FORMULA,
    paper: MGNO_PAPER,
  },
  params: { weight: lossWeight },
  inputs: sameShapeInputs,
  outputs: scalarOut,
  infer: inferSameShapeLoss,
  lower: ({ params }) => ({ kind: 'loss', config: {}, weight: params.weight }),
  loss: { target: 'onehot', fn: (ops, pred, target) => relativeL2(ops, pred, target) },
});
