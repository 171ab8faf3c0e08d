import { defineNode } from '../../src/core/node-def.ts';
import { adamParams, noPorts } from './_shared.ts';

export default defineNode({
  type: 'optimizers.adam',
  version: 1,
  kind: 'optimizer',
  title: 'Adam',
  docs: {
    summary: 'Adaptive moment estimation: per-weight step sizes from running gradient moments.',
    formula: 'm ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;  w ← w − lr · m̂ / (√v̂ + ε)',
    paper: {
      title: 'Adam: A Method for Stochastic Optimization',
      authors: 'Kingma, Ba',
      year: 2014,
      arxiv: '1412.6980',
    },
  },
  params: {
    ...adamParams,
  },
  ...noPorts,
  optimizer: {
    algorithm: 'adam',
    config: (params) => ({ ...params }),
  },
});
