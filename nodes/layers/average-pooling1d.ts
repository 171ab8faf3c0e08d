import { reject } from '../../src/core/diagnostics.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { poolStrides, requireRank, tupleOrReject, windowOutput } from '../../src/core/shape-math.ts';
import { tensor } from '../../src/core/tensor-type.ts';

export default defineNode({
  type: 'layers.averagePooling1d',
  version: 1,
  kind: 'layer',
  title: 'AveragePooling1D',
  docs: {
    summary: 'Downsamples sequences by taking the mean of each window of poolSize steps, per channel.',
    formula:
      'y[b,t,c] = mean_{u < k} x[b, t·s + u, c];  out = ceil((n − k + 1) / s) for valid, ceil(n / s) for same (s defaults to k)',
  },
  params: {
    poolSize: p.shape({ default: [2], minLength: 1, maxLength: 1, doc: 'Window length [k].' }),
    strides: p.shape({ default: [], minLength: 0, maxLength: 1, doc: 'Step [s]; empty = same as poolSize.' }),
    padding: p.enum(
      ['valid', 'same'],
      'valid',
      "'valid': drop windows that do not fit. 'same' is refused: tfjs computes its gradient wrongly.",
    ),
  },
  inputs: { x: { doc: 'Sequences [B, steps, C].' } },
  outputs: { y: { doc: "[B, steps', C]" } },
  infer({ inputs, params }) {
    const x = inputs.x!;
    requireRank(x, 3, 'AveragePooling1D', '[B, steps, C]');
    // tfjs averages only the in-bounds values with 'same' padding, but its gradient (avgPoolGrad)
    // divides by the full window, so training would follow wrong gradients (checked on cpu and wasm).
    if (params.padding === 'same')
      reject(
        'param/invalid',
        "AveragePooling1D with padding 'same' trains with wrong gradients in tfjs; use padding 'valid', or MaxPooling with 'same'.",
        { field: 'padding' },
      );
    const pool = tupleOrReject(params.poolSize, 1, 'poolSize', '[2]');
    const strides = poolStrides(params.strides, pool, 1, '[2]');
    const [n] = windowOutput(
      x.shape.slice(1, 2),
      { kernel: pool, strides, padding: params.padding },
      'AveragePooling1D',
      'pool',
    );
    return { y: tensor([null, n!, x.shape[2]!], x.dtype) };
  },
  paramCount: () => 0,
  examples: [
    { inputs: { x: { shape: [2, 8, 3] } }, params: { poolSize: [2] } },
    { inputs: { x: { shape: [2, 7, 2] } }, params: { poolSize: [3], strides: [2] } },
  ],
  lower: ({ params }) => {
    const pool = tupleOrReject(params.poolSize, 1, 'poolSize', '[2]');
    return {
      kind: 'layer',
      layer: 'averagePooling1d',
      config: {
        poolSize: pool,
        strides: poolStrides(params.strides, pool, 1, '[2]'),
        padding: params.padding,
      },
    };
  },
});
