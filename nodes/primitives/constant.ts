import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { tensor } from '../../src/core/tensor-type.ts';
import { anchor } from './_shared.ts';

export default defineNode({
  type: 'primitives.constant',
  version: 1,
  kind: 'layer',
  title: 'Constant',
  docs: {
    summary:
      'A fixed scalar (ε, 1/2, π …) shaped to broadcast against x. x only fixes the rank; its values are not used.',
    formula: 'y = c,  shape [1, …, 1] (rank of x)',
  },
  params: { value: p.float({ default: 1, doc: 'The constant c.' }) },
  inputs: { x: { doc: 'Tensor the constant will broadcast against.' } },
  outputs: { y: { doc: '[1, …, 1] (rank of x).' } },
  infer: ({ inputs }) => ({ y: tensor(new Array(inputs.x!.shape.length).fill(1)) }),
  paramCount: () => 0,
  lower: ({ params }) => ({ kind: 'kernel', config: { value: params.value } }),
  kernel: {
    call: (ops, [x], _w, params) =>
      anchor(ops, ops.reshape(ops.scalar(params.value), new Array(ops.shape(x!).length).fill(1)), x!),
  },
  examples: [{ inputs: { x: { shape: [2, 3] } }, params: { value: 1e-5 } }],
});
