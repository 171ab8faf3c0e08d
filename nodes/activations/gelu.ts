import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { tensor } from '../../src/core/tensor-type.ts';

export default defineNode({
  type: 'activations.gelu',
  version: 1,
  kind: 'layer',
  title: 'GELU',
  docs: {
    summary:
      'Gaussian error linear unit: the input weighted by the probability that a standard normal variable is below it. Computed exactly with erf by default (tfjs "gelu"); `approximate` switches to the tanh approximation (tfjs "gelu_new", as in BERT/GPT-2).',
    formula:
      'y = x·Φ(x) = 0.5·x·(1 + erf(x/√2));  approximate: y = 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))',
    paper: {
      title: 'Gaussian Error Linear Units (GELUs)',
      authors: 'Hendrycks, Gimpel',
      year: 2016,
      arxiv: '1606.08415',
    },
  },
  params: {
    approximate: p.bool({ default: false, doc: 'Use the tanh approximation instead of the exact erf form.' }),
  },
  inputs: { x: { doc: 'Any tensor [B, …].' } },
  outputs: { y: { doc: 'Same shape as x.' } },
  infer: ({ inputs }) => ({ y: tensor(inputs.x!.shape) }),
  paramCount: () => 0,
  lower: ({ params }) => ({
    kind: 'layer',
    layer: 'activation',
    config: { activation: params.approximate ? 'gelu_new' : 'gelu' },
  }),
  examples: [
    { inputs: { x: { shape: [2, 5] } } },
    { inputs: { x: { shape: [2, 5] } }, params: { approximate: true } },
  ],
});
