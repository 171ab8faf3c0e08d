import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { tensor } from '../../src/core/tensor-type.ts';

/** Piraud et al. 2018, arXiv 1804.01910 (the multi-level activation and its losses). */
export const MULTI_LEVEL_PAPER = {
  title: 'Multi-level Activation for Segmentation of Hierarchically-nested Classes',
  authors: 'Marie Piraud, Anjany Sekuboyina, Bjoern H. Menze',
  year: 2018,
  arxiv: '1804.01910',
} as const;

export default defineNode({
  type: 'activations.multiLevel',
  version: 1,
  kind: 'layer',
  title: 'Multi-level activation',
  docs: {
    summary:
      'Staircase of K shifted sigmoids with plateaus at k/K: one output map encodes K nested classes (thresholding at increasing levels gives nested masks by construction). Class = round(K·y). With output "levels" it returns the K components instead (the soft masks of "class ≥ k"), which the nested multi-level loss, level Dice and nesting-violation nodes read.',
    formula:
      'y = (1/K)·Σ_{k=1..K} p_k,  p_k = σ(s·(x − τ_k)),  τ_k = (k − 1)·Δ;  τ and s optionally learnable;  levels = [p_1 … p_K] on the last axis',
    paper: MULTI_LEVEL_PAPER,
  },
  params: {
    levels: p.int({ default: 3, min: 1, max: 16, doc: 'Number of nested levels K.' }),
    delta: p.float({ default: 4, min: 0, max: 100, doc: 'Spacing Δ of the thresholds τ_k = (k − 1)·Δ.' }),
    slope: p.float({ default: 1, min: 0, max: 100, exclusiveMin: true, doc: 'Sigmoid slope s.' }),
    learnable: p.bool({ default: false, doc: 'Learn the thresholds τ_k and the slope s.' }),
    output: p.enum(
      ['mean', 'levels'],
      'mean',
      'mean: y, the staircase; levels: the K components p_k on the last axis ([…, C] → […, K·C], level-major), for per-level losses and metrics.',
    ),
  },
  inputs: { x: { doc: 'Any tensor (e.g. a one-channel logit map).' } },
  outputs: { y: { doc: 'Same shape as x (levels: last axis × K), values in (0, 1).' } },
  infer: ({ inputs, params }) => {
    const shape = inputs.x!.shape;
    if (params.output === 'mean') return { y: tensor(shape) };
    const last = shape.at(-1) ?? null;
    return { y: tensor([...shape.slice(0, -1), last === null ? null : last * params.levels]) };
  },
  paramCount: ({ params }) => (params.learnable ? params.levels + 1 : 0),
  lower: ({ params }) => ({
    kind: 'kernel',
    config: {
      levels: params.levels,
      delta: params.delta,
      slope: params.slope,
      learnable: params.learnable,
      output: params.output,
    },
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
      const levels = Array.from({ length: params.levels }, (_, k) => {
        const tau = params.learnable ? w[`tau${k}`]! : ops.scalar(k * params.delta);
        return ops.sigmoid(ops.mul(s, ops.sub(x!, tau)));
      });
      if (params.output === 'levels') return levels.length === 1 ? levels[0]! : ops.concat(levels, -1);
      const sum = levels.reduce((a, b) => ops.add(a, b), ops.scalar(0));
      return ops.mul(sum, ops.scalar(1 / params.levels));
    },
  },
  examples: [
    { inputs: { x: { shape: [2, 5], range: [-2, 10] } } },
    { inputs: { x: { shape: [2, 3, 1], range: [-2, 6] } }, params: { levels: 2, learnable: true } },
    {
      inputs: { x: { shape: [2, 3, 3, 1], range: [-2, 10] } },
      params: { levels: 3, learnable: true, output: 'levels' },
    },
  ],
});
