import { defineNode } from '../../src/core/node-def.ts';
import { tensor } from '../../src/core/tensor-type.ts';

export default defineNode({
  type: 'activations.hardSigmoid',
  version: 1,
  kind: 'layer',
  title: 'Hard sigmoid',
  docs: {
    summary:
      "Piecewise-linear approximation of the sigmoid, as tfjs (and Keras 2) define it: slope 0.2, saturating at x = ±2.5. Note: PyTorch's Hardsigmoid (and Keras 3's) uses slope 1/6 instead.",
    formula: 'y = clip(0.2·x + 0.5, 0, 1)',
  },
  params: {},
  inputs: { x: { doc: 'Any tensor [B, …].' } },
  outputs: { y: { doc: 'Same shape as x.' } },
  infer: ({ inputs }) => ({ y: tensor(inputs.x!.shape) }),
  paramCount: () => 0,
  lower: () => ({ kind: 'layer', layer: 'activation', config: { activation: 'hardSigmoid' } }),
  examples: [{ inputs: { x: { shape: [2, 5] } } }],
});
