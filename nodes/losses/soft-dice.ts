import { inferSameShapeLoss, lossWeight, sameShapeInputs, scalarOut } from '../../src/core/heads.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { softDicePerColumn } from './nested-multi-level.ts';

export default defineNode({
  type: 'losses.softDice',
  version: 1,
  kind: 'loss',
  title: 'Soft Dice loss',
  docs: {
    summary:
      'Multi-class soft Dice: one minus the mean over classes (the last axis) of the soft Dice coefficient between predicted probabilities and one-hot (or binary) targets, with sums over every position of the batch. For segmentation: pred [B, H, W, C] after a softmax, target the one-hot class map.',
    formula: 'L = 1 − (1/C)·Σ_c (2·Σ_n p_{n,c} t_{n,c} + s) / (Σ_n p_{n,c} + Σ_n t_{n,c} + s)',
    paper: {
      title: 'V-Net: Fully Convolutional Neural Networks for Volumetric Medical Image Segmentation',
      authors: 'Fausto Milletari, Nassir Navab, Seyed-Ahmad Ahmadi',
      year: 2016,
      arxiv: '1606.04797',
    },
  },
  params: {
    smooth: p.float({ default: 1, min: 0, max: 1000, doc: 'Smoothing s (keeps empty classes finite).' }),
    weight: lossWeight,
  },
  inputs: sameShapeInputs,
  outputs: scalarOut,
  infer: inferSameShapeLoss,
  lower: ({ params }) => ({ kind: 'loss', config: { smooth: params.smooth }, weight: params.weight }),
  loss: {
    target: 'onehot',
    fn(ops, pred, target, params) {
      const c = ops.shape(pred).at(-1)!;
      const loss = softDicePerColumn(
        ops,
        ops.reshape(pred, [-1, c]),
        ops.reshape(target, [-1, c]),
        params.smooth,
      );
      return ops.mean(loss);
    },
  },
  examples: [
    {
      inputs: {
        pred: { shape: [2, 3, 3, 4], range: [0, 1] },
        target: { shape: [2, 3, 3, 4], range: [0, 1] },
      },
    },
  ],
});
