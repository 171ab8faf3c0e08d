import { LAYER_ACTIVATIONS } from '../../src/core/activations.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { requireKnown, requireRank, tupleOrReject, windowOutput } from '../../src/core/shape-math.ts';
import { tensor } from '../../src/core/tensor-type.ts';

export default defineNode({
  type: 'layers.depthwiseConv2d',
  version: 1,
  kind: 'layer',
  title: 'DepthwiseConv2D',
  docs: {
    summary:
      'Depthwise 2-D convolution: each input channel is convolved with its own depthMultiplier kernels; channels are not mixed.',
    formula:
      'y[b,i,j,c·m+k] = activation( Σ_{u,v} x[b, i·s_h + u, j·s_w + v, c] · W[u,v,c,k] + b[c·m+k] ),  W: [kh, kw, C, m], output channels C·m',
    paper: {
      title: 'MobileNets: Efficient Convolutional Neural Networks for Mobile Vision Applications',
      authors: 'Andrew G. Howard et al.',
      year: 2017,
      arxiv: '1704.04861',
    },
  },
  params: {
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
    depthMultiplier: p.int({ default: 1, min: 1, max: 256, doc: 'Output channels per input channel.' }),
    activation: p.enum(LAYER_ACTIVATIONS, 'linear', 'Activation applied to the output.'),
    useBias: p.bool({ default: true, doc: 'Add a learned bias per output channel.' }),
  },
  inputs: { x: { doc: 'Images [B, H, W, C].' } },
  outputs: { y: { doc: "[B, H', W', C·depthMultiplier]" } },
  infer({ inputs, params }) {
    const x = inputs.x!;
    requireRank(x, 4, 'DepthwiseConv2D', '[B, H, W, C]');
    const c = requireKnown(x.shape[3]!, 'number of input channels (last axis)', 'DepthwiseConv2D');
    const kernel = tupleOrReject(params.kernelSize, 2, 'kernelSize', '[3, 3]');
    const strides = tupleOrReject(params.strides, 2, 'strides', '[1, 1]');
    const [h, w] = windowOutput(
      x.shape.slice(1, 3),
      { kernel, strides, padding: params.padding },
      'DepthwiseConv2D',
      'kernel',
    );
    return { y: tensor([null, h!, w!, c * params.depthMultiplier]) };
  },
  paramCount({ inputs, params }) {
    const c = inputs.x!.shape[3] as number;
    const [kh, kw] = tupleOrReject(params.kernelSize, 2, 'kernelSize', '[3, 3]');
    const m = params.depthMultiplier;
    return kh! * kw! * c * m + (params.useBias ? c * m : 0);
  },
  examples: [
    { inputs: { x: { shape: [2, 6, 6, 3] } }, params: { kernelSize: [3, 3] } },
    {
      inputs: { x: { shape: [2, 7, 7, 2] } },
      params: { kernelSize: [3, 3], strides: [2, 2], padding: 'same', depthMultiplier: 2 },
    },
  ],
  lower: ({ params }) => ({
    kind: 'layer',
    layer: 'depthwiseConv2d',
    config: {
      kernelSize: tupleOrReject(params.kernelSize, 2, 'kernelSize', '[3, 3]'),
      strides: tupleOrReject(params.strides, 2, 'strides', '[1, 1]'),
      padding: params.padding,
      depthMultiplier: params.depthMultiplier,
      activation: params.activation,
      useBias: params.useBias,
    },
  }),
});
