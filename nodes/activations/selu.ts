import { defineNode } from '../../src/core/node-def.ts';
import { tensor } from '../../src/core/tensor-type.ts';

export default defineNode({
  type: 'activations.selu',
  version: 1,
  kind: 'layer',
  title: 'SELU',
  docs: {
    summary:
      'Scaled exponential linear unit: with LeCun-normal initialisation (and alpha dropout) activations self-normalise towards zero mean and unit variance.',
    formula: 'y = λ·x if x > 0, else λ·α·(exp(x) − 1);  λ = 1.0507009873554805, α = 1.6732632423543772',
    paper: {
      title: 'Self-Normalizing Neural Networks',
      authors: 'Klambauer, Unterthiner, Mayr, Hochreiter',
      year: 2017,
      arxiv: '1706.02515',
    },
  },
  params: {},
  inputs: { x: { doc: 'Any tensor [B, …].' } },
  outputs: { y: { doc: 'Same shape as x.' } },
  infer: ({ inputs }) => ({ y: tensor(inputs.x!.shape) }),
  paramCount: () => 0,
  lower: () => ({ kind: 'layer', layer: 'activation', config: { activation: 'selu' } }),
  examples: [{ inputs: { x: { shape: [2, 5] } } }],
});
