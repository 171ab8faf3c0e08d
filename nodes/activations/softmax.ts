import { reject } from '../../src/core/diagnostics.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { tensor } from '../../src/core/tensor-type.ts';

export default defineNode({
  type: 'activations.softmax',
  version: 1,
  kind: 'layer',
  title: 'Softmax',
  docs: {
    summary:
      'Turns scores into a probability distribution over the last axis (non-negative, sums to 1). For training, prefer raw logits with a loss set to fromLogits: it is more stable.',
    formula: 'y_i = exp(x_i) / Σ_j exp(x_j)  (over the last axis)',
  },
  params: {
    axis: p.int({
      default: -1,
      min: -1,
      doc: 'Axis to normalise over; tfjs supports only the last axis (-1).',
    }),
  },
  inputs: { x: { doc: 'Scores [B, …, C].' } },
  outputs: { y: { doc: 'Same shape as x; sums to 1 along the axis.' } },
  infer({ inputs, params, nodeId }) {
    const x = inputs.x!;
    const rank = x.shape.length;
    if (rank < 2)
      reject('shape/rank-mismatch', `Softmax needs an input of rank ≥ 2 ([B, classes]), got rank ${rank}.`, {
        port: 'x',
      });
    const axis = params.axis < 0 ? params.axis + rank : params.axis;
    if (axis !== rank - 1)
      reject(
        'param/unsupported-axis',
        `Softmax over axis ${params.axis} of a rank-${rank} input is not supported: tfjs normalises only over the last axis. Set axis to -1 (transpose first if needed).`,
        { field: 'axis', fix: { kind: 'set-param', nodeId, field: 'axis', value: -1 } },
      );
    return { y: tensor(x.shape) };
  },
  paramCount: () => 0,
  // Always pass axis: tf.layers.softmax defaults to axis 1, not -1 as Keras does.
  lower: ({ params }) => ({ kind: 'layer', layer: 'softmax', config: { axis: params.axis } }),
  examples: [{ inputs: { x: { shape: [2, 5] } } }, { inputs: { x: { shape: [2, 3, 4] } } }],
});
