import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { tensor } from '../../src/core/tensor-type.ts';

export default defineNode({
  type: 'activations.leakyRelu',
  version: 2,
  kind: 'layer',
  title: 'Leaky ReLU',
  docs: {
    summary: 'ReLU with a small slope α for negative inputs, so negative units still pass a gradient.',
    formula: 'y = x if x > 0, else α·x',
    paper: {
      title: 'Rectifier Nonlinearities Improve Neural Network Acoustic Models',
      authors: 'Maas, Hannun, Ng',
      year: 2013,
      url: 'https://ai.stanford.edu/~amaas/papers/relu_hybrid_icml2013_final.pdf',
    },
  },
  params: {
    // tfjs's own default is 0.3 (Keras 2); 0.01 is the paper's (and PyTorch's) slope. Always lowered explicitly.
    alpha: p.float({ default: 0.01, min: 0, max: 1, step: 0.01, doc: 'Slope α for x < 0.' }),
  },
  inputs: { x: { doc: 'Any tensor [B, …].' } },
  outputs: { y: { doc: 'Same shape as x.' } },
  infer: ({ inputs }) => ({ y: tensor(inputs.x!.shape) }),
  paramCount: () => 0,
  lower: ({ params }) => ({ kind: 'layer', layer: 'leakyReLU', config: { alpha: params.alpha } }),
  examples: [
    { inputs: { x: { shape: [2, 5] } } },
    { inputs: { x: { shape: [2, 5] } }, params: { alpha: 0.2 } },
  ],
  migrations: [
    {
      // v1 named the slope `negativeSlope` (PyTorch's name); v2 uses tfjs's config name `alpha`.
      // The default (0.01) did not change, so a v1 node that relied on it needs no value written.
      from: 1,
      up: (params) => {
        const { negativeSlope, ...rest } = params;
        return negativeSlope === undefined ? rest : { ...rest, alpha: negativeSlope };
      },
      examples: [
        { before: { negativeSlope: 0.2 }, after: { alpha: 0.2 } },
        { before: { negativeSlope: 0 }, after: { alpha: 0 } },
        { before: {}, after: {} },
      ],
    },
  ],
});
