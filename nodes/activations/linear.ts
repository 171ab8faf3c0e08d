import { defineNode } from '../../src/core/node-def.ts';
import { tensor } from '../../src/core/tensor-type.ts';

export default defineNode({
  type: 'activations.linear',
  version: 1,
  kind: 'layer',
  title: 'Linear',
  docs: {
    summary: 'Identity: passes the input through unchanged (useful as an explicit "no activation").',
    formula: 'y = x',
  },
  params: {},
  inputs: { x: { doc: 'Any tensor [B, …].' } },
  outputs: { y: { doc: 'Same shape as x.' } },
  infer: ({ inputs }) => ({ y: tensor(inputs.x!.shape) }),
  paramCount: () => 0,
  lower: () => ({ kind: 'layer', layer: 'activation', config: { activation: 'linear' } }),
  examples: [{ inputs: { x: { shape: [2, 5] } } }],
});
