// Elementwise merges of n same-shaped inputs (Add, Multiply): one definition, a thin file per
// type, as Keras's _Merge base class.
import { defineNode } from '../node-def.ts';
import { p } from '../params.ts';
import { mergeElementwise } from '../shape-math.ts';
import type { TensorType } from '../tensor-type.ts';

export function elementwiseMergeNode(spec: {
  readonly name: 'add' | 'multiply';
  readonly title: string;
  readonly summary: string;
  readonly formula: string;
}) {
  return defineNode({
    type: `layers.${spec.name}`,
    version: 1,
    kind: 'layer',
    title: spec.title,
    docs: { summary: spec.summary, formula: spec.formula },
    params: {
      n: p.int({ default: 2, min: 2, max: 8, doc: 'Number of inputs.' }),
    },
    inputs: (params) =>
      Object.fromEntries(
        Array.from({ length: params.n }, (_, i) => [
          `x${i + 1}`,
          { doc: `Input ${i + 1} (same shape as the others).` },
        ]),
      ),
    outputs: { y: { doc: 'Same shape as the inputs.' } },
    infer({ inputs, params }) {
      const xs = Array.from({ length: params.n }, (_, i): [string, TensorType] => [
        `x${i + 1}`,
        inputs[`x${i + 1}`]!,
      ]);
      return { y: mergeElementwise(xs, spec.title) };
    },
    paramCount: () => 0,
    examples: [
      { inputs: { x1: { shape: [2, 4] }, x2: { shape: [2, 4] } } },
      {
        inputs: { x1: { shape: [2, 3, 3, 2] }, x2: { shape: [2, 3, 3, 2] }, x3: { shape: [2, 3, 3, 2] } },
        params: { n: 3 },
      },
    ],
    lower: () => ({ kind: 'layer', layer: spec.name, config: {} }),
  });
}
