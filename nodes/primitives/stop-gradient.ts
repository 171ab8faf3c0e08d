import { defineNode } from '../../src/core/node-def.ts';
import { tensor } from '../../src/core/tensor-type.ts';

export default defineNode({
  type: 'primitives.stopGradient',
  version: 1,
  kind: 'layer',
  title: 'Stop gradient',
  docs: {
    summary:
      'Passes x through unchanged but lets no gradient flow back into x: whatever is computed from y cannot train the nodes before it (detach in PyTorch, tf.stop_gradient in TensorFlow). Used to make losses local — e.g. Counter-Current Learning detaches every layer input, so each layer learns only from its own loss.',
    formula: 'y = x;  ∂y/∂x = 0',
  },
  params: {},
  inputs: { x: { doc: 'Any tensor.' } },
  outputs: { y: { doc: 'x, with a zero gradient.' } },
  infer: ({ inputs }) => ({ y: tensor(inputs.x!.shape, inputs.x!.dtype) }),
  paramCount: () => 0,
  lower: () => ({ kind: 'kernel', config: {} }),
  kernel: {
    call: (ops, [x]) => ops.stopGradient(x!),
  },
  examples: [{ inputs: { x: { shape: [2, 5], stopsGradient: true } } }],
});
