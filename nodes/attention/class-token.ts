import { tokens } from '../../src/core/attention/shared.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { tensor } from '../../src/core/tensor-type.ts';

export default defineNode({
  type: 'attention.classToken',
  version: 1,
  kind: 'layer',
  title: 'Class token',
  docs: {
    summary: 'Prepends one learnable token ([CLS]) to every sequence; a classifier later reads its output.',
    formula: 'y = [cls ; x] along the token axis,  cls: [1, 1, D] learnable;  N → N + 1.  Params D',
    paper: {
      title: 'An Image is Worth 16x16 Words: Transformers for Image Recognition at Scale',
      authors: 'Dosovitskiy et al.',
      year: 2020,
      arxiv: '2010.11929',
    },
  },
  params: {},
  inputs: { x: { doc: 'Tokens [B, N, D].' } },
  outputs: { y: { doc: '[B, N + 1, D]' } },
  infer({ inputs }) {
    const [n, d] = tokens(inputs.x!, 'Class token');
    return { y: tensor([inputs.x!.shape[0]!, n === null ? null : n + 1, d]) };
  },
  // A concatenation: one copy per output element.
  flops: ({ outputs }) => outputs.y!.shape.slice(1).reduce<number>((m, d) => m * (d ?? 1), 1),
  paramCount: ({ inputs }) => tokens(inputs.x!, 'Class token')[1],
  kernel: {
    weights: (_p, [shape]) => [
      { name: 'cls', shape: [1, 1, shape![2] as number], init: { uniform: [-0.02, 0.02] } },
    ],
    call(ops, [x], w) {
      const d = ops.shape(x!)[2]!;
      // Broadcast cls over the batch: 0·x[:, :1, :] + cls (keeps the graph free of tile).
      const cls = ops.add(ops.mul(ops.slice(x!, [0, 0, 0], [-1, 1, d]), ops.scalar(0)), w.cls!);
      return ops.concat([cls, x!], 1);
    },
  },
  lower: () => ({ kind: 'kernel', config: {} }),
  examples: [{ inputs: { x: { shape: [2, 3, 4] } } }],
});
