import { reject } from '../../src/core/diagnostics.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { formatShape, tensor } from '../../src/core/tensor-type.ts';

export default defineNode({
  type: 'primitives.batchSplit',
  version: 1,
  kind: 'layer',
  title: 'Batch split',
  docs: {
    summary:
      'One view back out of a Batch concat: the batch axis is cut into `parts` equal pieces and piece `index` (0-based) is returned. Use one Batch split per view after a shared encoder.',
    formula: 'y = x[index·B/parts : (index+1)·B/parts]  along axis 0',
  },
  params: {
    parts: p.int({ default: 2, min: 2, max: 8, doc: 'How many views were concatenated.' }),
    index: p.int({ default: 0, min: 0, max: 7, doc: 'Which view to return (0-based).' }),
  },
  inputs: { x: { doc: 'Concatenated views [parts·B, …].' } },
  outputs: { y: { doc: 'View `index` [B, …].' } },
  infer({ inputs, params, nodeId }) {
    const x = inputs.x!.shape;
    if (params.index >= params.parts)
      reject('param/out-of-range', `index ${params.index} must be below parts = ${params.parts}.`, {
        field: 'index',
        fix: { kind: 'set-param', nodeId, field: 'index', value: params.parts - 1 },
      });
    if (x.length < 1) reject('shape/rank-mismatch', `x ${formatShape(x)} needs a batch axis.`, { port: 'x' });
    const b = x[0];
    if (typeof b === 'number' && b % params.parts !== 0)
      reject('shape/rank-mismatch', `the batch ${b} of x does not split into ${params.parts} equal views.`, {
        port: 'x',
      });
    return { y: tensor([typeof b === 'number' ? b / params.parts : null, ...x.slice(1)], inputs.x!.dtype) };
  },
  paramCount: () => 0,
  lower: ({ params }) => ({ kind: 'kernel', config: { parts: params.parts, index: params.index } }),
  kernel: {
    call: (ops, [x], _w, params) => {
      // [parts·B, …] → [parts, B, …], take view `index`, back to [B, …] (no division by the batch).
      const rest = ops.shape(x!).slice(1);
      const views = ops.reshape(x!, [params.parts, -1, ...rest]);
      const one = ops.slice(views, [params.index, 0, ...rest.map(() => 0)], [1, -1, ...rest.map(() => -1)]);
      return ops.reshape(one, [-1, ...rest]);
    },
  },
  examples: [
    { inputs: { x: { shape: [4, 3] } }, params: { parts: 2, index: 1 }, outputBatch: 2 },
    { inputs: { x: { shape: [6, 2] } }, params: { parts: 3, index: 2 }, outputBatch: 2 },
  ],
});
