import { reject } from '../../src/core/diagnostics.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { formatShape, tensor } from '../../src/core/tensor-type.ts';

const PAPER = {
  title: 'Class-relation Knowledge Distillation for Novel Class Discovery',
  authors: 'Peiyan Gu, Chuyu Zhang, Ruijie Xu, Xuming He',
  year: 2023,
  arxiv: '2307.09158',
} as const;

export default defineNode({
  type: 'layers.prototypeHead',
  version: 1,
  kind: 'layer',
  title: 'Prototype head (cosine)',
  docs: {
    summary:
      'The normalised classifier of UNO and Cr-KD: K learnable prototypes w_k, each L2-normalised in the forward pass (so re-normalising them before every step, as UNO does, is part of the layer), score each L2-normalised feature by cosine similarity, divided by a temperature τ (1 = the raw cosine, which the Sinkhorn and swapped-prediction nodes then scale). A Dense without bias on unit vectors: logits lie in [−1/τ, 1/τ].',
    formula: 'logits_bk = ⟨z_b/‖z_b‖, w_k/‖w_k‖⟩ / τ,  ‖v‖ = √max(Σ v², 1e−12)',
    paper: PAPER,
  },
  params: {
    units: p.int({ default: 5, min: 1, max: 4096, doc: 'Number of prototypes K (classes or clusters).' }),
    temperature: p.float({
      default: 1,
      min: 1e-4,
      max: 100,
      doc: 'τ: the cosine is divided by it (keep 1 when a loss applies its own temperature).',
    }),
  },
  inputs: { x: { doc: 'Features [B, D].' } },
  outputs: { y: { doc: 'Cosine logits [B, K].' } },
  infer({ inputs, params }) {
    const s = inputs.x!.shape;
    if (s.length !== 2 || typeof s[1] !== 'number')
      reject('shape/rank-mismatch', `x ${formatShape(s)} must be [B, D] with a known D: flatten it first.`, {
        port: 'x',
      });
    return { y: tensor([s[0] ?? null, params.units]) };
  },
  paramCount: ({ inputs, params }) => (inputs.x!.shape[1] as number) * params.units,
  lower: ({ params }) => ({
    kind: 'kernel',
    config: { units: params.units, temperature: params.temperature },
  }),
  kernel: {
    weights: (params, [shape]) => [
      { name: 'prototypes', shape: [shape![1] as number, params.units], init: 'glorotUniform' },
    ],
    call: (ops, [x], w, params) => {
      const eps = ops.scalar(1e-12);
      const z = ops.mul(x!, ops.rsqrt(ops.maximum(ops.sum(ops.square(x!), [-1], true), eps)));
      const W = w.prototypes!;
      const wn = ops.mul(W, ops.rsqrt(ops.maximum(ops.sum(ops.square(W), [0], true), eps)));
      const cos = ops.matMul(z, wn);
      return params.temperature === 1 ? cos : ops.div(cos, ops.scalar(params.temperature));
    },
  },
  examples: [
    { inputs: { x: { shape: [4, 6] } }, params: { units: 3 } },
    { inputs: { x: { shape: [3, 5] } }, params: { units: 2, temperature: 0.5 } },
  ],
});
