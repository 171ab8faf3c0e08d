import { defineNode } from '../../src/core/node-def.ts';
import { tensor } from '../../src/core/tensor-type.ts';

export default defineNode({
  type: 'activations.softsign',
  version: 1,
  kind: 'layer',
  title: 'Softsign',
  docs: {
    summary:
      'Squashes values into (−1, 1) like tanh, but approaches the bounds polynomially rather than exponentially.',
    formula: 'y = x / (1 + |x|)',
  },
  params: {},
  inputs: { x: { doc: 'Any tensor [B, …].' } },
  outputs: { y: { doc: 'Same shape as x.' } },
  infer: ({ inputs }) => ({ y: tensor(inputs.x!.shape) }),
  paramCount: () => 0,
  lower: () => ({ kind: 'layer', layer: 'activation', config: { activation: 'softsign' } }),
  examples: [{ inputs: { x: { shape: [2, 5] } } }],
});
