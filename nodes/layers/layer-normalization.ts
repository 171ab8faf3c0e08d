import { reject } from '../../src/core/diagnostics.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { normalizeAxis, requireKnown } from '../../src/core/shape-math.ts';
import { formatShape, tensor } from '../../src/core/tensor-type.ts';

export default defineNode({
  type: 'layers.layerNormalization',
  version: 1,
  kind: 'layer',
  title: 'LayerNormalization',
  docs: {
    summary:
      'Normalizes each example over its feature axis (mean 0, variance 1, no batch statistics), then scales by γ and shifts by β per feature.',
    formula:
      'μ = mean_axis(x),  σ² = var_axis(x);  y = γ · (x − μ) / sqrt(σ² + ε) + β,  γ, β: [C]  (params 2·C)',
    paper: {
      title: 'Layer Normalization',
      authors: 'Jimmy Lei Ba, Jamie Ryan Kiros, Geoffrey E. Hinton',
      year: 2016,
      arxiv: '1607.06450',
    },
  },
  params: {
    axis: p.int({ default: -1, min: -4, max: 3, doc: 'Axis normalized over (-1 = last, the features).' }),
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
  inputs: { x: { doc: 'Tensor of rank 2 to 4: [B, C], [B, T, C] or [B, H, W, C].' } },
  outputs: { y: { doc: 'Same shape as x.' } },
  infer({ inputs, params }) {
    const x = inputs.x!;
    const rank = x.shape.length;
    if (rank < 2 || rank > 4)
      reject(
        'shape/rank-mismatch',
        `LayerNormalization (tfjs) supports inputs of rank 2 to 4 ([B, C] … [B, H, W, C]), got rank ${rank} (${formatShape(x.shape)}); Reshape first.`,
        { port: 'x' },
      );
    const a = normalizeAxis(params.axis, rank);
    if (a === null || a === 0)
      reject(
        'param/invalid',
        `LayerNormalization axis ${params.axis} is not a feature axis of the input ${formatShape(x.shape)}; use -1 (last axis) or an axis from 1 to ${rank - 1}.`,
        { field: 'axis' },
      );
    if (!params.center || !params.scale)
      reject(
        'param/invalid',
        `tfjs LayerNormalization cannot compute gradients with ${params.center ? 'scale' : 'center'} turned off (it reads the missing ${params.center ? 'γ' : 'β'} weight); turn center and scale on.`,
        { field: params.center ? 'scale' : 'center' },
      );
    requireKnown(x.shape[a!]!, `size on the normalized axis ${a}`, 'LayerNormalization');
    return { y: tensor([...x.shape], x.dtype) };
  },
  paramCount({ inputs, params }) {
    const x = inputs.x!;
    const c = x.shape[normalizeAxis(params.axis, x.shape.length)!] as number;
    return (params.center ? c : 0) + (params.scale ? c : 0);
  },
  examples: [
    { inputs: { x: { shape: [3, 6] } } },
    { inputs: { x: { shape: [2, 3, 4] } }, params: { axis: 1, epsilon: 0.01 } },
  ],
  lower: ({ params }) => ({
    kind: 'layer',
    layer: 'layerNormalization',
    config: { axis: params.axis, epsilon: params.epsilon, center: params.center, scale: params.scale },
  }),
});
