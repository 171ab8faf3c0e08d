import { reject } from '../../src/core/diagnostics.ts';
import { defineNode } from '../../src/core/node-def.ts';
import type { Ops } from '../../src/core/ops.ts';
import { p } from '../../src/core/params.ts';
import { broadcastMerge } from '../../src/core/shape-math.ts';
import { formatShape, tensor } from '../../src/core/tensor-type.ts';

export const BINARY_OPS = ['add', 'sub', 'mul', 'div', 'max', 'min', 'pow'] as const;
export type BinaryOp = (typeof BINARY_OPS)[number];

export function applyBinary<T>(ops: Ops<T>, op: BinaryOp, a: T, b: T): T {
  switch (op) {
    case 'add':
      return ops.add(a, b);
    case 'sub':
      return ops.sub(a, b);
    case 'mul':
      return ops.mul(a, b);
    case 'div':
      return ops.div(a, b);
    case 'max':
    case 'min': {
      const sa = ops.shape(a);
      const sb = ops.shape(b);
      if (sa.length === sb.length && sa.every((d, i) => d === sb[i]))
        return op === 'max' ? ops.maximum(a, b) : ops.minimum(a, b);
      // Broadcasting: tfjs's Maximum/Minimum gradients do not reduce over broadcast axes, so use
      // max/min(a, b) = (a + b ± |a − b|)/2.
      const spread = ops.abs(ops.sub(a, b));
      return ops.mul(
        op === 'max' ? ops.add(ops.add(a, b), spread) : ops.sub(ops.add(a, b), spread),
        ops.scalar(0.5),
      );
    }
    case 'pow':
      return ops.pow(a, b);
  }
}

export default defineNode({
  type: 'primitives.binary',
  version: 1,
  kind: 'layer',
  title: 'Binary op',
  docs: {
    summary:
      'One elementwise operation of two tensors with NumPy broadcasting (sizes of 1 stretch; shapes align from the right), e.g. x − mean, x · γ + β. Leave b unconnected to use the constant instead.',
    formula: 'y = a ∘ b,  ∘ ∈ {+, −, ·, /, max, min, ^};  b = constant when unconnected',
  },
  params: {
    op: p.enum(BINARY_OPS, 'add', 'The operation.'),
    constant: p.float({ default: 1, doc: 'Value used for b when b is not connected.' }),
  },
  inputs: {
    a: { doc: 'Left operand.' },
    b: { doc: 'Right operand (broadcasts against a); optional.', optional: true },
  },
  outputs: { y: { doc: 'The broadcast shape of a and b.' } },
  infer({ inputs }) {
    const a = inputs.a!;
    const b = inputs.b;
    if (!b) return { y: tensor(a.shape) };
    const shape = broadcastMerge(a.shape, b.shape);
    if (shape === null)
      reject(
        'shape/mismatch',
        `Binary op operands do not broadcast: a is ${formatShape(a.shape)}, b is ${formatShape(b.shape)} (aligned from the right, each size must match or be 1).`,
        { port: 'b' },
      );
    return { y: tensor(shape!) };
  },
  paramCount: () => 0,
  lower: ({ params }) => ({ kind: 'kernel', config: { op: params.op, constant: params.constant } }),
  kernel: {
    call: (ops, [a, b], _w, params) => applyBinary(ops, params.op, a!, b ?? ops.scalar(params.constant)),
  },
  examples: [
    { inputs: { a: { shape: [2, 3] }, b: { shape: [2, 3] } }, params: { op: 'mul' } },
    { inputs: { a: { shape: [2, 2, 3] }, b: { shape: [1, 1, 3] } }, params: { op: 'sub' } },
    {
      inputs: { a: { shape: [2, 3], range: [0.5, 2] }, b: { shape: [2, 1], range: [0.5, 2] } },
      params: { op: 'div' },
    },
    { inputs: { a: { shape: [2, 3], range: [0.5, 2] }, b: { shape: [2, 3] } }, params: { op: 'pow' } },
    { inputs: { a: { shape: [2, 4] } }, params: { op: 'max', constant: 0.2 } },
    // Disjoint ranges keep finite differences off the kink; a broadcasts, so its gradient sums.
    { inputs: { a: { shape: [2, 1, 3] }, b: { shape: [2, 2, 3], range: [2, 3] } }, params: { op: 'min' } },
  ],
});
