import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { tensor } from '../../src/core/tensor-type.ts';

/** SELU constants (Klambauer et al. 2017). */
export const SELU_LAMBDA = 1.0507009873554805;
export const SELU_ALPHA = 1.6732632423543772;
/** Value dropped units take: the SELU's negative saturation −λα. */
export const ALPHA_PRIME = -SELU_LAMBDA * SELU_ALPHA;

/** Affine correction (a, b) that keeps mean 0 and variance 1 for keep probability q. */
export function alphaDropoutAffine(rate: number): { a: number; b: number } {
  const q = 1 - rate;
  const a = 1 / Math.sqrt(q + ALPHA_PRIME * ALPHA_PRIME * q * (1 - q));
  return { a, b: -a * (1 - q) * ALPHA_PRIME };
}

// tfjs's tf.layers.alphaDropout sets dropped units to +λα (mean 0.32 on N(0, 1) at rate 0.1);
// this kernel follows the paper and bioinf-jku/SNNs.
export default defineNode({
  type: 'layers.alphaDropout',
  version: 1,
  kind: 'layer',
  title: 'AlphaDropout',
  docs: {
    summary:
      'Dropout for self-normalizing (SELU) networks: dropped units are set to the SELU saturation value −λα instead of 0, then an affine correction restores zero mean and unit variance. Identity at inference.',
    formula:
      'training: y = a·(x⊙m + α′·(1 − m)) + b,  m ~ Bernoulli(q), q = 1 − rate, α′ = −λα = −1.7580993408473766, a = (q + α′²·q·(1 − q))^(−1/2), b = −a·(1 − q)·α′;  inference: y = x',
    paper: {
      title: 'Self-Normalizing Neural Networks',
      authors: 'Klambauer, Unterthiner, Mayr, Hochreiter',
      year: 2017,
      arxiv: '1706.02515',
    },
  },
  params: {
    rate: p.float({ default: 0.05, min: 0, max: 0.99, step: 0.01, doc: 'Probability of dropping a unit.' }),
  },
  inputs: { x: { doc: 'Any tensor (SELU activations).' } },
  outputs: { y: { doc: 'Same shape as x.' } },
  infer: ({ inputs }) => ({ y: tensor(inputs.x!.shape) }),
  paramCount: () => 0,
  lower: ({ params }) => ({ kind: 'kernel', config: { rate: params.rate } }),
  kernel: {
    call: (ops, [x], _w, params, ctx) => {
      if (!ctx.training || params.rate === 0) return x!;
      const { a, b } = alphaDropoutAffine(params.rate);
      const keep = ops.step(ops.sub(ops.randomUniform(ops.shape(x!)), ops.scalar(params.rate)));
      const dropped = ops.mul(ops.sub(ops.scalar(1), keep), ops.scalar(ALPHA_PRIME));
      return ops.add(ops.mul(ops.add(ops.mul(x!, keep), dropped), ops.scalar(a)), ops.scalar(b));
    },
  },
  examples: [
    { inputs: { x: { shape: [2, 5] } } },
    { inputs: { x: { shape: [2, 3, 2] } }, params: { rate: 0.1 } },
  ],
});
