import { reject } from '../../src/core/diagnostics.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { tensor } from '../../src/core/tensor-type.ts';

export default defineNode({
  type: 'primitives.randomScalar',
  version: 1,
  kind: 'layer',
  title: 'Random scalar',
  docs: {
    summary:
      'A conditioning value drawn at random while training — one per sample, or one per batch — and a fixed value at inference (evaluation, export). E.g. the loss trade-off λ ~ U(0, 1) a hypernetwork is conditioned on. x only supplies the batch size; no gradient flows to it. Draws come from the layer’s seeded stream (reproducible from the graph seed).',
    formula:
      'training: λ_b ~ U(lo, hi) (per sample, or one λ for the whole batch);  inference: λ_b = value;  y: [B, 1]',
  },
  params: {
    lo: p.float({ default: 0, doc: 'Lower end of the uniform draw.' }),
    hi: p.float({ default: 1, doc: 'Upper end of the uniform draw.' }),
    per: p.enum(
      ['batch', 'sample'],
      'batch',
      'One draw per batch (the spec’s one λ per step) or per sample.',
    ),
    value: p.float({ default: 0.5, doc: 'The value at inference (evaluation, predictions, export).' }),
  },
  inputs: { x: { doc: 'Any tensor [B, …]; only its batch size is used.' } },
  outputs: { y: { doc: '[B, 1].' } },
  infer({ inputs, params }) {
    if (!(params.hi >= params.lo))
      reject('param/invalid', `'hi' (${params.hi}) must be at least 'lo' (${params.lo}).`, { field: 'hi' });
    return { y: tensor([inputs.x!.shape[0] ?? null, 1]) };
  },
  paramCount: () => 0,
  lower: ({ params }) => ({
    kind: 'kernel',
    config: { lo: params.lo, hi: params.hi, per: params.per, value: params.value },
  }),
  kernel: {
    call: (ops, [x], _w, params, ctx) => {
      const b = ops.shape(x!)[0]!;
      // [B, 1] of zeros tied to x (no gradient), so the output has x's batch size.
      const zeros = ops.mul(
        ops.scalar(0),
        ops.stopGradient(ops.slice(ops.reshape(x!, [b, -1]), [0, 0], [-1, 1])),
      );
      if (!ctx.training) return ops.add(zeros, ops.scalar(params.value));
      const u = ops.randomUniform(params.per === 'batch' ? [1, 1] : [b, 1]);
      return ops.add(zeros, ops.add(ops.mul(u, ops.scalar(params.hi - params.lo)), ops.scalar(params.lo)));
    },
  },
  examples: [
    { inputs: { x: { shape: [3, 4, 1] } } },
    { inputs: { x: { shape: [2, 5] } }, params: { per: 'sample' } },
  ],
});
