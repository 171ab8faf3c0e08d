import { defineNode } from '../../src/core/node-def.ts';
import { requireRank } from '../../src/core/shape-math.ts';
import { tensor } from '../../src/core/tensor-type.ts';

export default defineNode({
  type: 'layers.globalAveragePooling2d',
  version: 1,
  kind: 'layer',
  title: 'GlobalAveragePooling2D',
  docs: {
    summary:
      'Reduces each channel of a feature map to one number: the mean over all positions (height × width).',
    formula: 'y[b,c] = mean_{i,j} x[b,i,j,c]',
  },
  params: {},
  inputs: { x: { doc: '[B, H, W, C]' } },
  outputs: { y: { doc: '[B, C]' } },
  infer({ inputs }) {
    const x = inputs.x!;
    requireRank(x, 4, 'GlobalAveragePooling2D', '[B, H, W, C]');
    return { y: tensor([null, x.shape[3]!], x.dtype) };
  },
  paramCount: () => 0,
  examples: [{ inputs: { x: { shape: [2, 4, 4, 3] } } }, { inputs: { x: { shape: [3, 3, 5, 2] } } }],
  lower: () => ({ kind: 'layer', layer: 'globalAveragePooling2d', config: {} }),
});
