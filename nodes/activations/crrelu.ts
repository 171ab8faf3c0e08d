import { CURVE_XS } from '../../src/core/activations.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { tensor } from '../../src/core/tensor-type.ts';

export default defineNode({
  type: 'activations.crrelu',
  version: 1,
  kind: 'layer',
  title: 'CRReLU',
  docs: {
    summary:
      'Correction-regularized ReLU (derived by EAFO, entropy-based activation optimisation): ReLU plus a small learnable Gaussian-windowed linear term, so negative inputs keep a gradient near 0.',
    formula: 'y = max(0, x) + ε·x·exp(−x²/2),  ε one learnable scalar (init 0.01)',
    paper: {
      title: 'A Method on Searching Better Activation Functions',
      authors: 'Haoyuan Sun, Zihao Wu, Bo Xia, Pu Chang, Zibin Dong, Yifu Yuan, Yongzhe Chang, Xueqian Wang',
      year: 2024,
      arxiv: '2405.12954',
    },
  },
  params: {
    epsilon: p.float({ default: 0.01, min: -10, max: 10, doc: 'Initial ε.' }),
    learnable: p.bool({ default: true, doc: 'Train ε.' }),
  },
  inputs: { x: { doc: 'Any tensor.' } },
  outputs: { y: { doc: 'Same shape as x.' } },
  infer: ({ inputs }) => ({ y: tensor(inputs.x!.shape) }),
  paramCount: () => 1,
  previewCurve: ({ epsilon }) => ({
    x: CURVE_XS,
    y: CURVE_XS.map((x) => Math.max(0, x) + epsilon * x * Math.exp((-x * x) / 2)),
  }),
  lower: ({ params }) => ({
    kind: 'kernel',
    config: { epsilon: params.epsilon, learnable: params.learnable },
  }),
  kernel: {
    weights: (params) => [
      { name: 'epsilon', shape: [1], init: { constant: params.epsilon }, trainable: params.learnable },
    ],
    call: (ops, [x], w) =>
      ops.add(
        ops.relu(x!),
        ops.mul(ops.mul(w.epsilon!, x!), ops.exp(ops.mul(ops.square(x!), ops.scalar(-0.5)))),
      ),
  },
  examples: [
    { inputs: { x: { shape: [2, 6], range: [-2, 2] } }, params: { epsilon: 0.5 } },
    { inputs: { x: { shape: [2, 3, 2] } }, params: { learnable: false } },
  ],
});
