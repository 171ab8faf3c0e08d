import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { tensor } from '../../src/core/tensor-type.ts';

export default defineNode({
  type: 'activations.elu',
  version: 1,
  kind: 'layer',
  title: 'ELU',
  docs: {
    summary:
      'Exponential linear unit: identity for positive inputs, a smooth exponential that saturates at −α for negative ones, pushing mean activations towards zero.',
    formula: 'y = x if x > 0, else α·(exp(x) − 1)',
    paper: {
      title: 'Fast and Accurate Deep Network Learning by Exponential Linear Units (ELUs)',
      authors: 'Clevert, Unterthiner, Hochreiter',
      year: 2015,
      arxiv: '1511.07289',
    },
  },
  params: {
    alpha: p.float({
      default: 1,
      min: 0,
      max: 10,
      step: 0.1,
      doc: 'Saturation value −α for large negative x.',
    }),
  },
  inputs: { x: { doc: 'Any tensor [B, …].' } },
  outputs: { y: { doc: 'Same shape as x.' } },
  infer: ({ inputs }) => ({ y: tensor(inputs.x!.shape) }),
  paramCount: () => 0,
  // tf.layers.elu throws NotImplementedError for alpha ≠ 1 (tfjs 4.22), so other slopes run as a kernel.
  lower: ({ params }) =>
    params.alpha === 1
      ? { kind: 'layer', layer: 'elu', config: { alpha: 1 } }
      : { kind: 'kernel', config: { alpha: params.alpha } },
  kernel: {
    // relu(x) + α·(exp(min(x, 0)) − 1): exp never sees a large positive x, so no overflow.
    call: (ops, [x], _weights, params) =>
      ops.add(
        ops.relu(x!),
        ops.mul(ops.scalar(params.alpha), ops.sub(ops.exp(ops.minimum(x!, ops.scalar(0))), ops.scalar(1))),
      ),
  },
  examples: [
    { inputs: { x: { shape: [2, 5] } } },
    { inputs: { x: { shape: [2, 5] } }, params: { alpha: 0.5 } },
  ],
});
