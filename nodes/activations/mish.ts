import { defineNode } from '../../src/core/node-def.ts';
import { tensor } from '../../src/core/tensor-type.ts';

export default defineNode({
  type: 'activations.mish',
  version: 1,
  kind: 'layer',
  title: 'Mish',
  docs: {
    summary: 'Smooth, non-monotonic self-gated activation: the input times tanh of its softplus.',
    formula: 'y = x · tanh(softplus(x)) = x · tanh(ln(1 + exp(x)))',
    paper: {
      title: 'Mish: A Self Regularized Non-Monotonic Activation Function',
      authors: 'Misra',
      year: 2019,
      arxiv: '1908.08681',
    },
  },
  params: {},
  inputs: { x: { doc: 'Any tensor [B, …].' } },
  outputs: { y: { doc: 'Same shape as x.' } },
  infer: ({ inputs }) => ({ y: tensor(inputs.x!.shape) }),
  paramCount: () => 0,
  lower: () => ({ kind: 'layer', layer: 'activation', config: { activation: 'mish' } }),
  examples: [{ inputs: { x: { shape: [2, 5] } } }],
});
