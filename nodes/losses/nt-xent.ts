import { reject } from '../../src/core/diagnostics.ts';
import { lossWeight, scalarOut } from '../../src/core/heads.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { formatShape, tensor } from '../../src/core/tensor-type.ts';

export default defineNode({
  type: 'losses.ntXent',
  version: 1,
  kind: 'loss',
  title: 'NT-Xent contrastive loss (SimCLR)',
  docs: {
    summary:
      'The normalised-temperature cross-entropy of SimCLR: the two augmented views a_i, b_i of each example are each other’s positive, the other 2B − 2 rows of the batch the negatives. Rows are L2-normalised, similarities divided by τ, each row’s own similarity masked out. RCAL (P24) pretrains its encoder with it before fitting class Gaussians to the frozen features.',
    formula:
      'z = [a; b] (2B rows), ẑ = z/‖z‖;  S = ẑẑᵀ/τ with S_ii = −∞;  L = (1/2B) Σ_i [−S_{i,p(i)} + log Σ_{j≠i} exp S_ij],  p(i) = i ± B',
    paper: {
      title: 'A Simple Framework for Contrastive Learning of Visual Representations',
      authors: 'Chen, Kornblith, Norouzi, Hinton',
      year: 2020,
      arxiv: '2002.05709',
    },
  },
  params: {
    temperature: p.float({ default: 0.2, min: 0, exclusiveMin: true, doc: 'τ, the similarity temperature.' }),
    weight: lossWeight,
  },
  inputs: {
    pred: { doc: 'Projections of view 1, a [B, d].' },
    target: { doc: 'Projections of view 2, b [B, d] (row i the same example as a_i).' },
  },
  outputs: scalarOut,
  infer({ inputs }) {
    const a = inputs.pred!.shape;
    const b = inputs.target!.shape;
    if (
      a.length !== 2 ||
      b.length !== 2 ||
      a[1] !== b[1] ||
      (typeof a[0] === 'number' && typeof b[0] === 'number' && a[0] !== b[0])
    )
      reject(
        'shape/loss-target-mismatch',
        `the two views ${formatShape(a)} and ${formatShape(b)} must both be [B, d] with the same B and d (two Batch splits of one projection).`,
        { port: 'target' },
      );
    return { loss: tensor([]) };
  },
  lower: ({ params }) => ({
    kind: 'loss',
    config: { temperature: params.temperature },
    weight: params.weight,
  }),
  loss: {
    target: 'onehot',
    fn() {
      throw new Error('ntXent has named ports: the trainer calls call()');
    },
    call(ops, { pred, target }, params) {
      const unit = (v: NonNullable<typeof pred>) =>
        ops.mul(v, ops.rsqrt(ops.maximum(ops.sum(ops.square(v), [-1], true), ops.scalar(1e-12))));
      const a = unit(pred!);
      const b = unit(target!);
      const z = ops.concat([a, b], 0);
      const n = ops.shape(z)[0]!;
      const inv = ops.scalar(1 / params.temperature);
      // Positives: ⟨â_i, b̂_i⟩/τ, the same for row i and row i + B.
      const pos = ops.mul(ops.sum(ops.mul(a, b), [-1]), inv);
      const eye = ops.constant(
        Array.from({ length: n * n }, (_, k) => (k % (n + 1) === 0 ? 1e9 : 0)),
        [n, n],
      );
      const s = ops.sub(ops.mul(ops.matMul(z, z, false, true), inv), eye);
      const m = ops.stopGradient(ops.max(s, [-1], true));
      const lse = ops.add(ops.reshape(m, [-1]), ops.log(ops.sum(ops.exp(ops.sub(s, m)), [-1])));
      return ops.sub(ops.mean(lse), ops.mean(pos));
    },
  },
  examples: [{ inputs: { pred: { shape: [3, 4] }, target: { shape: [3, 4] } } }],
});
