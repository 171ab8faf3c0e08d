import { reject } from '../../src/core/diagnostics.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { formatShape, tensor } from '../../src/core/tensor-type.ts';

/**
 * Cross-entropy per sample (reduction 'none'): a model node, not a training loss, whose [B, 1]
 * output a refresh phase writes into a per-sample store — P38's scorer losses ℓ_i.
 */
export default defineNode({
  type: 'losses.perSampleLoss',
  version: 1,
  kind: 'layer',
  title: 'Per-sample loss',
  docs: {
    summary:
      "Cross-entropy of each sample on its own (PyTorch's reduction='none'): one loss per row, [B, 1]. Not a training loss — it adds nothing to the objective; a refresh phase (kind 'refresh') writes its inference output into a per-sample store, e.g. the scores of Cyclical Curriculum Learning (Kesgin & Amasyali, IEEE TNNLS 2023), easy-first s_i = 1/ℓ_i. Feed the labels from an Input whose source is 'labels'.",
    formula:
      'ℓ_b = −log softmax(z_b)_{t_b}  (fromLogits),  ℓ_b = −log clip(p_b,t_b / Σ_c p_b,c, ε, 1−ε)  otherwise',
  },
  params: {
    fromLogits: p.bool({ default: true, doc: 'The prediction is raw logits (log-softmax applied inside).' }),
  },
  inputs: {
    pred: { doc: 'Class scores [B, C] (logits, or probabilities when fromLogits is off).' },
    target: { doc: 'Class indices [B, 1] int32 (an Input with source labels).' },
  },
  outputs: { loss: { doc: 'The loss of each sample, [B, 1].' } },
  infer({ inputs }) {
    const pred = inputs.pred!;
    const target = inputs.target!;
    if (pred.shape.length !== 2 || pred.shape[1] === null)
      reject(
        'shape/rank-mismatch',
        `Per-sample loss reads predictions [B, C]; got ${formatShape(pred.shape)}.`,
        {
          port: 'pred',
        },
      );
    const t = target.shape;
    if (!(t.length === 1 || (t.length === 2 && t[1] === 1)))
      reject(
        'shape/rank-mismatch',
        `Per-sample loss reads class indices [B] or [B, 1]; got ${formatShape(t)}.`,
        { port: 'target' },
      );
    return { loss: tensor([pred.shape[0] ?? null, 1]) };
  },
  paramCount: () => 0,
  lower: ({ params }) => ({ kind: 'kernel', config: { fromLogits: params.fromLogits } }),
  kernel: {
    call(ops, [pred, target], _w, params) {
      const c = ops.shape(pred!).at(-1)!;
      const logP = params.fromLogits
        ? ops.logSoftmax(pred!)
        : ops.log(ops.clip(ops.div(pred!, ops.sum(pred!, [-1], true)), 1e-7, 1 - 1e-7));
      const onehot = ops.oneHot(ops.reshape(ops.cast(target!, 'int32'), [-1]), c);
      return ops.neg(ops.sum(ops.mul(onehot, logP), [-1], true));
    },
  },
  examples: [
    {
      inputs: { pred: { shape: [4, 3] }, target: { shape: [4, 1], dtype: 'int32', range: [0, 3] } },
      params: {},
    },
  ],
});
