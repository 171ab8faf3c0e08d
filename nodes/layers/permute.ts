import { reject } from '../../src/core/diagnostics.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { isPermutation } from '../../src/core/shape-math.ts';
import { formatShape, tensor } from '../../src/core/tensor-type.ts';

export default defineNode({
  type: 'layers.permute',
  version: 1,
  kind: 'layer',
  title: 'Permute',
  docs: {
    summary:
      'Reorders the non-batch axes of every example (a transpose). Axes are numbered from 1; the batch axis 0 stays first.',
    formula: 'y.shape[i] = x.shape[dims[i−1]] for i = 1…n;  e.g. dims [2, 1]: [B, a, b] → [B, b, a]',
  },
  params: {
    dims: p.shape({
      default: [2, 1],
      minLength: 1,
      maxLength: 6,
      doc: 'New order of axes 1…n, e.g. [2, 1] swaps the two axes.',
    }),
  },
  inputs: { x: { doc: 'Any tensor [B, d1, …, dn] with n = dims.length.' } },
  outputs: { y: { doc: '[B, d_dims[0], …]' } },
  infer({ inputs, params }) {
    const x = inputs.x!;
    const dims = params.dims;
    if (!isPermutation(dims))
      reject(
        'param/invalid',
        `'dims' must list each axis 1…${dims.length} exactly once (a permutation, e.g. [${dims.map((_, i) => dims.length - i).join(', ')}]), got [${dims.join(', ')}].`,
        { field: 'dims' },
      );
    if (x.shape.length !== dims.length + 1)
      reject(
        'shape/rank-mismatch',
        `Permute with dims [${dims.join(', ')}] reorders ${dims.length} axes, but the input ${formatShape(x.shape)} has ${x.shape.length - 1} non-batch axes; give 'dims' ${x.shape.length - 1} entries.`,
        { port: 'x', field: 'dims' },
      );
    return { y: tensor([null, ...dims.map((d) => x.shape[d]!)], x.dtype) };
  },
  paramCount: () => 0,
  examples: [
    { inputs: { x: { shape: [2, 3, 4] } }, params: { dims: [2, 1] } },
    { inputs: { x: { shape: [2, 2, 3, 4] } }, params: { dims: [3, 1, 2] } },
  ],
  lower: ({ params }) => ({ kind: 'layer', layer: 'permute', config: { dims: [...params.dims] } }),
});
