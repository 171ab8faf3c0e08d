import { reject } from '../../src/core/diagnostics.ts';
import { defineNode } from '../../src/core/node-def.ts';
import type { Ops } from '../../src/core/ops.ts';
import { p } from '../../src/core/params.ts';
import { formatShape, tensor } from '../../src/core/tensor-type.ts';

/** Both outputs of top-k along the last axis. */
const topKPorts = <T>(ops: Ops<T>, x: T, k: number) => ({
  values: ops.topK(x, k),
  indices: ops.topKIndices(x, k),
});

export default defineNode({
  type: 'primitives.topK',
  version: 1,
  kind: 'layer',
  title: 'Top-k',
  docs: {
    summary:
      'The k largest entries along the last axis, in descending order, and their positions: two outputs. The gradient flows to the picked entries; the indices (float32, usable by gather) have none.',
    formula: 'values_{…,j} = x_{…,i_j},  i_1..i_k = argsort_desc(x_{…,:})[:k]',
  },
  params: {
    k: p.int({ default: 1, min: 1, max: 4096, doc: 'How many of the largest entries to keep.' }),
  },
  inputs: { x: { doc: 'Any tensor [B, …, N]; top-k runs along the last axis.' } },
  outputs: {
    values: { doc: '[B, …, k] the k largest entries, descending.' },
    indices: { doc: '[B, …, k] their positions on the last axis (float32).' },
  },
  infer({ inputs, params, nodeId }) {
    const x = inputs.x!;
    const n = x.shape.at(-1);
    if (x.shape.length < 2)
      reject('shape/rank-mismatch', `Top-k needs [B, …, N], got ${formatShape(x.shape)}.`, { port: 'x' });
    if (typeof n === 'number' && params.k > n)
      reject('param/out-of-range', `k = ${params.k} exceeds the ${n} entries of the last axis.`, {
        field: 'k',
        fix: { kind: 'set-param', nodeId, field: 'k', value: n },
      });
    const shape = [...x.shape.slice(0, -1), params.k];
    return { values: tensor(shape), indices: tensor(shape) };
  },
  paramCount: () => 0,
  lower: ({ params }) => ({ kind: 'kernel', config: { k: params.k } }),
  kernel: {
    call: (ops, [x], _w, params) => topKPorts(ops, x!, params.k).values,
    callPorts: (ops, [x], _w, params) => topKPorts(ops, x!, params.k),
  },
  examples: [
    { inputs: { x: { shape: [2, 6] } }, params: { k: 3 } },
    { inputs: { x: { shape: [3, 2, 5] } }, params: { k: 2 } },
  ],
});
