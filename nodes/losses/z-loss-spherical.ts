import { inferIndexTargetLoss, lossWeight, scalarOut } from '../../src/core/heads.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';

export default defineNode({
  type: 'losses.zLossSpherical',
  version: 1,
  kind: 'loss',
  title: 'Z-loss (spherical family)',
  docs: {
    summary:
      'A classification loss on raw outputs that is invariant to shifting and scaling them: the outputs are z-normalised over the classes and the true class’s z-score is pushed above b through a softplus of sharpness a. Not the LLM “z-loss” (a log² Z regulariser).',
    formula:
      'μ = mean_k o_k,  σ = √(mean_k (o_k − μ)² + 1e-8),  z_c = (o_c − μ) / σ,  L = mean_b (1/a)·softplus(a·(b − z_{b,t_b}))',
    paper: {
      title: 'The Z-loss: a shift and scale invariant classification loss belonging to the Spherical Family',
      authors: 'de Brébisson, Vincent',
      year: 2016,
      arxiv: '1604.08859',
    },
  },
  params: {
    a: p.float({
      default: 1,
      min: 0,
      exclusiveMin: true,
      doc: 'Sharpness a of the softplus (large a → hinge at b).',
    }),
    b: p.float({
      default: 1.5,
      doc: 'Margin b on the true class’s z-score (z_c ≤ √(D−1)); trades top-1 against top-k behaviour.',
    }),
    weight: lossWeight,
  },
  inputs: {
    pred: { doc: 'Raw outputs o [B, D] (no softmax).' },
    target: { doc: 'Class indices [B]; the dataset labels when unconnected.', optional: true },
  },
  outputs: scalarOut,
  infer: inferIndexTargetLoss,
  lower: ({ params }) => ({ kind: 'loss', config: { a: params.a, b: params.b }, weight: params.weight }),
  loss: {
    target: 'index',
    fn(ops, pred, target, params) {
      const d = ops.shape(pred).at(-1)!;
      const mu = ops.mean(pred, [-1], true);
      const centred = ops.sub(pred, mu);
      const sigma = ops.sqrt(ops.add(ops.mean(ops.square(centred), [-1], true), ops.scalar(1e-8)));
      // The true class's z-score by a one-hot dot product: [B].
      const zc = ops.sum(ops.mul(ops.div(centred, sigma), ops.oneHot(target, d)), [-1]);
      const a = ops.scalar(params.a);
      return ops.mean(ops.div(ops.softplus(ops.mul(a, ops.sub(ops.scalar(params.b), zc))), a));
    },
  },
});
