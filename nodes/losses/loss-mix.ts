import { reject } from '../../src/core/diagnostics.ts';
import { checkSameShape, lossWeight, scalarOut } from '../../src/core/heads.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { formatShape, tensor } from '../../src/core/tensor-type.ts';
import { MIP_PAPER } from '../hyper/_mip.ts';
import { perSampleMean, totalVariation } from './_tv.ts';

export default defineNode({
  type: 'losses.lossMix',
  version: 1,
  kind: 'loss',
  title: 'Loss mix (λ-conditioned)',
  docs: {
    summary:
      'A convex combination of a data term (mean squared error) and a smoothness term (total variation along the grid axis), weighted per sample by a conditioning input λ ∈ [0, 1] — the family of regularised objectives a hypernetwork conditioned on λ learns at once. Three ports: pred, target, lambda.',
    formula: 'L = mean_b [ (1 − λ_b)·mean_i (ŷ_{b,i} − y_{b,i})² + λ_b·(1/(N−1))·Σ_i |ŷ_{b,i+1} − ŷ_{b,i}| ]',
    paper: MIP_PAPER,
  },
  params: { weight: lossWeight },
  inputs: {
    pred: { doc: 'Predictions on a sorted grid [B, N, …].' },
    target: { doc: 'Targets, same shape as pred; the dataset labels when unconnected.', optional: true },
    lambda: { doc: 'Trade-off per sample [B, 1] (e.g. a Random scalar).' },
  },
  outputs: scalarOut,
  infer({ inputs }) {
    checkSameShape(inputs.pred!, inputs.target!);
    const s = inputs.pred!.shape;
    if (s.length < 2 || (typeof s[1] === 'number' && s[1] < 2))
      reject(
        'shape/too-small',
        `The smoothness term needs a grid axis of at least 2 points: got ${formatShape(s)}.`,
        {
          port: 'pred',
        },
      );
    const l = inputs.lambda!.shape;
    if (!(l.length === 1 || (l.length === 2 && l[1] === 1)))
      reject(
        'shape/loss-target-mismatch',
        `λ ${formatShape(l)} must be one value per sample: [B] or [B, 1].`,
        {
          port: 'lambda',
        },
      );
    return { loss: tensor([]) };
  },
  lower: ({ params }) => ({ kind: 'loss', config: {}, weight: params.weight }),
  loss: {
    target: 'onehot',
    fn() {
      throw new Error('loss mix has three ports: the trainer calls call()');
    },
    call(ops, { pred, target, lambda }) {
      const lam = ops.reshape(lambda!, [-1]);
      const data = perSampleMean(ops, ops.square(ops.sub(pred!, target!)));
      const smooth = totalVariation(ops, pred!);
      return ops.mean(ops.add(ops.mul(ops.sub(ops.scalar(1), lam), data), ops.mul(lam, smooth)));
    },
  },
  examples: [
    {
      inputs: {
        pred: { shape: [3, 6, 1] },
        target: { shape: [3, 6, 1] },
        lambda: { shape: [3, 1], range: [0, 1] },
      },
    },
  ],
});
