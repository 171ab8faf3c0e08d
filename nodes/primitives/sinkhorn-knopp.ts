import { reject } from '../../src/core/diagnostics.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { formatShape, tensor } from '../../src/core/tensor-type.ts';

export default defineNode({
  type: 'primitives.sinkhornKnopp',
  version: 1,
  kind: 'layer',
  title: 'Sinkhorn–Knopp assignment',
  docs: {
    summary:
      'Balanced soft pseudo-labels (SwAV, UNO; the discovery targets of Cr-KD): the scores of the B samples over K clusters, exp(logits/ε), are rescaled alternately so that every cluster receives the same total mass (1/K) and every sample a total of 1/B, for `iterations` rounds; the result times B gives each sample a distribution over clusters (rows sum to 1) with equal cluster sizes over the batch. Rows whose optional mask is 0 (1 with invertMask; e.g. labelled samples) take no part: their row is 0 and B counts only the masked-in rows. No gradient flows through the assignment.',
    formula:
      'Q = exp(logits/ε)ᵀ ⊙ m [K, B];  Q /= ΣQ;  repeat n: { Q /= rowsum(Q); Q /= K; Q /= colsum(Q); Q /= B };  out = (B·Q)ᵀ,  B = Σ m  (m = 1 − mask with invertMask)',
    paper: {
      title:
        'Class-relation Knowledge Distillation for Novel Class Discovery (after SwAV, arXiv 2006.09882, and UNO, arXiv 2108.08536)',
      authors: 'Peiyan Gu, Chuyu Zhang, Ruijie Xu, Xuming He',
      year: 2023,
      arxiv: '2307.09158',
    },
  },
  params: {
    iterations: p.int({ default: 3, min: 1, max: 100, doc: 'Sinkhorn rounds n (UNO uses 3).' }),
    epsilon: p.float({ default: 0.05, min: 1e-3, max: 10, doc: 'ε: the softness of the assignment.' }),
    invertMask: p.bool({
      default: false,
      doc: 'Rows whose mask is 0 take part instead (feed the `known` field to assign the unlabelled rows).',
    }),
  },
  inputs: {
    logits: { doc: 'Scores [B, K] (e.g. cosine logits of a prototype head).' },
    mask: { doc: 'Optional [B, 1] or [B]: 1 = the row takes part, 0 = left out (row 0).', optional: true },
  },
  outputs: { y: { doc: 'Assignments [B, K]: rows sum to 1, columns to B/K (masked-in rows only).' } },
  infer({ inputs }) {
    const s = inputs.logits!.shape;
    if (s.length !== 2)
      reject('shape/rank-mismatch', `logits ${formatShape(s)} must be [B, K].`, { port: 'logits' });
    const m = inputs.mask?.shape;
    if (m && !(m.length === 1 || (m.length === 2 && m[1] === 1)))
      reject('shape/rank-mismatch', `The mask ${formatShape(m)} must be one value per row: [B] or [B, 1].`, {
        port: 'mask',
      });
    return { y: tensor([s[0] ?? null, s[1] ?? null]) };
  },
  paramCount: () => 0,
  lower: ({ params }) => ({
    kind: 'kernel',
    config: { iterations: params.iterations, epsilon: params.epsilon, invertMask: params.invertMask },
  }),
  kernel: {
    call: (ops, [logits, mask], _w, params) => {
      const [, k] = ops.shape(logits!) as [number, number];
      const z = ops.stopGradient(ops.div(logits!, ops.scalar(params.epsilon)));
      // exp(z − max z) is exp(z) up to one factor that the first normalisation removes (no overflow).
      const tiny = ops.scalar(1e-30);
      let q = ops.exp(ops.sub(z, ops.max(z)));
      let m: typeof q | undefined;
      if (mask) {
        m = ops.stopGradient(ops.reshape(ops.cast(mask, 'float32'), [-1, 1]));
        if (params.invertMask) m = ops.sub(ops.scalar(1), m);
        q = ops.mul(q, m);
      }
      const b = m ? ops.maximum(ops.sum(m), ops.scalar(1)) : ops.scalar(ops.shape(logits!)[0]!);
      q = ops.div(q, ops.maximum(ops.sum(q), tiny)); // [B, K] here: the transpose of the paper's [K, B]
      for (let i = 0; i < params.iterations; i++) {
        q = ops.div(ops.div(q, ops.maximum(ops.sum(q, [0], true), tiny)), ops.scalar(k)); // clusters
        q = ops.div(ops.div(q, ops.maximum(ops.sum(q, [1], true), tiny)), b); // samples
      }
      return ops.stopGradient(ops.mul(q, b));
    },
  },
  examples: [
    { inputs: { logits: { shape: [6, 3], stopsGradient: true } } },
    {
      inputs: {
        logits: { shape: [5, 2], stopsGradient: true },
        mask: { shape: [5, 1], range: [0, 1], stopsGradient: true },
      },
      params: { iterations: 5, epsilon: 0.5, invertMask: true },
    },
  ],
});
