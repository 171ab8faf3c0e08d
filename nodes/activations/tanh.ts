import { defineNode } from '../../src/core/node-def.ts';
import { tensor } from '../../src/core/tensor-type.ts';

export default defineNode({
  type: 'activations.tanh',
  version: 1,
  kind: 'layer',
  title: 'Tanh',
  docs: {
    summary: 'Hyperbolic tangent: squashes values into (−1, 1), zero-centred.',
    formula: 'y = tanh(x) = (exp(x) − exp(−x)) / (exp(x) + exp(−x))',
  },
  params: {},
  inputs: { x: { doc: 'Any tensor [B, …].' } },
  outputs: { y: { doc: 'Same shape as x.' } },
  infer: ({ inputs }) => ({ y: tensor(inputs.x!.shape) }),
  paramCount: () => 0,
  lower: () => ({ kind: 'layer', layer: 'activation', config: { activation: 'tanh' } }),
  examples: [{ inputs: { x: { shape: [2, 5] } } }],
});
