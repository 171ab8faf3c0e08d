import { reject } from '../../src/core/diagnostics.ts';
import { ridgeFit, targetsOf, toFloat32 } from '../../src/core/fits.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { tensor } from '../../src/core/tensor-type.ts';
import { flatFeatures } from './_shared.ts';

export default defineNode({
  type: 'fit.ridgeReadout',
  version: 1,
  kind: 'layer',
  title: 'Ridge readout (fit)',
  docs: {
    summary:
      'A linear readout whose weights are solved in closed form by a fit phase (ridge regression on the rows the phase sees: one-hot targets for class labels, the values otherwise), never by gradients. Its output is y = x·W + b.',
    formula: 'W = (X̃ᵀX̃ + λI)⁻¹ X̃ᵀỸ,  X̃ = X − x̄, Ỹ = Y − ȳ (bias unpenalised);  b = ȳ − x̄·W;  y = x·W + b',
  },
  params: {
    units: p.int({
      default: 10,
      min: 1,
      max: 65536,
      doc: 'Outputs: the number of classes, or the label width for value labels.',
    }),
    lambda: p.float({ default: 1e-3, min: 0, doc: 'Ridge penalty λ on W (not on b).' }),
    useBias: p.bool({ default: true, doc: 'Fit an unpenalised bias b (centre X and Y first).' }),
  },
  inputs: { x: { doc: 'Flat features [B, d].' } },
  outputs: { y: { doc: '[B, units]: x·W + b.' } },
  infer({ inputs, params }) {
    flatFeatures(inputs.x!, 'Ridge readout');
    return { y: tensor([inputs.x!.shape[0]!, params.units]) };
  },
  paramCount: ({ inputs, params }) => (inputs.x!.shape[1] as number) * params.units + params.units,
  lower: ({ params }) => ({
    kind: 'kernel',
    config: { units: params.units, lambda: params.lambda, useBias: params.useBias },
  }),
  kernel: {
    weights: (params, [shape]) => [
      { name: 'kernel', shape: [shape![1] as number, params.units], init: 'zeros', trainable: false },
      { name: 'bias', shape: [params.units], init: 'zeros', trainable: false },
    ],
    call: (ops, [x], w) => ops.add(ops.matMul(x!, w.kernel!), w.bias!),
  },
  fit: {
    collect: 'rows',
    labels: 'optional',
    solve(data, params) {
      const y = targetsOf(data);
      if (y.cols !== params.units)
        reject(
          'train/fit-shape',
          `Ridge readout has ${params.units} units but the targets have ${y.cols} columns; set units to ${y.cols}.`,
          { field: 'units' },
        );
      const { w, b } = ridgeFit(data.x, y, params.lambda, params.useBias);
      return { kernel: toFloat32(w), bias: toFloat32(b) };
    },
  },
  examples: [{ inputs: { x: { shape: [3, 4] } }, params: { units: 2 } }],
});
