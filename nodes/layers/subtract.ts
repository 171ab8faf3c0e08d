import { defineNode } from '../../src/core/node-def.ts';
import { mergeElementwise } from '../../src/core/shape-math.ts';

// tfjs-layers has no Subtract layer (Keras does), so this node is a one-line kernel run by the
// generic KernelLayer; shapes and broadcasting follow the Keras merge rules like Add.
export default defineNode({
  type: 'layers.subtract',
  version: 1,
  kind: 'layer',
  title: 'Subtract',
  docs: {
    summary: 'Elementwise difference of two inputs of the same shape. Sizes of 1 broadcast, as in Keras.',
    formula: 'y = x1 − x2',
  },
  params: {},
  inputs: {
    x1: { doc: 'Minuend.' },
    x2: { doc: 'Subtrahend (same shape as x1).' },
  },
  outputs: { y: { doc: 'Same shape as the inputs.' } },
  infer({ inputs }) {
    return {
      y: mergeElementwise(
        [
          ['x1', inputs.x1!],
          ['x2', inputs.x2!],
        ],
        'Subtract',
      ),
    };
  },
  paramCount: () => 0,
  kernel: {
    call: (ops, inputs) => ops.sub(inputs[0]!, inputs[1]!),
  },
  examples: [
    { inputs: { x1: { shape: [2, 4] }, x2: { shape: [2, 4] } } },
    { inputs: { x1: { shape: [2, 3, 2] }, x2: { shape: [2, 3, 2] } } },
  ],
  lower: () => ({ kind: 'kernel', config: {} }),
});
