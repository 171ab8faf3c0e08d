import { defineNode } from '../../src/core/node-def.ts';
import type { Ops } from '../../src/core/ops.ts';
import { p } from '../../src/core/params.ts';
import { tensor } from '../../src/core/tensor-type.ts';

export const UNARY_OPS = [
  'neg',
  'abs',
  'exp',
  'log',
  'sqrt',
  'rsqrt',
  'square',
  'sin',
  'cos',
  'tanh',
  'sigmoid',
  'relu',
  'softplus',
  'erf',
] as const;
export type UnaryOp = (typeof UNARY_OPS)[number];

export const applyUnary = <T>(ops: Ops<T>, op: UnaryOp, x: T): T => ops[op](x);

export default defineNode({
  type: 'primitives.unary',
  version: 1,
  kind: 'layer',
  title: 'Unary op',
  docs: {
    summary:
      'One elementwise math function (neg, abs, exp, log, sqrt, rsqrt, square, sin, cos, tanh, sigmoid, relu, softplus, erf) — a building block for drawing new activations and normalizations from primitives.',
    formula:
      'y = f(x) elementwise;  f ∈ {−x, |x|, eˣ, ln x, √x, 1/√x, x², sin x, cos x, tanh x, σ(x), max(0, x), ln(1 + eˣ), erf x}',
  },
  params: {
    op: p.enum(UNARY_OPS, 'tanh', 'The function applied to every element.'),
  },
  inputs: { x: { doc: 'Any tensor.' } },
  outputs: { y: { doc: 'Same shape as x.' } },
  infer: ({ inputs }) => ({ y: tensor(inputs.x!.shape) }),
  paramCount: () => 0,
  lower: ({ params }) => ({ kind: 'kernel', config: { op: params.op } }),
  kernel: {
    call: (ops, [x], _w, params) => applyUnary(ops, params.op, x!),
  },
  examples: [
    { inputs: { x: { shape: [2, 5] } } },
    { inputs: { x: { shape: [2, 3], range: [0.5, 2] } }, params: { op: 'log' } },
    { inputs: { x: { shape: [2, 3], range: [0.5, 2] } }, params: { op: 'rsqrt' } },
    { inputs: { x: { shape: [2, 3] } }, params: { op: 'erf' } },
    { inputs: { x: { shape: [2, 3] } }, params: { op: 'sin' } },
  ],
});
