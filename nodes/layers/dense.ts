import { LAYER_ACTIVATIONS } from '../../src/core/activations.ts';
import { reject } from '../../src/core/diagnostics.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { tensor } from '../../src/core/tensor-type.ts';

export default defineNode({
  type: 'layers.dense',
  version: 1,
  kind: 'layer',
  title: 'Dense',
  docs: {
    summary: 'Fully connected layer: every output unit sees every input feature (applied to the last axis).',
    formula: 'y = activation(x · W + b),  W: [in, units], b: [units]',
  },
  params: {
    units: p.int({ default: 32, min: 1, max: 65536, doc: 'Number of output features.' }),
    activation: p.enum(LAYER_ACTIVATIONS, 'linear', 'Activation applied to the output.'),
    useBias: p.bool({ default: true, doc: 'Add a learned bias b.' }),
    kernelInitializer: p.enum(
      ['glorotUniform', 'glorotNormal', 'heNormal', 'heUniform', 'leCunNormal', 'leCunUniform'],
      'glorotUniform',
      'Initial W (seeded from the graph seed). leCunNormal = N(0, 1/fan_in): use it with SELU.',
    ),
  },
  inputs: { x: { doc: 'Input with features on the last axis: [B, …, in].' } },
  outputs: { y: { doc: '[B, …, units]' } },
  infer({ inputs, params }) {
    const x = inputs.x!;
    if (x.shape.length < 2)
      reject(
        'shape/rank-mismatch',
        `Dense needs an input of rank ≥ 2 ([B, features]), got rank ${x.shape.length}.`,
        {
          port: 'x',
        },
      );
    const last = x.shape[x.shape.length - 1];
    if (last === null)
      reject('shape/unknown-dim', 'Dense needs a known number of input features on the last axis.', {
        port: 'x',
      });
    return { y: tensor([...x.shape.slice(0, -1), params.units]) };
  },
  paramCount({ inputs, params }) {
    const fanIn = inputs.x!.shape[inputs.x!.shape.length - 1] as number;
    return fanIn * params.units + (params.useBias ? params.units : 0);
  },
  examples: [
    { inputs: { x: { shape: [3, 5] } }, params: { units: 4 } },
    { inputs: { x: { shape: [2, 3, 5] } }, params: { units: 2, activation: 'tanh', useBias: false } },
    {
      inputs: { x: { shape: [3, 4] } },
      params: { units: 3, activation: 'selu', kernelInitializer: 'leCunNormal' },
    },
  ],
  lower: ({ params }) => ({
    kind: 'layer',
    layer: 'dense',
    config: {
      units: params.units,
      activation: params.activation,
      useBias: params.useBias,
      // Only when not the default, so existing IR and exported code stay as they were.
      ...(params.kernelInitializer === 'glorotUniform'
        ? {}
        : { kernelInitializer: params.kernelInitializer }),
    },
  }),
});
