import { LAYER_ACTIVATIONS } from '../../src/core/activations.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { deconvLength, requireKnown, requireRank, tupleOrReject } from '../../src/core/shape-math.ts';
import { tensor } from '../../src/core/tensor-type.ts';

export default defineNode({
  type: 'layers.conv2dTranspose',
  version: 1,
  kind: 'layer',
  title: 'Conv2DTranspose',
  docs: {
    summary:
      'Transposed 2-D convolution ("deconvolution"): the gradient of a strided convolution, used to upsample feature maps with learned kernels.',
    formula:
      'y = activation( conv2d_transpose(x, W, strides) + b ),  W: [kh, kw, filters, C]; out = n·s + max(k − s, 0) for valid, n·s for same',
  },
  params: {
    filters: p.int({ default: 32, min: 1, max: 65536, doc: 'Number of output channels.' }),
    kernelSize: p.shape({
      default: [3, 3],
      minLength: 1,
      maxLength: 2,
      doc: 'Kernel [height, width]; one entry means square.',
    }),
    strides: p.shape({
      default: [1, 1],
      minLength: 1,
      maxLength: 2,
      doc: 'Upsampling step [height, width]; one entry applies to both.',
    }),
    padding: p.enum(
      ['valid', 'same'],
      'valid',
      "'same': output = input · stride; 'valid': output = input · stride + max(kernel − stride, 0).",
    ),
    activation: p.enum(LAYER_ACTIVATIONS, 'linear', 'Activation applied to the output.'),
    useBias: p.bool({ default: true, doc: 'Add a learned bias per filter.' }),
  },
  inputs: { x: { doc: 'Feature maps [B, H, W, C].' } },
  outputs: { y: { doc: "[B, H', W', filters]" } },
  infer({ inputs, params }) {
    const x = inputs.x!;
    requireRank(x, 4, 'Conv2DTranspose', '[B, H, W, C]');
    requireKnown(x.shape[3]!, 'number of input channels (last axis)', 'Conv2DTranspose');
    const [kh, kw] = tupleOrReject(params.kernelSize, 2, 'kernelSize', '[3, 3]');
    const [sh, sw] = tupleOrReject(params.strides, 2, 'strides', '[1, 1]');
    const h = deconvLength(x.shape[1]!, sh!, kh!, params.padding);
    const w = deconvLength(x.shape[2]!, sw!, kw!, params.padding);
    return { y: tensor([null, h, w, params.filters]) };
  },
  paramCount({ inputs, params }) {
    const c = inputs.x!.shape[3] as number;
    const [kh, kw] = tupleOrReject(params.kernelSize, 2, 'kernelSize', '[3, 3]');
    return kh! * kw! * params.filters * c + (params.useBias ? params.filters : 0);
  },
  examples: [
    { inputs: { x: { shape: [2, 4, 4, 3] } }, params: { filters: 2, kernelSize: [3, 3] } },
    {
      inputs: { x: { shape: [2, 3, 3, 2] } },
      params: { filters: 3, kernelSize: [3, 3], strides: [2, 2], padding: 'same' },
    },
  ],
  lower: ({ params }) => ({
    kind: 'layer',
    layer: 'conv2dTranspose',
    config: {
      filters: params.filters,
      kernelSize: tupleOrReject(params.kernelSize, 2, 'kernelSize', '[3, 3]'),
      strides: tupleOrReject(params.strides, 2, 'strides', '[1, 1]'),
      padding: params.padding,
      activation: params.activation,
      useBias: params.useBias,
    },
  }),
});
