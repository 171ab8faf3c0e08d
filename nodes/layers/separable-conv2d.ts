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
  type: 'layers.separableConv2d',
  version: 1,
  kind: 'layer',
  title: 'SeparableConv2D',
  docs: {
    summary:
      'Depthwise separable 2-D convolution: a per-channel (depthwise) spatial convolution followed by a 1×1 (pointwise) convolution that mixes channels.',
    formula:
      'z = depthwise(x; D),  D: [kh, kw, C, m];  y = activation( z · P + b ),  P: [1, 1, C·m, filters]; params = kh·kw·C·m + C·m·filters + filters',
    paper: {
      title: 'Xception: Deep Learning with Depthwise Separable Convolutions',
      authors: 'François Chollet',
      year: 2017,
      arxiv: '1610.02357',
    },
  },
  params: {
    filters: p.int({
      default: 32,
      min: 1,
      max: 65536,
      doc: 'Number of output channels of the pointwise step.',
    }),
    kernelSize: p.shape({
      default: [3, 3],
      minLength: 1,
      maxLength: 2,
      doc: 'Depthwise kernel [height, width]; one entry means square.',
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
      doc: 'Spacing between depthwise kernel taps; needs strides 1.',
    }),
    depthMultiplier: p.int({
      default: 1,
      min: 1,
      max: 256,
      doc: 'Depthwise output channels per input channel.',
    }),
    activation: p.enum(LAYER_ACTIVATIONS, 'linear', 'Activation applied to the output.'),
    useBias: p.bool({ default: true, doc: 'Add a learned bias per filter.' }),
  },
  inputs: { x: { doc: 'Images [B, H, W, C].' } },
  outputs: { y: { doc: "[B, H', W', filters]" } },
  infer({ inputs, params }) {
    const x = inputs.x!;
    requireRank(x, 4, 'SeparableConv2D', '[B, H, W, C]');
    requireKnown(x.shape[3]!, 'number of input channels (last axis)', 'SeparableConv2D');
    const kernel = tupleOrReject(params.kernelSize, 2, 'kernelSize', '[3, 3]');
    const strides = tupleOrReject(params.strides, 2, 'strides', '[1, 1]');
    const dilation = tupleOrReject(params.dilationRate, 2, 'dilationRate', '[1, 1]');
    requireStrideOrDilation(strides, dilation, 'SeparableConv2D');
    const [h, w] = windowOutput(
      x.shape.slice(1, 3),
      { kernel, strides, padding: params.padding, dilation },
      'SeparableConv2D',
      'kernel',
    );
    return { y: tensor([null, h!, w!, params.filters]) };
  },
  paramCount({ inputs, params }) {
    const c = inputs.x!.shape[3] as number;
    const [kh, kw] = tupleOrReject(params.kernelSize, 2, 'kernelSize', '[3, 3]');
    const m = params.depthMultiplier;
    return kh! * kw! * c * m + c * m * params.filters + (params.useBias ? params.filters : 0);
  },
  examples: [
    { inputs: { x: { shape: [2, 6, 6, 3] } }, params: { filters: 4, kernelSize: [3, 3] } },
    {
      inputs: { x: { shape: [2, 7, 7, 2] } },
      params: { filters: 3, kernelSize: [3, 3], strides: [2, 2], padding: 'same', depthMultiplier: 2 },
    },
  ],
  lower: ({ params }) => ({
    kind: 'layer',
    layer: 'separableConv2d',
    config: {
      filters: params.filters,
      kernelSize: tupleOrReject(params.kernelSize, 2, 'kernelSize', '[3, 3]'),
      strides: tupleOrReject(params.strides, 2, 'strides', '[1, 1]'),
      padding: params.padding,
      dilationRate: tupleOrReject(params.dilationRate, 2, 'dilationRate', '[1, 1]'),
      depthMultiplier: params.depthMultiplier,
      activation: params.activation,
      useBias: params.useBias,
    },
  }),
});
