import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { mergeElementwise } from '../../src/core/shape-math.ts';
import type { TensorType } from '../../src/core/tensor-type.ts';

export default defineNode({
  type: 'layers.multiply',
  version: 1,
  kind: 'layer',
  title: 'Multiply',
  docs: {
    summary:
      'Elementwise product of n inputs of the same shape (e.g. gating). Sizes of 1 broadcast, as in Keras.',
    formula: 'y = x1 ⊙ x2 ⊙ … ⊙ xn',
  },
  params: {
    n: p.int({ default: 2, min: 2, max: 8, doc: 'Number of inputs.' }),
  },
  inputs: (params) =>
    Object.fromEntries(
      Array.from({ length: params.n }, (_, i) => [
        `x${i + 1}`,
        { doc: `Input ${i + 1} (same shape as the others).` },
      ]),
    ),
  outputs: { y: { doc: 'Same shape as the inputs.' } },
  infer({ inputs, params }) {
    const xs = Array.from({ length: params.n }, (_, i): [string, TensorType] => [
      `x${i + 1}`,
      inputs[`x${i + 1}`]!,
    ]);
    return { y: mergeElementwise(xs, 'Multiply') };
  },
  paramCount: () => 0,
  examples: [
    { inputs: { x1: { shape: [2, 4] }, x2: { shape: [2, 4] } } },
    {
      inputs: { x1: { shape: [2, 3, 3, 2] }, x2: { shape: [2, 3, 3, 2] }, x3: { shape: [2, 3, 3, 2] } },
      params: { n: 3 },
    },
  ],
  lower: () => ({ kind: 'layer', layer: 'multiply', config: {} }),
});
