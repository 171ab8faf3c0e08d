import { reject } from '../../src/core/diagnostics.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { tensor } from '../../src/core/tensor-type.ts';

export default defineNode({
  type: 'layers.dropout',
  version: 1,
  kind: 'layer',
  title: 'Dropout',
  docs: {
    summary:
      'During training, zeroes each input unit with probability rate and scales the rest by 1/(1 − rate); at inference it passes inputs through.',
    formula: 'training: y = x ⊙ m / (1 − rate),  m ~ Bernoulli(1 − rate);  inference: y = x',
    paper: {
      title: 'Dropout: A Simple Way to Prevent Neural Networks from Overfitting',
      authors: 'Nitish Srivastava, Geoffrey Hinton, Alex Krizhevsky, Ilya Sutskever, Ruslan Salakhutdinov',
      year: 2014,
      url: 'https://jmlr.org/papers/v15/srivastava14a.html',
    },
  },
  params: {
    rate: p.float({
      default: 0.5,
      min: 0,
      max: 1,
      step: 0.05,
      doc: 'Fraction of units to drop while training (0 ≤ rate < 1).',
    }),
  },
  inputs: { x: { doc: 'Any tensor [B, …].' } },
  outputs: { y: { doc: 'Same shape as x.' } },
  infer({ inputs, params }) {
    const x = inputs.x!;
    if (params.rate >= 1)
      reject(
        'param/invalid',
        `'rate' must be below 1 (rate 1 would drop every unit), got ${params.rate}; use e.g. 0.5.`,
        {
          field: 'rate',
        },
      );
    return { y: tensor([...x.shape], x.dtype) };
  },
  paramCount: () => 0,
  examples: [
    { inputs: { x: { shape: [3, 5] } }, params: { rate: 0.5 } },
    { inputs: { x: { shape: [2, 3, 4] } }, params: { rate: 0.2 } },
  ],
  // Our kernel, not tf.layers.dropout: its masks come from the layer's seeded draws (reproducible
  // from the graph seed, new every step); tfjs's dropout is unseeded, or with a seed reuses one mask.
  lower: ({ params }) => ({ kind: 'kernel', config: { rate: params.rate } }),
  kernel: {
    call: (ops, [x], _w, params, ctx) => {
      if (!ctx.training || params.rate === 0) return x!;
      const keep = ops.step(ops.sub(ops.randomUniform(ops.shape(x!)), ops.scalar(params.rate)));
      return ops.mul(x!, ops.mul(keep, ops.scalar(1 / (1 - params.rate))));
    },
  },
});
