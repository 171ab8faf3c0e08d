// Training loss of SDM verification (P31): NLL of the log-base-(2+q) SDM activation.

import { reject } from '../../src/core/diagnostics.ts';
import { lossWeight, scalarOut } from '../../src/core/heads.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { formatShape, tensor } from '../../src/core/tensor-type.ts';
import { checkSdmInputs, logSdm, SDM_PAPER } from '../activations/sdm-activation.ts';

export default defineNode({
  type: 'losses.logSdmNll',
  version: 1,
  kind: 'loss',
  title: 'Log-SDM negative log-likelihood',
  docs: {
    summary:
      'The training loss of SDM verification (Schmaltz 2025, arXiv 2502.20167): negative log-likelihood of the true class under the SDM activation, taken with the logarithm of base 2 + q as in the official code (change of base from a log-softmax). The logits are the classifier’s; q and d are per-sample statistics recomputed before each epoch from the training exemplars (stores refreshed each epoch). With q = e − 2 and d = 1 it equals the softmax cross-entropy.',
    formula:
      'L = −(1/B) Σ_b log_{2+q_b} sdm(z_b)_{y_b},  log_{2+q} sdm(z)_i = [d_i z̃_i ln(2+q) − logsumexp_j(d_j z̃_j ln(2+q))] / ln(2+q),  z̃ = z − max z',
    paper: SDM_PAPER,
  },
  params: { weight: lossWeight },
  inputs: {
    pred: { doc: 'Logits z [B, C].' },
    q: { doc: 'Similarity q ≥ 0 [B, 1].' },
    d: { doc: 'Distance quantile d ∈ [0, 1], [B, 1] or [B, C].' },
    target: { doc: 'One-hot targets [B, C]; the dataset labels (one-hot) when unconnected.', optional: true },
  },
  outputs: scalarOut,
  infer({ inputs }) {
    checkSdmInputs(inputs.pred!, inputs.q!, inputs.d!, 'pred');
    const t = inputs.target!;
    if (t.shape.length !== 2 || t.shape[1] !== inputs.pred!.shape[1])
      reject(
        'shape/loss-target-mismatch',
        `target ${formatShape(t.shape)} must be one-hot [B, C] like the logits ${formatShape(inputs.pred!.shape)}.`,
        { port: 'target' },
      );
    return { loss: tensor([]) };
  },
  lower: ({ params }) => ({ kind: 'loss', config: {}, weight: params.weight }),
  loss: {
    target: 'onehot',
    labels: 'class',
    fn() {
      throw new Error('logSdmNll has named ports (pred, q, d, target): the trainer calls call()');
    },
    call(ops, { pred, q, d, target }) {
      const y = ops.cast(target!, 'float32');
      return ops.neg(ops.mean(ops.sum(ops.mul(y, logSdm(ops, pred!, q!, d!)), [-1])));
    },
  },
  examples: [
    {
      inputs: {
        pred: { shape: [5, 3] },
        q: { shape: [5, 1], range: [0.5, 6] },
        d: { shape: [5, 1], range: [0.1, 1] },
        target: { shape: [5, 3], range: [0, 2], dtype: 'int32' },
      },
    },
  ],
});
