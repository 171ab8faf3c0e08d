import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { learningRate, noPorts } from './_shared.ts';

export default defineNode({
  type: 'optimizers.sgd',
  version: 1,
  kind: 'optimizer',
  title: 'SGD',
  docs: {
    summary:
      'Stochastic gradient descent, optionally with (Nesterov) momentum. With momentum > 0 the trainer uses tfjs’s momentum optimizer.',
    formula: 'momentum = 0: w ← w − lr·g;  else a ← μ·a + g,  w ← w − lr·a  (Nesterov: w ← w − lr·(g + μ·a))',
  },
  params: {
    learningRate: learningRate(0.01),
    momentum: p.float({ default: 0, min: 0, max: 0.9999, doc: 'Momentum μ; 0 is plain SGD.' }),
    // Keras's name; tfjs's momentum optimizer calls it `useNesterov` (the trainer maps it).
    nesterov: p.bool({ default: false, doc: 'Nesterov momentum (only used when momentum > 0).' }),
  },
  ...noPorts,
  optimizer: {
    algorithm: 'sgd',
    config: (params) => ({ ...params }),
  },
});
