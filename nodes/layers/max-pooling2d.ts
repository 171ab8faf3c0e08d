import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { poolStrides, requireRank, tupleOrReject, windowOutput } from '../../src/core/shape-math.ts';
import { tensor } from '../../src/core/tensor-type.ts';

export default defineNode({
  type: 'layers.maxPooling2d',
  version: 1,
  kind: 'layer',
  title: 'MaxPooling2D',
  docs: {
    summary: 'Downsamples images by taking the maximum of each poolSize window, per channel.',
    formula:
      'y[b,i,j,c] = max_{u < kh, v < kw} x[b, i·s_h + u, j·s_w + v, c];  out = ceil((n − k + 1) / s) for valid, ceil(n / s) for same (s defaults to k)',
  },
  params: {
    poolSize: p.shape({
      default: [2, 2],
      minLength: 1,
      maxLength: 2,
      doc: 'Window [height, width]; one entry means square.',
    }),
    strides: p.shape({
      default: [],
      minLength: 0,
      maxLength: 2,
      doc: 'Step [height, width]; empty = same as poolSize.',
    }),
    padding: p.enum(
      ['valid', 'same'],
      'valid',
      "'valid': drop windows that do not fit; 'same': pad so output = ceil(input / stride).",
    ),
  },
  inputs: { x: { doc: 'Images [B, H, W, C].' } },
  outputs: { y: { doc: "[B, H', W', C]" } },
  infer({ inputs, params }) {
    const x = inputs.x!;
    requireRank(x, 4, 'MaxPooling2D', '[B, H, W, C]');
    const pool = tupleOrReject(params.poolSize, 2, 'poolSize', '[2, 2]');
    const strides = poolStrides(params.strides, pool, 2, '[2, 2]');
    const [h, w] = windowOutput(
      x.shape.slice(1, 3),
      { kernel: pool, strides, padding: params.padding },
      'MaxPooling2D',
      'pool',
    );
    return { y: tensor([null, h!, w!, x.shape[3]!], x.dtype) };
  },
  paramCount: () => 0,
  examples: [
    { inputs: { x: { shape: [2, 6, 6, 3] } }, params: { poolSize: [2, 2] } },
    {
      inputs: { x: { shape: [2, 7, 5, 2] } },
      params: { poolSize: [3, 3], strides: [2, 2], padding: 'same' },
    },
  ],
  lower: ({ params }) => {
    const pool = tupleOrReject(params.poolSize, 2, 'poolSize', '[2, 2]');
    return {
      kind: 'layer',
      layer: 'maxPooling2d',
      config: {
        poolSize: pool,
        strides: poolStrides(params.strides, pool, 2, '[2, 2]'),
        padding: params.padding,
      },
    };
  },
});
