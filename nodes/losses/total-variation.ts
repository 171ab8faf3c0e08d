import { reject } from '../../src/core/diagnostics.ts';
import { lossWeight, scalarOut } from '../../src/core/heads.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { formatShape, tensor } from '../../src/core/tensor-type.ts';
import { MIP_PAPER } from '../hyper/_mip.ts';
import { totalVariation } from './_tv.ts';

export default defineNode({
  type: 'losses.totalVariation',
  version: 1,
  kind: 'loss',
  title: 'Total variation (smoothness)',
  docs: {
    summary:
      'A smoothness penalty with no target: the mean absolute difference between neighbouring predictions along axis 1, for predictions on a sorted grid (a 1-D signal per sample). The regulariser of the MIP template’s λ-conditioned fits.',
    formula: 'L = mean_b (1/(N−1))·Σ_{i<N} |ŷ_{b,i+1} − ŷ_{b,i}|  (ŷ: [B, N, …], extra axes averaged)',
    paper: MIP_PAPER,
  },
  params: { weight: lossWeight },
  inputs: { pred: { doc: 'Predictions on a sorted grid [B, N, …], N ≥ 2.' } },
  outputs: scalarOut,
  infer({ inputs }) {
    const s = inputs.pred!.shape;
    if (s.length < 2 || (typeof s[1] === 'number' && s[1] < 2))
      reject(
        'shape/too-small',
        `Total variation needs a grid axis of at least 2 points: got ${formatShape(s)}.`,
        {
          port: 'pred',
        },
      );
    return { loss: tensor([]) };
  },
  lower: ({ params }) => ({ kind: 'loss', config: {}, weight: params.weight }),
  loss: {
    target: 'onehot',
    fn() {
      throw new Error('total variation has one port: the trainer calls call()');
    },
    call: (ops, { pred }) => ops.mean(totalVariation(ops, pred!)),
  },
  examples: [{ inputs: { pred: { shape: [3, 6, 1] } } }],
});
