import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';

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
    learningRate: p.float({
      default: 0.001,
      min: 0,
      exclusiveMin: true,
      max: 1e6,
      doc: 'Step size lr (large values diverge; the trainer stops and names the node).',
    }),
    beta1: p.float({ default: 0.9, min: 0, max: 0.9999, doc: 'Decay of the first moment.' }),
    beta2: p.float({ default: 0.999, min: 0, max: 0.99999, doc: 'Decay of the second moment.' }),
    epsilon: p.float({ default: 1e-7, min: 0, exclusiveMin: true, max: 1, doc: 'Numerical stabiliser ε.' }),
  },
  inputs: {},
  outputs: {},
  infer: () => ({}),
  optimizer: {
    algorithm: 'adam',
    config: (params) => ({ ...params }),
  },
});
