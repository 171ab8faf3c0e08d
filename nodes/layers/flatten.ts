import { reject } from '../../src/core/diagnostics.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { requireMinRank } from '../../src/core/shape-math.ts';
import { formatShape, product, tensor } from '../../src/core/tensor-type.ts';

export default defineNode({
  type: 'layers.flatten',
  version: 1,
  kind: 'layer',
  title: 'Flatten',
  docs: {
    summary: 'Flattens every example into one feature vector (e.g. before Dense). The batch axis is kept.',
    formula: 'y[b, :] = x[b, …] in row-major order;  [B, d1, …, dn] → [B, d1·…·dn]',
  },
  params: {},
  inputs: { x: { doc: 'Any tensor of rank ≥ 3: [B, d1, d2, …].' } },
  outputs: { y: { doc: '[B, d1·d2·…]' } },
  infer({ inputs }) {
    const x = inputs.x!;
    if (x.shape.length === 2)
      reject(
        'shape/rank-mismatch',
        `Flatten needs an input of rank ≥ 3, but ${formatShape(x.shape)} is already flat; remove the Flatten.`,
        { port: 'x' },
      );
    requireMinRank(x, 3, 'Flatten', '[B, d1, d2, …]');
    const n = product(x.shape.slice(1));
    if (n === null)
      reject(
        'shape/unknown-dim',
        `Flatten needs every non-batch axis known, got ${formatShape(x.shape)}; set the Input node's shape.`,
        { port: 'x' },
      );
    return { y: tensor([null, n], x.dtype) };
  },
  paramCount: () => 0,
  examples: [{ inputs: { x: { shape: [2, 3, 4] } } }, { inputs: { x: { shape: [2, 3, 2, 2] } } }],
  lower: () => ({ kind: 'layer', layer: 'flatten', config: {} }),
});
