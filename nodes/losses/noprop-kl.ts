import { reject } from '../../src/core/diagnostics.ts';
import { lossWeight, scalarOut } from '../../src/core/heads.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { formatShape, tensor } from '../../src/core/tensor-type.ts';
import { alphaBar, denoiseWeight, NOPROP_PAPER } from '../noprop/_schedule.ts';
import { checkBlock, labelRows, mixRows } from '../noprop/latent.ts';

export default defineNode({
  type: 'losses.nopropKl',
  version: 1,
  kind: 'loss',
  title: 'NoProp KL term',
  docs: {
    summary:
      'One KL term of NoProp-DT’s variational objective. t ≥ 1: block t’s denoising loss — the KL between the forward posterior q(z_t | z_{t−1}, y) and the model’s step reduces to an SNR-weighted squared error between the block’s predicted embedding û_t = p_t·W_emb and the label’s u_y; only block t (and W_emb) receives its gradient, because its input z_{t−1} is sampled from the labels. t = 0: the prior term KL(q(z_0 | y) ‖ N(0, I)) (probs unconnected). Target: class indices (the dataset labels when unconnected).',
    formula:
      't ≥ 1: L_t = ½·T·η·(SNR(t) − SNR(t−1))·mean_b ‖p_t·W_emb − u_y‖²,  SNR(t) = ᾱ_t/(1−ᾱ_t) (≤ 100);  t = 0: L_0 = ½·mean_b(ᾱ_0‖u_y‖² − d·ᾱ_0 − d·log(1 − ᾱ_0))',
    paper: NOPROP_PAPER,
  },
  params: {
    t: p.int({ default: 1, min: 0, max: 100, doc: 'Block t (0 = the prior term on z_0).' }),
    steps: p.int({ default: 10, min: 1, max: 100, doc: 'Number of blocks T.' }),
    eta: p.float({ default: 0.1, min: 0, doc: 'η, the denoising terms’ weight (the paper’s 0.1).' }),
    weight: lossWeight,
  },
  inputs: {
    probs: { doc: 'Block t’s class probabilities p_t [B, C] (unconnected at t = 0).', optional: true },
    table: { doc: 'The class embedding [B, C, d] (noprop.classEmbedding).' },
    target: { doc: 'Class indices [B] or [B, 1]; the dataset labels when unconnected.', optional: true },
  },
  outputs: scalarOut,
  infer({ inputs, params }) {
    const table = inputs.table!.shape;
    checkBlock(table, params.t, params.steps);
    if (params.t === 0 && inputs.probs)
      reject('param/invalid', 't = 0 is the prior term on z_0: leave probs unconnected.', { field: 't' });
    if (params.t > 0 && !inputs.probs)
      reject('graph/missing-input', `Block ${params.t}’s term needs its probabilities: connect probs.`, {
        port: 'probs',
      });
    if (inputs.probs && (inputs.probs.shape.length !== 2 || inputs.probs.shape[1] !== table[1]))
      reject(
        'shape/loss-target-mismatch',
        `probs ${formatShape(inputs.probs.shape)} must be [B, ${table[1]}].`,
        {
          port: 'probs',
        },
      );
    return { loss: tensor([]) };
  },
  lower: ({ params }) => ({
    kind: 'loss',
    config: { t: params.t, steps: params.steps, eta: params.eta },
    weight: params.weight,
  }),
  loss: {
    target: 'index',
    fn() {
      throw new Error('nopropKL has named ports: the trainer calls call()');
    },
    call(ops, { probs, table, target }, params) {
      const u = labelRows(ops, target!, table!);
      if (params.t === 0) {
        const ab = alphaBar(0, params.steps);
        const d = ops.shape(table!)[2]!;
        const normSq = ops.sum(ops.square(u), [-1]);
        const constant = -d * ab - d * Math.log(1 - ab);
        return ops.mul(
          ops.scalar(0.5),
          ops.mean(ops.add(ops.mul(ops.scalar(ab), normSq), ops.scalar(constant))),
        );
      }
      const err = ops.sum(ops.square(ops.sub(mixRows(ops, probs!, table!), u)), [-1]);
      return ops.mul(ops.scalar(denoiseWeight(params.t, params.steps, params.eta)), ops.mean(err));
    },
  },
  examples: [
    {
      inputs: {
        probs: { shape: [4, 3], range: [0, 1] },
        table: { shape: [4, 3, 5] },
        target: { shape: [4, 1], dtype: 'int32', range: [0, 3] },
      },
      params: { t: 2, steps: 4 },
    },
    {
      inputs: { table: { shape: [4, 3, 3] }, target: { shape: [4, 1], dtype: 'int32', range: [0, 3] } },
      params: { t: 0, steps: 4 },
    },
  ],
});
