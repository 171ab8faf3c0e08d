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
  type: 'layers.conv1d',
  version: 1,
  kind: 'layer',
  title: 'Conv1D',
  docs: {
    summary:
      '1-D convolution over sequences (channels last): each of `filters` kernels slides along the steps and sees all input channels.',
    formula:
      'y[b,t,f] = activation( Σ_{u,c} x[b, t·s + u·d, c] · W[u,c,f] + b[f] ),  W: [k, C, filters]; out = ceil((n − (k−1)·d) / s) for valid, ceil(n / s) for same',
  },
  params: {
    filters: p.int({ default: 32, min: 1, max: 65536, doc: 'Number of output channels (kernels).' }),
    kernelSize: p.shape({ default: [3], minLength: 1, maxLength: 1, doc: 'Kernel length [k].' }),
    strides: p.shape({ default: [1], minLength: 1, maxLength: 1, doc: 'Step along the sequence [s].' }),
    padding: p.enum(
      ['valid', 'same'],
      'valid',
      "'valid': no padding (output shrinks); 'same': zero-pad so output = ceil(steps / stride).",
    ),
    dilationRate: p.shape({
      default: [1],
      minLength: 1,
      maxLength: 1,
      doc: 'Spacing between kernel taps [d]; needs strides 1.',
    }),
    activation: p.enum(LAYER_ACTIVATIONS, 'linear', 'Activation applied to the output.'),
    useBias: p.bool({ default: true, doc: 'Add a learned bias per filter.' }),
  },
  inputs: { x: { doc: 'Sequences [B, steps, C].' } },
  outputs: { y: { doc: "[B, steps', filters]" } },
  infer({ inputs, params }) {
    const x = inputs.x!;
    requireRank(x, 3, 'Conv1D', '[B, steps, C]');
    requireKnown(x.shape[2]!, 'number of input channels (last axis)', 'Conv1D');
    const kernel = tupleOrReject(params.kernelSize, 1, 'kernelSize', '[3]');
    const strides = tupleOrReject(params.strides, 1, 'strides', '[1]');
    const dilation = tupleOrReject(params.dilationRate, 1, 'dilationRate', '[1]');
    requireStrideOrDilation(strides, dilation, 'Conv1D');
    const [n] = windowOutput(
      x.shape.slice(1, 2),
      { kernel, strides, padding: params.padding, dilation },
      'Conv1D',
      'kernel',
    );
    return { y: tensor([null, n!, params.filters]) };
  },
  paramCount({ inputs, params }) {
    const c = inputs.x!.shape[2] as number;
    const k = params.kernelSize[0]!;
    return k * c * params.filters + (params.useBias ? params.filters : 0);
  },
  examples: [
    { inputs: { x: { shape: [2, 8, 3] } }, params: { filters: 4, kernelSize: [3] } },
    {
      inputs: { x: { shape: [2, 9, 2] } },
      params: { filters: 3, kernelSize: [2], strides: [2], padding: 'same', activation: 'tanh' },
    },
  ],
  lower: ({ params }) => ({
    kind: 'layer',
    layer: 'conv1d',
    config: {
      filters: params.filters,
      kernelSize: [...params.kernelSize],
      strides: [...params.strides],
      padding: params.padding,
      dilationRate: [...params.dilationRate],
      activation: params.activation,
      useBias: params.useBias,
    },
  }),
});
