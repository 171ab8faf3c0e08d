import { defineNode } from '../../src/core/node-def.ts';
import { tensor } from '../../src/core/tensor-type.ts';

export default defineNode({
  type: 'activations.relu',
  version: 1,
  kind: 'layer',
  title: 'ReLU',
  docs: {
    summary: 'Rectified linear unit: keeps positive values and zeroes negative ones.',
    formula: 'y = max(0, x)',
    paper: {
      title: 'Rectified Linear Units Improve Restricted Boltzmann Machines',
      authors: 'Nair, Hinton',
      year: 2010,
      url: 'https://www.cs.toronto.edu/~hinton/absps/reluICML.pdf',
    },
  },
  params: {},
  inputs: { x: { doc: 'Any tensor [B, …].' } },
  outputs: { y: { doc: 'Same shape as x.' } },
  infer: ({ inputs }) => ({ y: tensor(inputs.x!.shape) }),
  paramCount: () => 0,
  lower: () => ({ kind: 'layer', layer: 'activation', config: { activation: 'relu' } }),
  examples: [{ inputs: { x: { shape: [2, 5] } } }],
});
