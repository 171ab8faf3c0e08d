import { evalOps } from '../../src/core/expr/index.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { tensor } from '../../src/core/tensor-type.ts';
import { checkFormula, formulaCurve } from './_formula.ts';

/** gplearn feature names X0, X1, … all become the activation's single input (the paper's injection). */
export const GPLEARN_VARIABLE = /^X[0-9]+$/;

export default defineNode({
  type: 'activations.symbolic',
  version: 1,
  kind: 'layer',
  title: 'Symbolic activation',
  docs: {
    summary:
      'A formula discovered by symbolic regression (gplearn prefix form such as `mul(cos(X3), X7)`) injected as an activation: every feature variable X<i> becomes the input x, so the example acts as x·cos(x). gplearn’s protected sqrt and log keep it finite. Same safe parser as the expression activation.',
    formula:
      'y = f(x) with X<i> → x;  protected: sqrt(u) = √(|u| + 1e-6), log(u) = ln|u| if |u| > 1e-6 else 0;  functions add sub mul div sin cos tan abs neg sqrt log max min (infix also accepted)',
    paper: {
      title:
        'Neuro-Symbolic Activation Discovery: Transferring Mathematical Structures from Physics to Ecology',
      authors: 'Hajbi',
      year: 2026,
      arxiv: '2601.10740',
    },
  },
  params: {
    formula: p.string({
      default: 'mul(cos(X3), X7)',
      maxLength: 500,
      doc: 'The discovered program; X<i> and x denote the input.',
    }),
  },
  inputs: { x: { doc: 'Any tensor.' } },
  outputs: { y: { doc: 'Same shape as x.' } },
  infer({ inputs, params }) {
    checkFormula(params.formula, '', { inputAlias: GPLEARN_VARIABLE, sem: 'protected' });
    return { y: tensor(inputs.x!.shape) };
  },
  paramCount: () => 0,
  previewCurve: ({ formula }) =>
    formulaCurve(checkFormula(formula, '', { inputAlias: GPLEARN_VARIABLE, sem: 'protected' }), 'protected'),
  lower: ({ params }) => ({ kind: 'kernel', config: { formula: params.formula } }),
  kernel: {
    call: (ops, [x], _w, params) =>
      evalOps(
        ops,
        checkFormula(params.formula, '', { inputAlias: GPLEARN_VARIABLE, sem: 'protected' }).expr,
        x!,
        {},
        'protected',
      ),
  },
  examples: [
    { inputs: { x: { shape: [2, 5] } } },
    { inputs: { x: { shape: [2, 4], range: [0.2, 2] } }, params: { formula: 'add(log(X0), sqrt(X1))' } },
  ],
});
