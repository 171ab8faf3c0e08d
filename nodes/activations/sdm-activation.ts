// SDM output activation (P31): softmax with base 2 + q and per-class distance scaling d.
import { reject } from '../../src/core/diagnostics.ts';
import { defineNode } from '../../src/core/node-def.ts';
import type { Ops } from '../../src/core/ops.ts';
import { p } from '../../src/core/params.ts';
import type { TensorType } from '../../src/core/tensor-type.ts';
import { formatShape, tensor } from '../../src/core/tensor-type.ts';

export const SDM_PAPER = {
  title: 'Similarity-Distance-Magnitude Universal Verification',
  authors: 'Schmaltz',
  year: 2025,
  arxiv: '2502.20167',
} as const;

/**
 * log_{2+q} sdm(z) [B, C] = [d ⊙ z̃ · ln(2+q) − logsumexp_j(d_j z̃_j ln(2+q))] / ln(2+q), z̃ = z − max z
 * (the official listing's change of base; q is clamped at 0).
 */
export function logSdm<T>(ops: Ops<T>, z: T, q: T, d: T): T {
  const zt = ops.sub(z, ops.max(z, [-1], true));
  const lnBase = ops.log(ops.add(ops.scalar(2), ops.relu(q))); // [B, 1]
  return ops.div(ops.logSoftmax(ops.mul(ops.mul(zt, d), lnBase)), lnBase);
}

/** Rejects q / d whose shapes are not [B, 1] and [B, 1] | [B, C] next to logits [B, C]. */
export function checkSdmInputs(z: TensorType, q: TensorType, d: TensorType, zPort = 'z'): void {
  if (z.shape.length !== 2)
    reject('shape/rank-mismatch', `Logits ${formatShape(z.shape)} must be [B, C]: add a Dense(C) before.`, {
      port: zPort,
    });
  if (!(q.shape.length === 2 && q.shape[1] === 1))
    reject('shape/mismatch', `Similarity q ${formatShape(q.shape)} must be one value per sample: [B, 1].`, {
      port: 'q',
    });
  const c = z.shape[1];
  if (!(d.shape.length === 2 && (d.shape[1] === 1 || d.shape[1] === c)))
    reject(
      'shape/mismatch',
      `Distance quantile d ${formatShape(d.shape)} must be [B, 1] (the same for every class) or [B, ${c}] like the logits.`,
      { port: 'd' },
    );
}

export default defineNode({
  type: 'activations.sdmActivation',
  version: 1,
  kind: 'layer',
  title: 'SDM activation (similarity–distance–magnitude)',
  docs: {
    summary:
      'Output activation of SDM verification (Schmaltz 2025, arXiv 2502.20167): a softmax whose base is 2 + q instead of e and whose logits are scaled by the distance quantile d. q (similarity: how many consecutive nearest training exemplars are correctly predicted with the same label) sharpens the distribution; d ∈ [0, 1] (1 − class-conditional CDF of the distance to the nearest exemplar) flattens it for inputs far from the training data; q = 0 or d = 0 gives the uniform distribution. With q = e − 2 and d = 1 it is exactly softmax; a per-sample d (shape [B, 1]) leaves the argmax unchanged. q and d are statistics fed from stores: no gradient is meant to reach them.',
    formula:
      'z̃ = z − max_j z_j;  sdm(z)_i = (2+q)^{d_i z̃_i} / Σ_j (2+q)^{d_j z̃_j};  logSdm: log_{2+q} sdm(z)_i = [d_i z̃_i ln(2+q) − logsumexp_j(d_j z̃_j ln(2+q))] / ln(2+q)  (q clamped at 0)',
    paper: SDM_PAPER,
  },
  params: {
    output: p.enum(
      ['probability', 'logSdm'],
      'probability',
      'probability: sdm(z) (sums to 1); logSdm: log base (2+q) of it, what the logSdmNll training loss reads.',
    ),
  },
  inputs: {
    z: { doc: 'Logits [B, C].' },
    q: { doc: 'Similarity q ≥ 0 [B, 1] (a count of agreeing nearest exemplars).' },
    d: { doc: 'Distance quantile d ∈ [0, 1], [B, 1] or [B, C].' },
  },
  outputs: { y: { doc: '[B, C]: sdm(z) or log_{2+q} sdm(z).' } },
  infer({ inputs }) {
    checkSdmInputs(inputs.z!, inputs.q!, inputs.d!);
    return { y: tensor(inputs.z!.shape) };
  },
  paramCount: () => 0,
  lower: ({ params }) => ({ kind: 'kernel', config: { output: params.output } }),
  kernel: {
    call(ops, [z, q, d], _w, params) {
      const log = logSdm(ops, z!, q!, d!);
      if (params.output === 'logSdm') return log;
      return ops.exp(ops.mul(log, ops.log(ops.add(ops.scalar(2), ops.relu(q!)))));
    },
  },
  examples: [
    {
      inputs: {
        z: { shape: [3, 4] },
        q: { shape: [3, 1], range: [0.5, 5] },
        d: { shape: [3, 1], range: [0.1, 1] },
      },
    },
    {
      inputs: {
        z: { shape: [3, 4] },
        q: { shape: [3, 1], range: [0.5, 5] },
        d: { shape: [3, 4], range: [0.1, 1] },
      },
      params: { output: 'logSdm' },
    },
  ],
});
