import { reject } from '../../src/core/diagnostics.ts';
import { defineNode } from '../../src/core/node-def.ts';
import type { Ops } from '../../src/core/ops.ts';
import { p } from '../../src/core/params.ts';
import { formatShape, tensor } from '../../src/core/tensor-type.ts';
import { DIFFUSION_FEATURES_PAPER } from './_schedule.ts';

/** ω_k = 10000^(−k/half), k = 0 … half − 1 (guided-diffusion's `timestep_embedding`). */
export function frequencies(dim: number): number[] {
  const half = dim / 2;
  return Array.from({ length: half }, (_, k) => 10000 ** (-k / half));
}

/** [sin(t·ω_k) …, cos(t·ω_k) …] for t [B, 1]: [B, dim]. */
export function sinusoidal<T>(ops: Ops<T>, t: T, dim: number): T {
  const args = ops.mul(t, ops.constant(frequencies(dim), [1, dim / 2]));
  return ops.concat([ops.sin(args), ops.cos(args)], 1);
}

export default defineNode({
  type: 'diffusion.timeEmbedding',
  version: 1,
  kind: 'layer',
  title: 'Time embedding',
  docs: {
    summary:
      'The noise step t of a diffusion model as a vector: sinusoidal features of t (as in a Transformer’s positions), a learned dense layer and Swish. A U-Net adds a projection of it to every residual block.',
    formula:
      'e = swish(W · [sin(t·ω_0), …, sin(t·ω_{d/2−1}), cos(t·ω_0), …, cos(t·ω_{d/2−1})] + b),  ω_k = 10000^(−k/(d/2)),  swish(z) = z·σ(z)',
    paper: DIFFUSION_FEATURES_PAPER,
  },
  params: {
    dim: p.int({ default: 32, min: 2, max: 4096, doc: 'Sinusoidal features d (even).' }),
    units: p.int({ default: 64, min: 1, max: 65536, doc: 'Output width of the dense layer.' }),
  },
  inputs: { t: { doc: 'Noise steps t [B, 1] (float; diffusion.qSample’s t).' } },
  outputs: { y: { doc: '[B, units]' } },
  infer({ inputs, params, nodeId }) {
    const t = inputs.t!;
    if (t.shape.length !== 2 || t.shape[1] !== 1)
      reject('shape/rank-mismatch', `t ${formatShape(t.shape)} must be [B, 1] (one step per example).`, {
        port: 't',
      });
    if (params.dim % 2 !== 0)
      reject('param/invalid', `dim = ${params.dim} must be even (half sines, half cosines).`, {
        field: 'dim',
        fix: { kind: 'set-param', nodeId, field: 'dim', value: params.dim + 1 },
      });
    return { y: tensor([t.shape[0] ?? null, params.units]) };
  },
  paramCount: ({ params }) => params.dim * params.units + params.units,
  lower: ({ params }) => ({ kind: 'kernel', config: { dim: params.dim, units: params.units } }),
  kernel: {
    weights: (params) => [
      { name: 'kernel', shape: [params.dim, params.units], init: 'glorotUniform' },
      { name: 'bias', shape: [params.units], init: 'zeros' },
    ],
    call(ops, [t], w, params) {
      const z = ops.add(ops.matMul(sinusoidal(ops, t!, params.dim), w.kernel!), w.bias!);
      return ops.mul(z, ops.sigmoid(z));
    },
  },
  examples: [
    { inputs: { t: { shape: [3, 1], range: [0, 10] } }, params: { dim: 8, units: 5 } },
    { inputs: { t: { shape: [2, 1], range: [0, 100] } }, params: { dim: 4, units: 3 } },
  ],
});
