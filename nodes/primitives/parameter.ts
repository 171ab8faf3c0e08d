import { reject } from '../../src/core/diagnostics.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { tensor } from '../../src/core/tensor-type.ts';
import { anchor } from './_shared.ts';

export default defineNode({
  type: 'primitives.parameter',
  version: 1,
  kind: 'layer',
  title: 'Learnable parameter',
  docs: {
    summary:
      'A learnable tensor — one scalar, or one value per channel (last axis) — shaped to broadcast against x (γ, β, v of a normalization layer). x only fixes the rank and channel count; its values are not used.',
    formula: 'y = w,  w: [1, …, 1] (scalar) or [1, …, 1, C] (per channel), initialised to `init`',
  },
  params: {
    shape: p.enum(['channel', 'scalar'], 'channel', 'One value per channel, or one scalar.'),
    init: p.float({ default: 1, doc: 'Initial value of every entry.' }),
    initializer: p.enum(
      ['constant', 'glorotUniform', 'heNormal'],
      'constant',
      'How w is initialised (constant = init).',
    ),
  },
  inputs: { x: { doc: 'Tensor the parameter will broadcast against [B, …, C].' } },
  outputs: { y: { doc: '[1, …, 1, C] or [1, …, 1] (rank of x).' } },
  infer({ inputs, params }) {
    const s = inputs.x!.shape;
    const c = s[s.length - 1];
    if (params.shape === 'channel' && (c === null || c === undefined))
      reject('shape/unknown-dim', 'A per-channel parameter needs a known channel count.', { port: 'x' });
    return { y: tensor([...new Array(s.length - 1).fill(1), params.shape === 'channel' ? c! : 1]) };
  },
  paramCount: ({ outputs }) => outputs.y!.shape[outputs.y!.shape.length - 1] as number,
  lower: ({ params }) => ({
    kind: 'kernel',
    config: { shape: params.shape, init: params.init, initializer: params.initializer },
  }),
  kernel: {
    weights: (params, [shape]) => [
      {
        name: 'w',
        shape: [params.shape === 'channel' ? (shape![shape!.length - 1] as number) : 1],
        init: params.initializer === 'constant' ? { constant: params.init } : params.initializer,
      },
    ],
    call: (ops, [x], w) => {
      const r = ops.shape(x!).length;
      const v = w.w!;
      return anchor(ops, ops.reshape(v, [...new Array(r - 1).fill(1), ops.shape(v)[0]!]), x!);
    },
  },
  examples: [
    { inputs: { x: { shape: [2, 3, 3, 4] } } },
    { inputs: { x: { shape: [2, 5] } }, params: { shape: 'scalar', init: 0.5 } },
  ],
});
