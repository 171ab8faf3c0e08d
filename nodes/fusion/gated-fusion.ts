// A learned sigmoid gate that mixes two modalities' features per feature (one of the fusion operators
// IEMF is applied to).
import { reject } from '../../src/core/diagnostics.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { formatShape, tensor } from '../../src/core/tensor-type.ts';
import { IEMF_PAPER } from './_paper.ts';

export default defineNode({
  type: 'fusion.gatedFusion',
  version: 1,
  kind: 'layer',
  title: 'Gated fusion',
  docs: {
    summary:
      'Fuses two feature vectors of the same width by a learned per-feature gate computed from both: where the gate is near 1 the output follows a, near 0 it follows v. A convex mix, so a modality the gate learns to distrust (weak, noisy) is faded out feature by feature. One of the fusion operators of the IEMF paper’s experiments (He et al. 2025, arXiv 2505.10176).',
    formula:
      'g = σ([a ‖ v]·W + b),  y = g ⊙ a + (1 − g) ⊙ v  (a, v: [B, D]; W: [2D, D], b: [D]). Params 2D² + D',
    paper: IEMF_PAPER,
  },
  params: {},
  inputs: {
    a: { doc: 'First modality’s features [B, D].' },
    v: { doc: 'Second modality’s features [B, D] (same D).' },
  },
  outputs: { y: { doc: '[B, D]: g ⊙ a + (1 − g) ⊙ v.' } },
  infer({ inputs }) {
    const a = inputs.a!;
    const v = inputs.v!;
    for (const [port, t] of [
      ['a', a],
      ['v', v],
    ] as const)
      if (t.shape.length !== 2)
        reject(
          'shape/rank-mismatch',
          `Gated fusion needs feature vectors [B, D], got ${formatShape(t.shape)}: add a Flatten before it.`,
          { port },
        );
    if (typeof a.shape[1] === 'number' && typeof v.shape[1] === 'number' && a.shape[1] !== v.shape[1])
      reject(
        'shape/mismatch',
        `Gated fusion mixes features one for one: a has ${a.shape[1]} and v has ${v.shape[1]}. Give both encoders the same output width (e.g. a Dense(${a.shape[1]}) after v).`,
        { port: 'v' },
      );
    return { y: tensor(a.shape) };
  },
  paramCount({ inputs }) {
    const d = inputs.a!.shape[1] as number;
    return 2 * d * d + d;
  },
  lower: () => ({ kind: 'kernel', config: {} }),
  kernel: {
    weights(_params, [aShape]) {
      const d = aShape![1] as number;
      return [
        { name: 'kernel', shape: [2 * d, d], init: 'glorotUniform' },
        { name: 'bias', shape: [d], init: 'zeros' },
      ];
    },
    call(ops, [a, v], w) {
      const g = ops.sigmoid(ops.add(ops.matMul(ops.concat([a!, v!], 1), w.kernel!), w.bias!));
      return ops.add(ops.mul(g, a!), ops.mul(ops.sub(ops.scalar(1), g), v!));
    },
  },
  examples: [{ inputs: { a: { shape: [3, 4] }, v: { shape: [3, 4] } } }],
});
