import { reject } from '../../src/core/diagnostics.ts';
import { checkIndexTarget, lossWeight, scalarOut } from '../../src/core/heads.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { formatShape, tensor } from '../../src/core/tensor-type.ts';

export default defineNode({
  type: 'losses.maskedSparseCategoricalCrossentropy',
  version: 1,
  kind: 'loss',
  title: 'Masked sparse cross-entropy',
  docs: {
    summary:
      'Sparse categorical cross-entropy averaged over the samples whose mask is 1 only (e.g. labelled or known-class samples, fed from a dataset field); a batch with no masked-in sample contributes 0. Three ports: pred, target, mask.',
    formula: 'L = Σ_b m_b · (−log softmax(z_b)_{t_b}) / max(Σ_b m_b, 1)',
  },
  params: {
    fromLogits: p.bool({ default: true, doc: 'Prediction is raw logits (log-softmax applied inside).' }),
    weight: lossWeight,
  },
  inputs: {
    pred: { doc: 'Logits or probabilities [B, C].' },
    target: { doc: 'Class indices [B] (or [B, 1]); the dataset labels when unconnected.', optional: true },
    mask: { doc: 'Per-sample weights [B] or [B, 1], 1 = counted, 0 = ignored (a dataset field).' },
  },
  outputs: scalarOut,
  infer({ inputs }) {
    checkIndexTarget(inputs.pred!, inputs.target!);
    const m = inputs.mask!.shape;
    if (!(m.length === 1 || (m.length === 2 && m[1] === 1)))
      reject(
        'shape/loss-target-mismatch',
        `The mask ${formatShape(m)} must be one value per sample: [B] or [B, 1].`,
        {
          port: 'mask',
        },
      );
    return { loss: tensor([]) };
  },
  lower: ({ params }) => ({ kind: 'loss', config: { fromLogits: params.fromLogits }, weight: params.weight }),
  loss: {
    target: 'index',
    fn() {
      throw new Error('masked cross-entropy has three ports: the trainer calls call()');
    },
    call(ops, { pred, target, mask }, params) {
      const c = ops.shape(pred!).at(-1)!;
      const logP = params.fromLogits
        ? ops.logSoftmax(pred!)
        : ops.log(ops.clip(ops.div(pred!, ops.sum(pred!, [-1], true)), 1e-7, 1 - 1e-7));
      const perSample = ops.neg(ops.sum(ops.mul(ops.oneHot(target!, c), logP), [-1])); // [B]
      const m = ops.cast(ops.reshape(mask!, [-1]), 'float32');
      return ops.div(ops.sum(ops.mul(perSample, m)), ops.maximum(ops.sum(m), ops.scalar(1)));
    },
  },
  examples: [
    {
      inputs: {
        pred: { shape: [5, 4] },
        target: { shape: [5, 1], dtype: 'int32', range: [0, 4] },
        mask: { shape: [5, 1], range: [0, 1] },
      },
    },
  ],
});
