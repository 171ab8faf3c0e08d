import { reject } from '../../src/core/diagnostics.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { tensor } from '../../src/core/tensor-type.ts';
import { P16_PAPER } from './_shared.ts';

/** The signs c_i = +1 for even i, −1 for odd i (half each, a fixed pattern). */
export const expandSigns = (m: number): number[] =>
  Array.from({ length: m }, (_, i) => (i % 2 === 0 ? 1 : -1));

export default defineNode({
  type: 'fit.randomExpand',
  version: 1,
  kind: 'layer',
  title: 'Random 1→m expansion (frozen)',
  docs: {
    summary:
      'A frozen expansion of one scalar feature into m ReLU ridge functions σ(c_i z + b_i): a spline-like basis over z, so a linear readout on it can fit any smooth link g(z). Signs c_i alternate +1, −1 (half each); biases b_i ~ U(−r, r) are drawn when the model is built (seeded) and never trained. The second hidden layer of P16’s three-layer network (after the learned feature z, standardised).',
    formula: 'y_i = σ(c_i·z + b_i),  c_i = (−1)^i,  b_i ~ U(−r, r) frozen,  i = 0..m−1',
    paper: P16_PAPER,
  },
  params: {
    units: p.int({ default: 200, min: 1, max: 65536, doc: 'm basis functions.' }),
    biasRange: p.float({ default: 3, min: 0, exclusiveMin: true, doc: 'r: biases b_i ~ U(−r, r).' }),
  },
  inputs: { x: { doc: 'One scalar feature per row [B, 1].' } },
  outputs: { y: { doc: '[B, units]: ReLU(c_i·z + b_i).' } },
  infer({ inputs, params }) {
    const s = inputs.x!.shape;
    if (s.length !== 2 || s[1] !== 1)
      reject(
        'shape/rank-mismatch',
        `Random expansion reads one scalar feature per row [B, 1]; got [${s.map((v) => v ?? '?').join(', ')}]. Feed it a Dense(1) or a 1-unit readout.`,
        { port: 'x' },
      );
    return { y: tensor([s[0]!, params.units]) };
  },
  paramCount: ({ params }) => params.units,
  lower: ({ params }) => ({ kind: 'kernel', config: { units: params.units, biasRange: params.biasRange } }),
  kernel: {
    weights: (params) => [
      {
        name: 'bias',
        shape: [params.units],
        init: { uniform: [-params.biasRange, params.biasRange] },
        trainable: false,
      },
    ],
    call: (ops, [x], w, params) =>
      ops.relu(ops.add(ops.mul(x!, ops.constant(expandSigns(params.units), [1, params.units])), w.bias!)),
  },
  examples: [{ inputs: { x: { shape: [4, 1] } }, params: { units: 6 } }],
});
