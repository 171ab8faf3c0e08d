import { reject } from '../../src/core/diagnostics.ts';
import { lossWeight, scalarOut } from '../../src/core/heads.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { formatShape, tensor } from '../../src/core/tensor-type.ts';

export default defineNode({
  type: 'losses.byolCosine',
  version: 1,
  kind: 'loss',
  title: 'BYOL cosine loss',
  docs: {
    summary:
      'The regression loss of BYOL and MYOW: the online prediction q is pulled towards the target projection z by their cosine, 2 − 2·cos(q, z) averaged over the batch (0 when aligned, 4 when opposite). Put a Stop gradient before the target port — the target network moves only by its EMA copy of the online weights (a gradient phase’s `copies`).',
    formula: 'L = mean_b (2 − 2·⟨q_b/‖q_b‖, z_b/‖z_b‖⟩),  ‖v‖ = √max(Σ v², 1e−12)',
    paper: {
      title: 'Mine Your Own vieW: Self-Supervised Learning Through Across-Sample Prediction',
      authors: 'Azabou, Azar, Liu, Lin, Bhaskaran, Gheshlaghi Azar, Dyer',
      year: 2021,
      arxiv: '2102.10106',
    },
  },
  params: { weight: lossWeight },
  inputs: {
    pred: { doc: 'Online predictions q [B, d].' },
    target: { doc: 'Target projections z [B, d] (through a Stop gradient).' },
  },
  outputs: scalarOut,
  infer({ inputs }) {
    const q = inputs.pred!.shape;
    const z = inputs.target!.shape;
    if (
      q.length !== 2 ||
      z.length !== 2 ||
      q[1] !== z[1] ||
      (typeof q[0] === 'number' && typeof z[0] === 'number' && q[0] !== z[0])
    )
      reject(
        'shape/loss-target-mismatch',
        `pred ${formatShape(q)} and target ${formatShape(z)} must both be [B, d] with the same B and d.`,
        { port: 'target' },
      );
    return { loss: tensor([]) };
  },
  lower: ({ params }) => ({ kind: 'loss', config: {}, weight: params.weight }),
  loss: {
    target: 'onehot',
    fn() {
      throw new Error('byolCosine has named ports: the trainer calls call()');
    },
    call(ops, { pred, target }) {
      const unit = (v: NonNullable<typeof pred>) =>
        ops.mul(v, ops.rsqrt(ops.maximum(ops.sum(ops.square(v), [-1], true), ops.scalar(1e-12))));
      const cos = ops.sum(ops.mul(unit(pred!), unit(target!)), [-1]);
      return ops.mean(ops.sub(ops.scalar(2), ops.mul(ops.scalar(2), cos)));
    },
  },
  examples: [{ inputs: { pred: { shape: [4, 5] }, target: { shape: [4, 5] } } }],
});
