import { reject } from '../../src/core/diagnostics.ts';
import {
  BASIS_TYPES,
  type BasisType,
  basisSize,
  expandBasis,
  flattenLeading,
  silu,
} from '../../src/core/kan/basis.ts';
import { basisParams, checkRange, lastDim, specOf, uniformStd } from '../../src/core/kan/kan.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { tensor } from '../../src/core/tensor-type.ts';

/** Parses the comma-separated pool ('bspline,fourier,…'); throws a diagnostic on an unknown name. */
export function parsePool(pool: string): BasisType[] {
  const names = pool
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const n of names)
    if (!(BASIS_TYPES as readonly string[]).includes(n))
      reject('param/invalid', `Unknown activation space '${n}' in pool (known: ${BASIS_TYPES.join(', ')}).`, {
        field: 'pool',
      });
  if (names.length === 0 || new Set(names).size !== names.length)
    reject('param/invalid', 'The pool needs at least one space, each listed once.', { field: 'pool' });
  return names as BasisType[];
}

const sizes = (params: { pool: string; gridSize: number; splineOrder: number }) =>
  parsePool(params.pool).map((type) => basisSize({ type, grid: params.gridSize, order: params.splineOrder }));

export default defineNode({
  type: 'kan.sKan',
  version: 1,
  kind: 'layer',
  title: 'S-KAN layer',
  docs: {
    summary:
      'Activation-space-selectable KAN: every edge learns a mixture over a pool of activation spaces (B-spline, Fourier, Gaussian RBF, Chebyshev, Mexican-hat wavelet) with softmax selection logits, plus a SiLU base. `selection: hard` uses the argmax space per edge (the selective-training stage: α frozen to one-hot, only the chosen coefficients learn).',
    formula:
      'φ_ji(x_i) = w^b_ji·silu(x_i) + Σ_s α_jis·Σ_m c^(s)_jim·Φ^(s)_m(x_i),  α_ji· = softmax(z_ji·) (hard: one-hot argmax z_ji·);  y_j = Σ_i φ_ji(x_i).  node mode shares z over the edges into j.  Params D·units·(Σ_s M_s + |pool| + 1) (edge) or D·units·(Σ_s M_s + 1) + units·|pool| (node)',
    paper: {
      title: 'Activation Space Selectable Kolmogorov-Arnold Networks',
      authors: 'Yang, Zhang, Luo, Lu, Shen',
      year: 2024,
      arxiv: '2408.08338',
    },
  },
  params: {
    units: p.int({ default: 5, min: 1, max: 4096, doc: 'Number of output features.' }),
    pool: p.string({
      default: 'bspline,fourier,grbf,chebyshev,mexhat',
      maxLength: 80,
      doc: 'Comma-separated activation spaces to select from.',
    }),
    selectBy: p.enum(
      ['edge', 'node'] as const,
      'edge',
      'Selection logits per edge, or shared per output node.',
    ),
    selection: p.enum(
      ['soft', 'hard'] as const,
      'soft',
      'soft: softmax mixture (full training); hard: argmax space per edge (selective training). Runtime: a phase override switches it without a rebuild.',
      { runtime: true },
    ),
    ...basisParams,
  },
  inputs: { x: { doc: 'Features [B, D].' } },
  outputs: { y: { doc: '[B, units]' } },
  infer({ inputs, params }) {
    checkRange(params);
    parsePool(params.pool);
    lastDim(inputs.x!, 'S-KAN');
    return { y: tensor([...inputs.x!.shape.slice(0, -1), params.units]) };
  },
  paramCount({ inputs, params }) {
    const d = lastDim(inputs.x!, 'S-KAN');
    const ms = sizes(params);
    const sum = ms.reduce((a, b) => a + b, 0);
    const logits = params.selectBy === 'edge' ? d * params.units * ms.length : params.units * ms.length;
    return d * params.units * (sum + 1) + logits;
  },
  kernel: {
    weights(params, [shape]) {
      const d = shape![shape!.length - 1] as number;
      const pool = parsePool(params.pool);
      const ms = sizes(params);
      return [
        { name: 'base', shape: [d, params.units], init: 'glorotUniform' },
        ...pool.map((s, i) => ({
          name: `coef_${s}`,
          shape: [d, ms[i]!, params.units],
          init: uniformStd(0.1 / Math.sqrt(d * ms[i]!)),
        })),
        {
          name: 'logits',
          shape: params.selectBy === 'edge' ? [d, params.units, pool.length] : [1, params.units, pool.length],
          init: 'zeros',
        },
      ];
    },
    call(ops, [x], w, params) {
      const { x2, lead, d } = flattenLeading(ops, x!);
      const pool = parsePool(params.pool);
      const z = w.logits!;
      const alpha =
        params.selection === 'soft'
          ? ops.softmax(z)
          : // one-hot of the argmax, with no gradient into the logits
            ops.step(ops.add(ops.sub(z, ops.max(z, [2], true)), ops.scalar(1e-6)));
      const zd = params.selectBy === 'edge' ? d : 1;
      const ms = sizes(params);
      let mix = ops.matMul(silu(ops, x2), w.base!); // [N, out]
      pool.forEach((type, s) => {
        const phi = expandBasis(ops, x2, specOf(type, params), d); // [N, D, M]
        // Σ_i α_jis·Σ_m c_jim·Φ_m(x_i) as one matMul: α folds into the coefficients, [D, M, out]
        // (the same sum as Σ_i α_jis·(Φ_i·C_i)_j, in another float order; no [D, N, out] tensor).
        const a = ops.reshape(ops.slice(alpha, [0, 0, s], [zd, params.units, 1]), [zd, 1, params.units]);
        const ca = ops.reshape(ops.mul(w[`coef_${type}`]!, a), [d * ms[s]!, params.units]);
        mix = ops.add(mix, ops.matMul(ops.reshape(phi, [-1, d * ms[s]!]), ca));
      });
      return ops.reshape(mix, [...lead, params.units]);
    },
  },
  lower: ({ params }) => ({ kind: 'kernel', config: { ...params } }),
  examples: [
    { inputs: { x: { shape: [3, 2] } }, params: { units: 2, gridSize: 3 } },
    {
      inputs: { x: { shape: [3, 2] } },
      params: { units: 2, gridSize: 3, pool: 'bspline,fourier', selectBy: 'node' },
    },
  ],
});
