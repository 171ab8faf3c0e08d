import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { tensor } from '../../src/core/tensor-type.ts';
import { anchor } from './_shared.ts';

/** Row-major values of the n×n identity. */
const identity = (n: number): number[] =>
  Array.from({ length: n * n }, (_, k) => (Math.floor(k / n) === k % n ? 1 : 0));

export default defineNode({
  type: 'primitives.eye',
  version: 1,
  kind: 'layer',
  title: 'Identity rows (one-hot of every class)',
  docs: {
    summary:
      'The n×n identity as a batch of n rows: row k is the one-hot vector of class k. Its batch is n whatever the data’s batch is, so a network fed from it processes every class once per step — the feedback network of Counter-Current Learning runs on these class one-hots. x only ties the node into the graph; its values are not used.',
    formula: 'y = I_n,  y[k, j] = 1 if j = k else 0,  shape [n, n]',
  },
  params: { n: p.int({ default: 10, min: 1, max: 4096, doc: 'Number of rows (classes) n.' }) },
  inputs: { x: { doc: 'Any tensor (for example the model input); only anchors the node.' } },
  outputs: { y: { doc: '[n, n]: the batch of n one-hot rows.' } },
  infer: ({ params }) => ({ y: tensor([params.n, params.n]) }),
  paramCount: () => 0,
  lower: ({ params }) => ({ kind: 'kernel', config: { n: params.n } }),
  kernel: {
    call: (ops, [x], _w, params) => anchor(ops, ops.constant(identity(params.n), [params.n, params.n]), x!),
  },
  examples: [{ inputs: { x: { shape: [3, 4] } }, params: { n: 5 } }],
});
