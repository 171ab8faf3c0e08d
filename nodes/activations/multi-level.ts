import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { tensor } from '../../src/core/tensor-type.ts';

export default defineNode({
  type: 'activations.multiLevel',
  version: 1,
  kind: 'layer',
  title: 'Multi-level activation',
  docs: {
    summary:
      'Staircase of K shifted sigmoids with plateaus at k/K: one output map encodes K nested classes (thresholding at increasing levels gives nested masks by construction). Class = round(K·y).',
    formula: 'y = (1/K)·Σ_{k=1..K} σ(s·(x − τ_k)),  τ_k = (k − 1)·Δ;  τ and s optionally learnable',
    paper: {
      title: 'Multi-level Activation for Segmentation of Hierarchically-nested Classes',
      authors: 'Marie Piraud, Anjany Sekuboyina, Bjoern H. Menze',
      year: 2018,
      arxiv: '1809.06837',
    },
  },
  params: {
    levels: p.int({ default: 3, min: 1, max: 16, doc: 'Number of nested levels K.' }),
    delta: p.float({ default: 4, min: 0, max: 100, doc: 'Spacing Δ of the thresholds τ_k = (k − 1)·Δ.' }),
    slope: p.float({ default: 1, min: 0, max: 100, exclusiveMin: true, doc: 'Sigmoid slope s.' }),
    learnable: p.bool({ default: false, doc: 'Learn the thresholds τ_k and the slope s.' }),
  },
  inputs: { x: { doc: 'Any tensor (e.g. a one-channel logit map).' } },
  outputs: { y: { doc: 'Same shape as x, values in (0, 1).' } },
  infer: ({ inputs }) => ({ y: tensor(inputs.x!.shape) }),
  paramCount: ({ params }) => (params.learnable ? params.levels + 1 : 0),
  lower: ({ params }) => ({
    kind: 'kernel',
    config: { levels: params.levels, delta: params.delta, slope: params.slope, learnable: params.learnable },
  }),
  kernel: {
    weights: (params) =>
      params.learnable
        ? [
            ...Array.from({ length: params.levels }, (_, k) => ({
              name: `tau${k}`,
              shape: [1],
              init: { constant: k * params.delta },
            })),
            { name: 'slope', shape: [1], init: { constant: params.slope } },
          ]
        : [],
    call: (ops, [x], w, params) => {
      const s = params.learnable ? w.slope! : ops.scalar(params.slope);
      let sum = ops.scalar(0);
      for (let k = 0; k < params.levels; k++) {
        const tau = params.learnable ? w[`tau${k}`]! : ops.scalar(k * params.delta);
        sum = ops.add(sum, ops.sigmoid(ops.mul(s, ops.sub(x!, tau))));
      }
      return ops.mul(sum, ops.scalar(1 / params.levels));
    },
  },
  examples: [
    { inputs: { x: { shape: [2, 5], range: [-2, 10] } } },
    { inputs: { x: { shape: [2, 3, 1], range: [-2, 6] } }, params: { levels: 2, learnable: true } },
  ],
});
