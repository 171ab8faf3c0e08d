import { LAYER_ACTIVATIONS } from '../../src/core/activations.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import {
  requireKnown,
  requireRank,
  requireStrideOrDilation,
  tupleOrReject,
  windowOutput,
} from '../../src/core/shape-math.ts';
import { tensor } from '../../src/core/tensor-type.ts';

export default defineNode({
  type: 'layers.conv2d',
  version: 1,
  kind: 'layer',
  title: 'Conv2D',
  docs: {
    summary:
      '2-D convolution over images (channels last): each of `filters` kernels slides over height and width and sees all input channels.',
    formula:
      'y[b,i,j,f] = activation( Σ_{u,v,c} x[b, i·s_h + u·d_h, j·s_w + v·d_w, c] · W[u,v,c,f] + b[f] ),  W: [kh, kw, C, filters]; out = ceil((n − (k−1)·d) / s) for valid, ceil(n / s) for same',
  },
  params: {
    filters: p.int({ default: 32, min: 1, max: 65536, doc: 'Number of output channels (kernels).' }),
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
      doc: 'Step [height, width]; one entry applies to both.',
    }),
    padding: p.enum(
      ['valid', 'same'],
      'valid',
      "'valid': no padding (output shrinks); 'same': zero-pad so output = ceil(input / stride).",
    ),
    dilationRate: p.shape({
      default: [1, 1],
      minLength: 1,
      maxLength: 2,
      doc: 'Spacing between kernel taps (atrous convolution); needs strides 1.',
    }),
    activation: p.enum(LAYER_ACTIVATIONS, 'linear', 'Activation applied to the output.'),
    useBias: p.bool({ default: true, doc: 'Add a learned bias per filter.' }),
  },
  inputs: { x: { doc: 'Images [B, H, W, C].' } },
  outputs: { y: { doc: "[B, H', W', filters]" } },
  infer({ inputs, params }) {
    const x = inputs.x!;
    requireRank(x, 4, 'Conv2D', '[B, H, W, C]');
    requireKnown(x.shape[3]!, 'number of input channels (last axis)', 'Conv2D');
    const kernel = tupleOrReject(params.kernelSize, 2, 'kernelSize', '[3, 3]');
    const strides = tupleOrReject(params.strides, 2, 'strides', '[1, 1]');
    const dilation = tupleOrReject(params.dilationRate, 2, 'dilationRate', '[1, 1]');
    requireStrideOrDilation(strides, dilation, 'Conv2D');
    const [h, w] = windowOutput(
      x.shape.slice(1, 3),
      { kernel, strides, padding: params.padding, dilation },
      'Conv2D',
      'kernel',
    );
    return { y: tensor([null, h!, w!, params.filters]) };
  },
  paramCount({ inputs, params }) {
    const c = inputs.x!.shape[3] as number;
    const [kh, kw] = tupleOrReject(params.kernelSize, 2, 'kernelSize', '[3, 3]');
    return kh! * kw! * c * params.filters + (params.useBias ? params.filters : 0);
  },
  examples: [
    { inputs: { x: { shape: [2, 6, 6, 3] } }, params: { filters: 4, kernelSize: [3, 3] } },
    {
      inputs: { x: { shape: [2, 7, 7, 2] } },
      params: { filters: 3, kernelSize: [3, 2], strides: [2, 2], padding: 'same', activation: 'tanh' },
    },
  ],
  lower: ({ params }) => ({
    kind: 'layer',
    layer: 'conv2d',
    config: {
      filters: params.filters,
      kernelSize: tupleOrReject(params.kernelSize, 2, 'kernelSize', '[3, 3]'),
      strides: tupleOrReject(params.strides, 2, 'strides', '[1, 1]'),
      padding: params.padding,
      dilationRate: tupleOrReject(params.dilationRate, 2, 'dilationRate', '[1, 1]'),
      activation: params.activation,
      useBias: params.useBias,
    },
  }),
});
