import { reject } from '../../src/core/diagnostics.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { formatShape, tensor } from '../../src/core/tensor-type.ts';

export default defineNode({
  type: 'primitives.batchConcat',
  version: 1,
  kind: 'layer',
  title: 'Batch concat',
  docs: {
    summary:
      'Stacks two or three views of a batch along the batch axis, so one encoder runs once over all of them with the same weights (BYOL/MYOW views, SimCLR pairs); Batch split takes the views apart again after it. The views must have the same per-sample shape.',
    formula: 'y = [a; b; c] along axis 0:  [B, …] × 2–3 → [2B or 3B, …]',
  },
  params: {},
  inputs: {
    a: { doc: 'First view [B, …].' },
    b: { doc: 'Second view [B, …].' },
    c: { doc: 'Optional third view [B, …].', optional: true },
  },
  outputs: { y: { doc: 'The views one after the other along the batch axis.' } },
  infer({ inputs }) {
    const views = [inputs.a!, inputs.b!, ...(inputs.c ? [inputs.c] : [])];
    const [first] = views;
    for (const [i, v] of views.entries())
      if (
        v.shape.length !== first!.shape.length ||
        v.shape.slice(1).some((d, j) => d !== first!.shape[j + 1])
      )
        reject(
          'shape/rank-mismatch',
          `view ${'abc'[i]} ${formatShape(v.shape)} must have the per-sample shape of a ${formatShape(first!.shape)}.`,
          { port: 'abc'[i]! },
        );
    const b = first!.shape[0];
    return {
      y: tensor([typeof b === 'number' ? b * views.length : null, ...first!.shape.slice(1)], first!.dtype),
    };
  },
  paramCount: () => 0,
  lower: () => ({ kind: 'kernel', config: {} }),
  kernel: {
    call: (ops, xs) => ops.concat(xs.filter((x) => x !== undefined) as never[], 0),
  },
  examples: [
    { inputs: { a: { shape: [2, 5] }, b: { shape: [2, 5] } }, outputBatch: 4 },
    { inputs: { a: { shape: [2, 3] }, b: { shape: [2, 3] }, c: { shape: [2, 3] } }, outputBatch: 6 },
  ],
});
