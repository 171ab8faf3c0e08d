import { defineNode } from '../../src/core/node-def.ts';
import { tensor } from '../../src/core/tensor-type.ts';

export default defineNode({
  type: 'activations.sigmoid',
  version: 1,
  kind: 'layer',
  title: 'Sigmoid',
  docs: {
    summary: 'Logistic function: squashes values into (0, 1).',
    formula: 'y = σ(x) = 1 / (1 + exp(−x))',
  },
  params: {},
  inputs: { x: { doc: 'Any tensor [B, …].' } },
  outputs: { y: { doc: 'Same shape as x.' } },
  infer: ({ inputs }) => ({ y: tensor(inputs.x!.shape) }),
  paramCount: () => 0,
  lower: () => ({ kind: 'layer', layer: 'activation', config: { activation: 'sigmoid' } }),
  examples: [{ inputs: { x: { shape: [2, 5] } } }],
});
