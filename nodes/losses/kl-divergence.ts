import { reject } from '../../src/core/diagnostics.ts';
import { lossWeight, scalarOut } from '../../src/core/heads.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { formatShape, tensor } from '../../src/core/tensor-type.ts';

export default defineNode({
  type: 'losses.klDivergence',
  version: 1,
  kind: 'loss',
  title: 'KL divergence KL(P‖Q)',
  docs: {
    summary:
      'KL(P‖Q) between a target distribution P and the model’s distribution Q per row, summed over the K columns and averaged over the batch (Keras’ kld). The clustering loss of DEC/DCEC/DCEAC: Q is the Student-t soft assignment (fit.studentTClustering) and P its sharpened target, read from a per-sample store with transform decTarget (an Input with source store:<name>) that the clustering phase refreshes every N steps — P carries no gradient. Terms with p = 0 are 0; q is clipped to ≥ eps.',
    formula: 'L = mean_b Σ_j p_bj · (log max(p_bj, eps) − log max(q_bj, eps))',
    paper: {
      title:
        'A Novel Self-Learning Framework for Bladder Cancer Grading Using Histopathological Images (DCEAC)',
      authors: 'Gabriel García, Anna Esteve, Adrián Colomer, David Ramos, Valery Naranjo',
      year: 2021,
      arxiv: '2106.13559',
    },
  },
  params: {
    eps: p.float({
      default: 1e-7,
      min: 0,
      exclusiveMin: true,
      max: 0.1,
      doc: 'Clip of p and q inside the logs.',
    }),
    weight: lossWeight,
  },
  inputs: {
    pred: { doc: 'The model’s distribution Q [B, K] (rows sum to 1).' },
    target: { doc: 'The target distribution P [B, K] (e.g. a store input with transform decTarget).' },
  },
  outputs: scalarOut,
  infer({ inputs }) {
    const q = inputs.pred!.shape;
    const t = inputs.target!.shape;
    if (
      q.length !== 2 ||
      t.length !== 2 ||
      q[1] !== t[1] ||
      (typeof q[0] === 'number' && typeof t[0] === 'number' && q[0] !== t[0])
    )
      reject(
        'shape/loss-target-mismatch',
        `KL divergence: pred Q ${formatShape(q)} and target P ${formatShape(t)} must both be [B, K] with the same B and K; connect the soft assignments to pred and the target store input (width K) to target.`,
        { port: 'target' },
      );
    return { loss: tensor([]) };
  },
  lower: ({ params }) => ({ kind: 'loss', config: { eps: params.eps }, weight: params.weight }),
  loss: {
    target: 'onehot',
    fn(ops, pred, target, params) {
      const eps = ops.scalar(params.eps);
      const logRatio = ops.sub(ops.log(ops.maximum(target, eps)), ops.log(ops.maximum(pred, eps)));
      return ops.mean(ops.sum(ops.mul(target, logRatio), [-1]));
    },
  },
  examples: [{ inputs: { pred: { shape: [4, 3] }, target: { shape: [4, 3] } } }],
});
