// Feature-wise linear modulation as a two-modality fusion operator (one of the fusion operators
// IEMF is applied to): the conditioning features a set a per-feature scale and shift of v.
import { reject } from '../../src/core/diagnostics.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { formatShape, tensor } from '../../src/core/tensor-type.ts';
import { FILM_PAPER } from './_paper.ts';

export default defineNode({
  type: 'fusion.filmFusion',
  version: 1,
  kind: 'layer',
  title: 'FiLM fusion',
  docs: {
    summary:
      'Fuses two feature vectors by feature-wise linear modulation: the conditioning modality a (e.g. audio) produces a scale γ and a shift β for each feature of the other modality v (e.g. vision). γ starts near 1 (its bias is initialised to ones), so the layer starts close to y = v + β(a). One of the fusion operators of the IEMF paper’s experiments (He et al. 2025, arXiv 2505.10176).',
    formula:
      'γ = a·W_γ + b_γ,  β = a·W_β + b_β,  y = γ ⊙ v + β  (a: [B, Dₐ], v: [B, D]; W: [Dₐ, D]; b_γ init 1, b_β init 0). Params 2·(Dₐ·D + D)',
    paper: FILM_PAPER,
  },
  params: {},
  inputs: {
    a: { doc: 'Conditioning features [B, Dₐ] (they set γ and β).' },
    v: { doc: 'Modulated features [B, D].' },
  },
  outputs: { y: { doc: '[B, D]: γ(a) ⊙ v + β(a).' } },
  infer({ inputs }) {
    const a = inputs.a!;
    const v = inputs.v!;
    if (a.shape.length !== 2)
      reject(
        'shape/rank-mismatch',
        `FiLM fusion needs a conditioning vector [B, Dₐ], got ${formatShape(a.shape)}: add a Flatten before it.`,
        { port: 'a' },
      );
    if (v.shape.length !== 2)
      reject(
        'shape/rank-mismatch',
        `FiLM fusion needs feature vectors [B, D], got ${formatShape(v.shape)}: add a Flatten before it.`,
        { port: 'v' },
      );
    return { y: tensor(v.shape) };
  },
  paramCount({ inputs }) {
    const da = inputs.a!.shape[1] as number;
    const d = inputs.v!.shape[1] as number;
    return 2 * (da * d + d);
  },
  lower: () => ({ kind: 'kernel', config: {} }),
  kernel: {
    weights(_params, [aShape, vShape]) {
      const da = aShape![1] as number;
      const d = vShape![1] as number;
      return [
        { name: 'gamma_kernel', shape: [da, d], init: 'glorotUniform' },
        { name: 'gamma_bias', shape: [d], init: 'ones' },
        { name: 'beta_kernel', shape: [da, d], init: 'glorotUniform' },
        { name: 'beta_bias', shape: [d], init: 'zeros' },
      ];
    },
    call(ops, [a, v], w) {
      const gamma = ops.add(ops.matMul(a!, w.gamma_kernel!), w.gamma_bias!);
      const beta = ops.add(ops.matMul(a!, w.beta_kernel!), w.beta_bias!);
      return ops.add(ops.mul(gamma, v!), beta);
    },
  },
  examples: [{ inputs: { a: { shape: [3, 4] }, v: { shape: [3, 5] } } }],
});
