import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { mergeConcat, normalizeAxis } from '../../src/core/shape-math.ts';
import type { TensorType } from '../../src/core/tensor-type.ts';

export default defineNode({
  type: 'layers.concatenate',
  version: 1,
  kind: 'layer',
  title: 'Concatenate',
  docs: {
    summary:
      'Joins n inputs along one axis (default: the last, i.e. channels/features). All other axes must agree.',
    formula: 'y = [x1 ‖ x2 ‖ … ‖ xn] along axis;  y.shape[axis] = Σ xi.shape[axis]',
  },
  params: {
    n: p.int({ default: 2, min: 2, max: 8, doc: 'Number of inputs.' }),
    axis: p.int({
      default: -1,
      min: -8,
      max: 8,
      doc: 'Axis to join along (-1 = last; the batch axis 0 is not allowed).',
    }),
  },
  inputs: (params) =>
    Object.fromEntries(Array.from({ length: params.n }, (_, i) => [`x${i + 1}`, { doc: `Input ${i + 1}.` }])),
  outputs: { y: { doc: 'Inputs joined along axis.' } },
  infer({ inputs, params }) {
    const xs = Array.from({ length: params.n }, (_, i): [string, TensorType] => [
      `x${i + 1}`,
      inputs[`x${i + 1}`]!,
    ]);
    return { y: mergeConcat(xs, params.axis) };
  },
  paramCount: () => 0,
  examples: [
    {
      inputs: { x1: { shape: [2, 2, 3, 2] }, x2: { shape: [2, 2, 3, 1] }, x3: { shape: [2, 2, 3, 3] } },
      params: { n: 3 },
    },
    { inputs: { x1: { shape: [2, 2, 4] }, x2: { shape: [2, 3, 4] } }, params: { axis: 1 } },
  ],
  // tfjs's concatenate treats every negative axis as the last one, so lower a non-negative axis.
  lower: ({ params, outputs }) => {
    const rank = outputs.y!.shape.length;
    return {
      kind: 'layer',
      layer: 'concatenate',
      config: { axis: normalizeAxis(params.axis, rank) ?? params.axis },
    };
  },
});
