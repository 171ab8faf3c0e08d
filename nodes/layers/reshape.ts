import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { resolveReshape } from '../../src/core/shape-math.ts';
import { tensor } from '../../src/core/tensor-type.ts';

export default defineNode({
  type: 'layers.reshape',
  version: 1,
  kind: 'layer',
  title: 'Reshape',
  docs: {
    summary:
      'Gives every example a new shape with the same number of elements; one axis may be -1 (inferred). The batch axis is kept.',
    formula: '[B, d1, …, dn] → [B, t1, …, tm] with d1·…·dn = t1·…·tm (row-major order unchanged)',
  },
  params: {
    targetShape: p.shape({
      default: [-1],
      minLength: 1,
      maxLength: 6,
      allowInferred: true,
      doc: 'New shape without the batch, e.g. [28, 28, 1]; one entry may be -1 to infer it.',
    }),
  },
  inputs: { x: { doc: 'Any tensor [B, …].' } },
  outputs: { y: { doc: '[B, ...targetShape]' } },
  infer({ inputs, params }) {
    const x = inputs.x!;
    return { y: tensor([null, ...resolveReshape(x.shape.slice(1), params.targetShape)], x.dtype) };
  },
  paramCount: () => 0,
  examples: [
    { inputs: { x: { shape: [2, 12] } }, params: { targetShape: [3, 4] } },
    { inputs: { x: { shape: [2, 4, 3, 2] } }, params: { targetShape: [-1, 6] } },
  ],
  // With every size known, lower the resolved shape (no -1): tfjs leaves a -1 axis unknown in its
  // symbolic shapes, which would break a following Dense that needs a known last axis.
  lower: ({ params, outputs }) => {
    const resolved = outputs.y!.shape.slice(1);
    const targetShape = resolved.every((d) => d !== null) ? (resolved as number[]) : [...params.targetShape];
    return { kind: 'layer', layer: 'reshape', config: { targetShape } };
  },
});
