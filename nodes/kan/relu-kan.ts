import { flattenLeading, layerNormLast } from '../../src/core/kan/basis.ts';
import { lastDim } from '../../src/core/kan/kan.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { tensor } from '../../src/core/tensor-type.ts';

/** Initial phases a_j = (j − k)/g, j = 0 … g + k − 1 (arange(−k, g)/g). */
export const reluKanPhases = (g: number, k: number): number[] =>
  Array.from({ length: g + k }, (_, j) => (j - k) / g);

export default defineNode({
  type: 'kan.reluKan',
  version: 1,
  kind: 'layer',
  title: 'ReLU-KAN layer',
  docs: {
    summary:
      'ReLU-KAN: the B-spline bumps of a KAN replaced by squared products of ReLUs with learnable phases, so the layer needs only additions, products and ReLU. Layer-normalised input, then a dense map over all in·(g + k) bump features (as in the All-KAN reference code).',
    formula:
      'x ← LayerNorm(x);  B_ij = [ r·relu(x_i − a_ij)·relu(b_ij − x_i) ]²,  r = 4g²/(k + 1)²,  a_ij init (j − k)/g, b_ij init a_ij + (k + 1)/g (learnable, [in, g + k]);  y = flatten(B)·W + bias.  Params in·(g+k)·units + units + 2·in·(g+k) + 2·in',
    paper: {
      title:
        'ReLU-KAN: New Kolmogorov-Arnold Networks that Only Need Matrix Addition, Dot Multiplication, and ReLU',
      authors: 'Qiu, Zhu, Jiao, Wang, Li, Zhang',
      year: 2024,
      arxiv: '2406.02075',
    },
  },
  params: {
    units: p.int({ default: 8, min: 1, max: 4096, doc: 'Number of output features.' }),
    gridSize: p.int({ default: 5, min: 1, max: 64, doc: 'g: grid intervals.' }),
    order: p.int({ default: 3, min: 0, max: 8, doc: 'k: bump width (k + 1)/g.' }),
  },
  inputs: { x: { doc: 'Features [B, D].' } },
  outputs: { y: { doc: '[B, units]' } },
  infer({ inputs, params }) {
    lastDim(inputs.x!, 'ReLU-KAN');
    return { y: tensor([...inputs.x!.shape.slice(0, -1), params.units]) };
  },
  paramCount({ inputs, params }) {
    const d = lastDim(inputs.x!, 'ReLU-KAN');
    const m = params.gridSize + params.order;
    return d * m * params.units + params.units + 2 * d * m + 2 * d;
  },
  kernel: {
    weights(params, [shape]) {
      const d = shape![shape!.length - 1] as number;
      const m = params.gridSize + params.order;
      return [
        { name: 'gamma', shape: [d], init: 'ones' },
        { name: 'beta', shape: [d], init: 'zeros' },
        // Phases are stored as offsets from their initial grid (so the initialiser is zeros).
        { name: 'phase_low', shape: [d, m], init: 'zeros' },
        { name: 'phase_high', shape: [d, m], init: 'zeros' },
        { name: 'kernel', shape: [d * m, params.units], init: 'glorotUniform' },
        { name: 'bias', shape: [params.units], init: 'zeros' },
      ];
    },
    call(ops, [x], w, params) {
      const { x2, lead, d } = flattenLeading(ops, x!);
      const [g, k] = [params.gridSize, params.order];
      const m = g + k;
      const a0 = reluKanPhases(g, k);
      const lo = ops.add(w.phase_low!, ops.constant(a0, [1, m]));
      const hi = ops.add(
        w.phase_high!,
        ops.constant(
          a0.map((a) => a + (k + 1) / g),
          [1, m],
        ),
      );
      const xn = layerNormLast(ops, x2, w.gamma!, w.beta!);
      const x3 = ops.reshape(xn, [-1, d, 1]);
      const r = (4 * g * g) / ((k + 1) * (k + 1));
      const bump = ops.square(
        ops.mul(ops.scalar(r), ops.mul(ops.relu(ops.sub(x3, lo)), ops.relu(ops.sub(hi, x3)))),
      );
      const y = ops.add(ops.matMul(ops.reshape(bump, [-1, d * m]), w.kernel!), w.bias!);
      return ops.reshape(y, [...lead, params.units]);
    },
  },
  lower: ({ params }) => ({ kind: 'kernel', config: { ...params } }),
  examples: [{ inputs: { x: { shape: [4, 3] } }, params: { units: 2, gridSize: 3, order: 2 } }],
});
