import { columnStats, toFloat32 } from '../../src/core/fits.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { tensor } from '../../src/core/tensor-type.ts';
import { flatFeatures, P16_PAPER } from './_shared.ts';

export default defineNode({
  type: 'fit.standardize',
  version: 1,
  kind: 'layer',
  title: 'Standardize (fit)',
  docs: {
    summary:
      'Per-feature standardisation with statistics fitted in closed form by a fit phase: the mean and the population standard deviation of its input over the phase’s rows (non-trainable weights; mean 0 and std 1 before the fit, so it passes values through). In P16 it puts the learned feature z on the scale the frozen expansion’s biases U(−3, 3) cover.',
    formula: 'y = (x − m) / s;  fit: m_j = (1/n) Σ_i x_ij,  s_j = √((1/n) Σ_i (x_ij − m_j)² + eps)',
    paper: P16_PAPER,
  },
  params: {
    eps: p.float({ default: 1e-8, min: 0, doc: 'Added to the variance before the square root.' }),
  },
  inputs: { x: { doc: 'Flat features [B, d].' } },
  outputs: { y: { doc: '[B, d] standardised.' } },
  infer({ inputs }) {
    const d = flatFeatures(inputs.x!, 'Standardize');
    return { y: tensor([inputs.x!.shape[0]!, d]) };
  },
  paramCount: ({ inputs }) => 2 * (inputs.x!.shape[1] as number),
  lower: ({ params }) => ({ kind: 'kernel', config: { eps: params.eps } }),
  kernel: {
    weights: (_params, [shape]) => [
      { name: 'mean', shape: [shape![1] as number], init: 'zeros', trainable: false },
      { name: 'std', shape: [shape![1] as number], init: 'ones', trainable: false },
    ],
    call: (ops, [x], w) => ops.div(ops.sub(x!, w.mean!), w.std!),
  },
  fit: {
    collect: 'rows',
    labels: 'none',
    solve(data, params) {
      const { mean, std } = columnStats(data.x, params.eps);
      return { mean: toFloat32(mean), std: toFloat32(std) };
    },
  },
  examples: [{ inputs: { x: { shape: [3, 4] } } }],
});
