import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { adamParams, noPorts } from './_shared.ts';

export default defineNode({
  type: 'optimizers.adamw',
  version: 1,
  kind: 'optimizer',
  title: 'AdamW',
  docs: {
    summary:
      'Adam with decoupled weight decay: weights shrink towards zero by lr·λ·w each step, separately from the adaptive gradient step (unlike L2 regularisation added to the loss).',
    formula: 'm ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;  w ← w − lr·(m̂/(√v̂ + ε) + λ·w)',
    paper: {
      title: 'Decoupled Weight Decay Regularization',
      authors: 'Loshchilov, Hutter',
      year: 2017,
      arxiv: '1711.05101',
    },
  },
  params: {
    ...adamParams,
    weightDecay: p.float({
      default: 0.004,
      min: 0,
      max: 1,
      doc: 'Decoupled weight decay λ (multiplied by lr).',
    }),
  },
  ...noPorts,
  optimizer: {
    algorithm: 'adamw',
    config: (params) => ({ ...params }),
  },
});
