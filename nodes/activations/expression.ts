import { evalOps } from '../../src/core/expr/index.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { tensor } from '../../src/core/tensor-type.ts';
import { checkFormula, formulaCurve } from './_formula.ts';

export default defineNode({
  type: 'activations.expression',
  version: 1,
  kind: 'layer',
  title: 'Expression activation',
  docs: {
    summary:
      'An activation you type as a formula in x — e.g. `x * cos(x)` or `relu(x) + eps * x * exp(-x^2 / 2)` — with named learnable scalars. Parsed by Netwright’s own safe parser (no code is evaluated) and applied elementwise; differentiable, so the scalars train with the network.',
    formula:
      'y = f(x; θ) elementwise.  Syntax: + − * / ^ (or **), parentheses, numbers, pi, e, and abs exp log sqrt rsqrt square sin cos tan tanh sigmoid relu softplus erf gelu silu neg, max(a, b) min(a, b) pow(a, b) add sub mul div',
  },
  params: {
    formula: p.string({ default: 'x * sigmoid(x)', maxLength: 500, doc: 'The activation f(x), in x.' }),
    scalars: p.string({
      default: '',
      maxLength: 500,
      doc: 'Learnable scalars with initial values, e.g. `eps = 0.01, a = 1`.',
    }),
    learnable: p.bool({ default: true, doc: 'Train the scalars (off: they stay at their initial values).' }),
  },
  inputs: { x: { doc: 'Any tensor.' } },
  outputs: { y: { doc: 'Same shape as x.' } },
  infer({ inputs, params }) {
    checkFormula(params.formula, params.scalars);
    return { y: tensor(inputs.x!.shape) };
  },
  paramCount: ({ params }) => checkFormula(params.formula, params.scalars).scalars.length,
  previewCurve: ({ formula, scalars }) => formulaCurve(checkFormula(formula, scalars)),
  lower: ({ params }) => ({
    kind: 'kernel',
    config: { formula: params.formula, scalars: params.scalars, learnable: params.learnable },
  }),
  kernel: {
    weights: (params) =>
      checkFormula(params.formula, params.scalars).scalars.map((s) => ({
        name: s.name,
        shape: [1],
        init: { constant: s.init },
        trainable: params.learnable,
      })),
    call: (ops, [x], w, params) => evalOps(ops, checkFormula(params.formula, params.scalars).expr, x!, w),
  },
  examples: [
    { inputs: { x: { shape: [2, 5] } } },
    {
      inputs: { x: { shape: [2, 6] } },
      params: { formula: 'relu(x) + eps * x * exp(-x^2 / 2)', scalars: 'eps = 0.5' },
    },
    {
      inputs: { x: { shape: [3, 4] } },
      params: { formula: 'a * x * cos(b * x) + c', scalars: 'a=1, b=2, c=0.1' },
    },
  ],
});
