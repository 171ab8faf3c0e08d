import { reject } from '../../src/core/diagnostics.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { formatShape, tensor } from '../../src/core/tensor-type.ts';
import { MIP_PAPER, primaryParamCount, theta0Segments } from './_mip.ts';

export default defineNode({
  type: 'hyper.output',
  version: 1,
  kind: 'layer',
  title: 'Hypernetwork output (θ₀ bias)',
  docs: {
    summary:
      'Last layer of a hypernetwork: a linear map to the flat vector θ of all weights of a primary MLP (widths [in, h₁, …, out]), read by Hyper dense nodes. With mip, its bias is initialised segment by segment to θ₀ — independent primary weights (each kernel Kaiming-normal, biases 0) — and its kernel Kaiming-normal fan_out, so θ(z) = θ₀ + Δ(z) starts as a well-initialised primary net and θ₀ is learned as the bias (MIP’s additive output). Without mip: Glorot-uniform kernel, zero bias (θ = h(z), the default parametrisation).',
    formula:
      'θ = h·W + b,  W: [H, P], b: [P],  P = Σ_l (w_{l−1}·w_l + w_l);  mip: b = θ₀ segment-wise (kernel_l ~ N(0, 2/w_{l−1}), bias_l = 0), W ~ N(0, 1/P);  else W Glorot uniform, b = 0',
    paper: MIP_PAPER,
  },
  params: {
    primary: p.shape({
      default: [1, 32, 32, 1],
      minLength: 2,
      maxLength: 16,
      doc: 'Widths of the primary MLP, input first ([in, h₁, …, out]); fixes the size P of θ.',
    }),
    mip: p.bool({ default: true, doc: 'MIP initialisation (θ₀ in the bias, Kaiming fan_out kernel).' }),
  },
  inputs: { h: { doc: 'Hypernetwork features [B, H].' } },
  outputs: { y: { doc: 'θ [B, P]: every primary kernel and bias, flat, layer by layer.' } },
  infer({ inputs, params }) {
    const s = inputs.h!.shape;
    if (s.length !== 2)
      reject('shape/rank-mismatch', `The features ${formatShape(s)} must be [B, H] (add a Flatten).`, {
        port: 'h',
      });
    return { y: tensor([s[0] ?? null, primaryParamCount(params.primary)]) };
  },
  paramCount: ({ inputs, params }) => {
    const h = inputs.h!.shape[1] as number;
    const n = primaryParamCount(params.primary);
    return h * n + n;
  },
  lower: ({ params }) => ({ kind: 'kernel', config: { primary: [...params.primary], mip: params.mip } }),
  kernel: {
    weights: (params, [shape]) => {
      const h = shape![shape!.length - 1] as number;
      const n = primaryParamCount(params.primary);
      return [
        {
          name: 'kernel',
          shape: [h, n],
          init: params.mip ? { varianceScaling: { scale: 1, mode: 'fanOut' } } : 'glorotUniform',
        },
        {
          name: 'bias',
          shape: [n],
          init: params.mip ? { segments: theta0Segments(params.primary) } : 'zeros',
        },
      ];
    },
    call: (ops, [h], w) => ops.add(ops.matMul(h!, w.kernel!), w.bias!),
  },
  examples: [
    { inputs: { h: { shape: [2, 4] } }, params: { primary: [1, 3, 1] } },
    { inputs: { h: { shape: [3, 5] } }, params: { primary: [2, 4, 2], mip: false } },
  ],
});
