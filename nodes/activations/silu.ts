import { defineNode } from '../../src/core/node-def.ts';
import { tensor } from '../../src/core/tensor-type.ts';

export default defineNode({
  type: 'activations.silu',
  version: 1,
  kind: 'layer',
  title: 'SiLU (Swish)',
  docs: {
    summary:
      'Sigmoid-weighted linear unit: the input scaled by its own sigmoid. Also called Swish (Ramachandran et al. 2017, "Searching for Activation Functions", arXiv 1710.05941); tfjs names it "swish".',
    formula: 'y = x · σ(x) = x / (1 + exp(−x))',
    paper: {
      title:
        'Sigmoid-Weighted Linear Units for Neural Network Function Approximation in Reinforcement Learning',
      authors: 'Elfwing, Uchibe, Doya',
      year: 2017,
      arxiv: '1702.03118',
    },
  },
  params: {},
  inputs: { x: { doc: 'Any tensor [B, …].' } },
  outputs: { y: { doc: 'Same shape as x.' } },
  infer: ({ inputs }) => ({ y: tensor(inputs.x!.shape) }),
  paramCount: () => 0,
  lower: () => ({ kind: 'layer', layer: 'activation', config: { activation: 'swish' } }),
  examples: [{ inputs: { x: { shape: [2, 5] } } }],
});
