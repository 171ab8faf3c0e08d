import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { tensor } from '../../src/core/tensor-type.ts';
import { POLYCOM_PAPER, polyWeights } from './_poly.ts';

export default defineNode({
  type: 'activations.polyRelu',
  version: 1,
  kind: 'layer',
  title: 'PolyReLU',
  docs: {
    summary:
      'Polynomial composition of ReLU (PolyCom): a learnable combination of ReLU(x) and its powers up to the order, with scalar weights per layer.',
    formula:
      'y = Σ_{i=1..r} w_{r−i}·ReLU(x)^i + b;  r = 3: y = w₀·ReLU(x)³ + w₁·ReLU(x)² + w₂·ReLU(x) + b,  w init 1/r, b init 0',
    paper: POLYCOM_PAPER,
  },
  params: { order: p.int({ default: 3, min: 1, max: 6, doc: 'Highest power r.' }) },
  inputs: { x: { doc: 'Any tensor.' } },
  outputs: { y: { doc: 'Same shape as x.' } },
  infer: ({ inputs }) => ({ y: tensor(inputs.x!.shape) }),
  paramCount: ({ params }) => params.order + 1,
  lower: ({ params }) => ({ kind: 'kernel', config: { order: params.order } }),
  kernel: {
    weights: (params) => polyWeights(params.order),
    call: (ops, [x], w, params) => {
      const r = params.order;
      const u = ops.relu(x!);
      let power = u;
      let y = ops.mul(w[`w${r - 1}`]!, u);
      for (let i = 2; i <= r; i++) {
        power = ops.mul(power, u);
        y = ops.add(y, ops.mul(w[`w${r - i}`]!, power));
      }
      return ops.add(y, w.b!);
    },
  },
  examples: [
    { inputs: { x: { shape: [2, 6] } } },
    { inputs: { x: { shape: [2, 3] } }, params: { order: 2 } },
  ],
});
