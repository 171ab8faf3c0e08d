import { BASIS_FORMULAS, basisSize, flattenLeading } from '../../src/core/kan/basis.ts';
import {
  basisParam,
  basisParams,
  checkRange,
  KAN_PAPER,
  kanContract,
  lastDim,
  specOf,
  uniformStd,
} from '../../src/core/kan/kan.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { tensor } from '../../src/core/tensor-type.ts';

export default defineNode({
  type: 'kan.kanLayer',
  version: 1,
  kind: 'layer',
  title: 'KAN layer',
  docs: {
    summary:
      'Kolmogorov-Arnold layer: every input-output edge carries its own learnable 1-D function, a SiLU base plus a weighted sum of basis functions (B-spline by default; Fourier, Gaussian RBF, Chebyshev or Mexican-hat wavelet selectable). Efficient-KAN formulation: two matrix products.',
    formula: `y_j = Σ_i [ w^b_ji·silu(x_i) + Σ_m c_jim·Φ_m(x_i) ];  implemented as silu(x)·W_b + reshape(Φ(x), [B, D·M])·C;  squashInputs: Φ sees lo + (hi − lo)·(1 + tanh x_i)/2 (inside the grid), the base still x_i.  Bases: ${Object.entries(
      BASIS_FORMULAS,
    )
      .map(([k, v]) => `${k}: ${v}`)
      .join('; ')}.  Params D·units·(M + 1)`,
    paper: KAN_PAPER,
  },
  params: {
    units: p.int({ default: 8, min: 1, max: 4096, doc: 'Number of output features.' }),
    basis: basisParam('bspline'),
    ...basisParams,
  },
  inputs: { x: { doc: 'Features on the last axis: [B, …, D].' } },
  outputs: { y: { doc: '[B, …, units]' } },
  infer({ inputs, params }) {
    checkRange(params);
    lastDim(inputs.x!, 'KAN layer');
    return { y: tensor([...inputs.x!.shape.slice(0, -1), params.units]) };
  },
  paramCount({ inputs, params }) {
    const d = lastDim(inputs.x!, 'KAN layer');
    return (
      d *
      params.units *
      (basisSize({ type: params.basis, grid: params.gridSize, order: params.splineOrder }) + 1)
    );
  },
  kernel: {
    weights(params, [shape]) {
      const d = shape![shape!.length - 1] as number;
      const m = basisSize({ type: params.basis, grid: params.gridSize, order: params.splineOrder });
      return [
        { name: 'base', shape: [d, params.units], init: 'glorotUniform' },
        { name: 'coef', shape: [d * m, params.units], init: uniformStd(0.1 / Math.sqrt(d * m)) },
      ];
    },
    call(ops, [x], w, params) {
      const { x2, lead, d } = flattenLeading(ops, x!);
      const y = kanContract(ops, x2, d, w.base!, w.coef!, specOf(params.basis, params));
      return ops.reshape(y, [...lead, params.units]);
    },
  },
  lower: ({ params }) => ({ kind: 'kernel', config: { ...params } }),
  examples: [
    { inputs: { x: { shape: [3, 4], range: [-1.2, 1.2] } }, params: { units: 3 } },
    { inputs: { x: { shape: [2, 3, 2] } }, params: { units: 2, basis: 'fourier', gridSize: 3 } },
    { inputs: { x: { shape: [3, 3] } }, params: { units: 2, basis: 'grbf', gridSize: 4 } },
    { inputs: { x: { shape: [3, 3] } }, params: { units: 2, basis: 'chebyshev', gridSize: 3 } },
    { inputs: { x: { shape: [3, 3] } }, params: { units: 2, basis: 'mexhat', gridSize: 4 } },
  ],
});
