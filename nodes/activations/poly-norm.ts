import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { tensor } from '../../src/core/tensor-type.ts';
import { POLYCOM_PAPER, polyWeights } from './_poly.ts';

export default defineNode({
  type: 'activations.polyNorm',
  version: 1,
  kind: 'layer',
  title: 'PolyNorm',
  docs: {
    summary:
      'Polynomial composition with normalization (PolyCom): powers of x, each RMS-normalized over the feature (last) axis, combined with learnable scalar weights. Place it after a Dense or LayerNorm (x³ can be large).',
    formula:
      'y = Σ_{i=1..r} w_{r−i}·N(x^i) + b,  N(u) = u / √(mean_last(u²) + ε);  r = 3: w₀·N(x³) + w₁·N(x²) + w₂·N(x) + b,  w init 1/r, b init 0, ε = 1e-6',
    paper: POLYCOM_PAPER,
  },
  params: {
    order: p.int({ default: 3, min: 1, max: 6, doc: 'Highest power r.' }),
    epsilon: p.float({ default: 1e-6, min: 0, max: 1, exclusiveMin: true, doc: 'Added to the mean square.' }),
  },
  inputs: { x: { doc: 'Tensor with features on the last axis [B, …, D].' } },
  outputs: { y: { doc: 'Same shape as x.' } },
  infer: ({ inputs }) => ({ y: tensor(inputs.x!.shape) }),
  paramCount: ({ params }) => params.order + 1,
  lower: ({ params }) => ({ kind: 'kernel', config: { order: params.order, epsilon: params.epsilon } }),
  kernel: {
    weights: (params) => polyWeights(params.order),
    call: (ops, [x], w, params) => {
      const r = params.order;
      const last = ops.shape(x!).length - 1;
      const norm = (u: typeof x) =>
        ops.mul(u!, ops.rsqrt(ops.add(ops.mean(ops.square(u!), [last], true), ops.scalar(params.epsilon))));
      let y = ops.mul(w[`w${r - 1}`]!, norm(x));
      let power: typeof y = x!;
      for (let i = 2; i <= r; i++) {
        power = ops.mul(power, x!);
        y = ops.add(y, ops.mul(w[`w${r - i}`]!, norm(power)));
      }
      return ops.add(y, w.b!);
    },
  },
  examples: [
    { inputs: { x: { shape: [2, 6] } } },
    { inputs: { x: { shape: [2, 2, 4] } }, params: { order: 2 } },
  ],
});
