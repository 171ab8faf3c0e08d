import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { requireRank, tupleOrReject } from '../../src/core/shape-math.ts';
import { tensor } from '../../src/core/tensor-type.ts';

export default defineNode({
  type: 'layers.upSampling2d',
  version: 1,
  kind: 'layer',
  title: 'UpSampling2D',
  docs: {
    summary:
      'Enlarges images by whole factors: each pixel is repeated (nearest) or interpolated (bilinear). No weights.',
    formula: "nearest: y[b,i,j,c] = x[b, floor(i / s_h), floor(j / s_w), c];  H' = H·s_h, W' = W·s_w",
  },
  params: {
    size: p.shape({
      default: [2, 2],
      minLength: 1,
      maxLength: 2,
      doc: 'Upsampling factors [height, width]; one entry applies to both.',
    }),
    interpolation: p.enum(['nearest', 'bilinear'], 'nearest', 'How new pixels are filled in.'),
  },
  inputs: { x: { doc: 'Images [B, H, W, C].' } },
  outputs: { y: { doc: '[B, H·size[0], W·size[1], C]' } },
  infer({ inputs, params }) {
    const x = inputs.x!;
    requireRank(x, 4, 'UpSampling2D', '[B, H, W, C]');
    const [sh, sw] = tupleOrReject(params.size, 2, 'size', '[2, 2]');
    const h = x.shape[1]!;
    const w = x.shape[2]!;
    return {
      y: tensor([null, h === null ? null : h * sh!, w === null ? null : w * sw!, x.shape[3]!], x.dtype),
    };
  },
  paramCount: () => 0,
  examples: [
    { inputs: { x: { shape: [2, 3, 3, 2] } }, params: { size: [2, 2] } },
    { inputs: { x: { shape: [2, 2, 3, 2] } }, params: { size: [3, 2], interpolation: 'bilinear' } },
  ],
  lower: ({ params }) => ({
    kind: 'layer',
    layer: 'upSampling2d',
    config: { size: tupleOrReject(params.size, 2, 'size', '[2, 2]'), interpolation: params.interpolation },
  }),
});
