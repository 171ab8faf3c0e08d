import { tokens } from '../../src/core/attention/shared.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { tensor } from '../../src/core/tensor-type.ts';

/** Sinusoidal table [N, D]: sin at even features, cos at odd ones (Vaswani et al. 2017). */
export function sinusoidTable(n: number, d: number): number[] {
  const v: number[] = [];
  for (let pos = 0; pos < n; pos++)
    for (let i = 0; i < d; i++) {
      const angle = pos / 10000 ** ((2 * Math.floor(i / 2)) / d);
      v.push(i % 2 === 0 ? Math.sin(angle) : Math.cos(angle));
    }
  return v;
}

export default defineNode({
  type: 'attention.positionalEmbedding',
  version: 1,
  kind: 'layer',
  title: 'Positional embedding',
  docs: {
    summary:
      'Adds position information to tokens: a learned table (ViT) or the fixed sinusoidal table of the Transformer.',
    formula:
      'y = x + P,  learned: P [1, N, D] (params N·D);  sinusoidal: P[pos, 2i] = sin(pos/10000^(2i/D)), P[pos, 2i+1] = cos(pos/10000^(2i/D)) (no params)',
    paper: {
      title: 'Attention Is All You Need',
      authors: 'Vaswani, Shazeer, Parmar, Uszkoreit, Jones, Gomez, Kaiser, Polosukhin',
      year: 2017,
      arxiv: '1706.03762',
    },
  },
  params: {
    mode: p.enum(['learned', 'sinusoidal'] as const, 'learned', 'Learned table or fixed sinusoids.'),
  },
  inputs: { x: { doc: 'Tokens [B, N, D] (N known).' } },
  outputs: { y: { doc: 'Same shape as x.' } },
  infer({ inputs }) {
    tokens(inputs.x!, 'Positional embedding', true);
    return { y: tensor(inputs.x!.shape) };
  },
  // One add per element (the table is not multiplied).
  flops: ({ outputs }) => outputs.y!.shape.slice(1).reduce<number>((m, d) => m * (d ?? 1), 1),
  paramCount({ inputs, params }) {
    const [n, d] = tokens(inputs.x!, 'Positional embedding', true);
    return params.mode === 'learned' ? (n as number) * d : 0;
  },
  kernel: {
    weights: (params, [shape]) =>
      params.mode === 'learned'
        ? [
            {
              name: 'table',
              shape: [1, shape![1] as number, shape![2] as number],
              init: { uniform: [-0.02, 0.02] },
            },
          ]
        : [],
    call(ops, [x], w, params) {
      const [, n, d] = ops.shape(x!) as [number, number, number];
      return ops.add(x!, params.mode === 'learned' ? w.table! : ops.constant(sinusoidTable(n, d), [1, n, d]));
    },
  },
  lower: ({ params }) => ({ kind: 'kernel', config: { ...params } }),
  examples: [
    { inputs: { x: { shape: [2, 3, 4] } } },
    { inputs: { x: { shape: [2, 3, 4] } }, params: { mode: 'sinusoidal' } },
  ],
});
