import { reject } from '../../src/core/diagnostics.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { normalizeAxis, requireKnown } from '../../src/core/shape-math.ts';
import { formatShape, tensor } from '../../src/core/tensor-type.ts';

function channelAxis(rank: number, axis: number, shape: string): number {
  const a = normalizeAxis(axis, rank);
  if (a === null || a === 0)
    reject(
      'param/invalid',
      `BatchNormalization axis ${axis} is not a feature axis of the input ${shape}; use -1 (channels last) or an axis from 1 to ${rank - 1}.`,
      { field: 'axis' },
    );
  return a!;
}

export default defineNode({
  type: 'layers.batchNormalization',
  version: 1,
  kind: 'layer',
  title: 'BatchNormalization',
  docs: {
    summary:
      'Normalizes each channel with the batch mean and variance while training (and their moving averages at inference), then scales by γ and shifts by β.',
    formula:
      'training: y = γ · (x − μ_B) / sqrt(σ²_B + ε) + β, moving ← momentum · moving + (1 − momentum) · batch;  inference: μ, σ² = moving mean, moving variance.  Params 4·C (γ, β trainable; moving mean/variance not)',
    paper: {
      title: 'Batch Normalization: Accelerating Deep Network Training by Reducing Internal Covariate Shift',
      authors: 'Sergey Ioffe, Christian Szegedy',
      year: 2015,
      arxiv: '1502.03167',
    },
  },
  params: {
    axis: p.int({
      default: -1,
      min: -4,
      max: 3,
      doc: 'Channel axis that keeps its own statistics (-1 = last, channels last).',
    }),
    momentum: p.float({
      default: 0.99,
      min: 0,
      max: 1,
      step: 0.01,
      doc: 'Momentum of the moving mean and variance.',
    }),
    epsilon: p.float({
      default: 0.001,
      min: 0,
      max: 1,
      exclusiveMin: true,
      doc: 'Added to the variance to avoid division by zero.',
    }),
    center: p.bool({ default: true, doc: 'Learn the shift β.' }),
    scale: p.bool({ default: true, doc: 'Learn the scale γ.' }),
  },
  inputs: { x: { doc: 'Tensor of rank 2 to 4 with channels on axis: [B, C], [B, T, C] or [B, H, W, C].' } },
  outputs: { y: { doc: 'Same shape as x.' } },
  infer({ inputs, params }) {
    const x = inputs.x!;
    const rank = x.shape.length;
    if (rank < 2 || rank > 4)
      reject(
        'shape/rank-mismatch',
        `BatchNormalization (tfjs) supports inputs of rank 2 to 4 ([B, C] … [B, H, W, C]), got rank ${rank} (${formatShape(x.shape)}); Reshape or Flatten first.`,
        { port: 'x' },
      );
    const a = channelAxis(rank, params.axis, formatShape(x.shape));
    requireKnown(x.shape[a]!, `size on the normalized axis ${a}`, 'BatchNormalization');
    if (!params.center || !params.scale)
      reject(
        'param/invalid',
        `tfjs BatchNormalization cannot train with ${params.center ? 'scale' : 'center'} turned off (it reads the missing ${params.center ? 'γ' : 'β'} weight); turn center and scale on.`,
        { field: params.center ? 'scale' : 'center' },
      );
    return { y: tensor([...x.shape], x.dtype) };
  },
  paramCount({ inputs, params }) {
    const x = inputs.x!;
    const c = x.shape[normalizeAxis(params.axis, x.shape.length)!] as number;
    return (params.center ? c : 0) + (params.scale ? c : 0) + 2 * c;
  },
  examples: [
    { inputs: { x: { shape: [4, 5] } } },
    { inputs: { x: { shape: [3, 4, 4, 2] } }, params: { momentum: 0.9, epsilon: 0.01 } },
  ],
  lower: ({ params }) => ({
    kind: 'layer',
    layer: 'batchNormalization',
    config: {
      axis: params.axis,
      momentum: params.momentum,
      epsilon: params.epsilon,
      center: params.center,
      scale: params.scale,
    },
  }),
});
