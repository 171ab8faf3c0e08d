import { defineNode } from '../../src/core/node-def.ts';
import { tensor } from '../../src/core/tensor-type.ts';

export default defineNode({
  type: 'activations.softplus',
  version: 1,
  kind: 'layer',
  title: 'Softplus',
  docs: {
    summary: 'Smooth approximation of ReLU; always positive.',
    formula: 'y = ln(1 + exp(x))',
    paper: {
      title: 'Incorporating Second-Order Functional Knowledge for Better Option Pricing',
      authors: 'Dugas, Bengio, Bélisle, Nadeau, Garcia',
      year: 2001,
    },
  },
  params: {},
  inputs: { x: { doc: 'Any tensor [B, …].' } },
  outputs: { y: { doc: 'Same shape as x.' } },
  infer: ({ inputs }) => ({ y: tensor(inputs.x!.shape) }),
  paramCount: () => 0,
  lower: () => ({ kind: 'layer', layer: 'activation', config: { activation: 'softplus' } }),
  examples: [{ inputs: { x: { shape: [2, 5] } } }],
});
