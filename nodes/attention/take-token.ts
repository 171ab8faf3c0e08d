import { tokens } from '../../src/core/attention/shared.ts';
import { reject } from '../../src/core/diagnostics.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { tensor } from '../../src/core/tensor-type.ts';

export default defineNode({
  type: 'attention.takeToken',
  version: 1,
  kind: 'layer',
  title: 'Take token',
  docs: {
    summary:
      'Reads one token of a sequence (index 0 = the class token) as a feature vector for a classifier head.',
    formula: 'y[b, :] = x[b, index, :]',
  },
  params: { index: p.int({ default: 0, min: 0, max: 65535, doc: 'Token position.' }) },
  inputs: { x: { doc: 'Tokens [B, N, D].' } },
  outputs: { y: { doc: '[B, D]' } },
  infer({ inputs, params }) {
    const [n, d] = tokens(inputs.x!, 'Take token');
    if (n !== null && params.index >= n)
      reject('param/invalid', `index ${params.index} is out of range for ${n} tokens.`, { field: 'index' });
    return { y: tensor([inputs.x!.shape[0]!, d]) };
  },
  paramCount: () => 0,
  kernel: {
    call(ops, [x], _w, params) {
      const d = ops.shape(x!)[2]!;
      return ops.reshape(ops.slice(x!, [0, params.index, 0], [-1, 1, d]), [-1, d]);
    },
  },
  lower: ({ params }) => ({ kind: 'kernel', config: { ...params } }),
  examples: [{ inputs: { x: { shape: [2, 3, 4] } }, params: { index: 1 } }],
});
