import { inferSameShapeLoss, lossWeight, sameShapeInputs, scalarOut } from '../../src/core/heads.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';

export default defineNode({
  type: 'losses.huber',
  version: 1,
  kind: 'loss',
  title: 'Huber',
  docs: {
    summary:
      'Squared error for small residuals, absolute error beyond δ: robust to outliers yet smooth at zero. With a class-labelled dataset the target is one-hot.',
    formula: 'r = |p − t|;  ℓ = 0.5·r² if r ≤ δ, else δ·(r − 0.5·δ);  L = mean ℓ',
    paper: {
      title: 'Robust Estimation of a Location Parameter',
      authors: 'Huber',
      year: 1964,
      url: 'https://doi.org/10.1214/aoms/1177703732',
    },
  },
  params: {
    delta: p.float({
      default: 1,
      min: 0,
      exclusiveMin: true,
      doc: 'Residual δ where the loss turns from quadratic to linear.',
    }),
    weight: lossWeight,
  },
  inputs: sameShapeInputs,
  outputs: scalarOut,
  infer: inferSameShapeLoss,
  lower: ({ params }) => ({ kind: 'loss', config: { delta: params.delta }, weight: params.weight }),
  loss: {
    target: 'onehot',
    fn(ops, pred, target, params) {
      // q = min(r, δ): 0.5·q² + δ·(r − q) is 0.5·r² below δ and δ·r − 0.5·δ² above, without a branch.
      const r = ops.abs(ops.sub(pred, target));
      const q = ops.minimum(r, ops.scalar(params.delta));
      return ops.mean(
        ops.add(ops.mul(ops.scalar(0.5), ops.square(q)), ops.mul(ops.scalar(params.delta), ops.sub(r, q))),
      );
    },
  },
});
