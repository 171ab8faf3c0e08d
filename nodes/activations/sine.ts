import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { tensor } from '../../src/core/tensor-type.ts';

export default defineNode({
  type: 'activations.sine',
  version: 1,
  kind: 'layer',
  title: 'Sine',
  docs: {
    summary:
      'Periodic activation sin(ω₀·x). The generalized-convolution view (a positive-definite kernel followed by a monotone function) also justifies sine activations.',
    formula: 'y = sin(ω₀·x)',
    paper: {
      title: 'Generalizing the Convolution Operator in Convolutional Neural Networks',
      authors: 'Kamaledin Ghiasi-Shirazi',
      year: 2019,
      arxiv: '1707.09864',
    },
  },
  params: { w0: p.float({ default: 1, min: -100, max: 100, doc: 'Frequency ω₀.' }) },
  inputs: { x: { doc: 'Any tensor.' } },
  outputs: { y: { doc: 'Same shape as x.' } },
  infer: ({ inputs }) => ({ y: tensor(inputs.x!.shape) }),
  paramCount: () => 0,
  lower: ({ params }) => ({ kind: 'kernel', config: { w0: params.w0 } }),
  kernel: { call: (ops, [x], _w, params) => ops.sin(ops.mul(x!, ops.scalar(params.w0))) },
  examples: [{ inputs: { x: { shape: [2, 5] } } }, { inputs: { x: { shape: [2, 3] } }, params: { w0: 3 } }],
});
