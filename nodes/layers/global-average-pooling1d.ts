import { defineNode } from '../../src/core/node-def.ts';
import { requireRank } from '../../src/core/shape-math.ts';
import { tensor } from '../../src/core/tensor-type.ts';

export default defineNode({
  type: 'layers.globalAveragePooling1d',
  version: 1,
  kind: 'layer',
  title: 'GlobalAveragePooling1D',
  docs: {
    summary: 'Reduces each channel of a sequence to one number: the mean over all steps.',
    formula: 'y[b,c] = mean_t x[b,t,c]',
  },
  params: {},
  inputs: { x: { doc: '[B, steps, C]' } },
  outputs: { y: { doc: '[B, C]' } },
  infer({ inputs }) {
    const x = inputs.x!;
    requireRank(x, 3, 'GlobalAveragePooling1D', '[B, steps, C]');
    return { y: tensor([null, x.shape[2]!], x.dtype) };
  },
  paramCount: () => 0,
  examples: [{ inputs: { x: { shape: [2, 5, 3] } } }, { inputs: { x: { shape: [3, 4, 2] } } }],
  lower: () => ({ kind: 'layer', layer: 'globalAveragePooling1d', config: {} }),
});
