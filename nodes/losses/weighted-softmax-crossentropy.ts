import { reject } from '../../src/core/diagnostics.ts';
import { checkSameShape, lossWeight, scalarOut } from '../../src/core/heads.ts';
import { defineNode } from '../../src/core/node-def.ts';
import type { Ops } from '../../src/core/ops.ts';
import { p } from '../../src/core/params.ts';
import { formatShape, tensor } from '../../src/core/tensor-type.ts';

/** The explicit weights of `classWeights` ("1, 9"), or a message saying what is wrong. */
export function parseClassWeights(text: string): number[] | string {
  const parts = text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  if (!parts.length) return "give one weight per class, e.g. '1, 9'";
  const ws = parts.map(Number);
  const bad = parts.find((_s, i) => !Number.isFinite(ws[i]) || ws[i]! < 0);
  return bad === undefined ? ws : `'${bad}' is not a non-negative number`;
}

/**
 * Weights w_c [K] of the classes: explicit, 'inverse_freq' w_c = N / (K·n_c) from the training
 * split's class counts, or 'effective_num' w_c ∝ (1 − β) / (1 − β^{n_c}) normalised to Σ w = K
 * (Cui et al. 2019). An empty class counts as n_c = 1.
 */
export function classWeights<T>(
  ops: Ops<T>,
  params: { mode: string; classWeights: string; beta: number },
  k: number,
  stats: { count: T; labelCounts: T } | undefined,
): T {
  if (params.mode === 'explicit') {
    const ws = parseClassWeights(params.classWeights);
    if (typeof ws === 'string' || ws.length !== k)
      throw new Error(
        `weightedSoftmaxCrossentropy: classWeights '${params.classWeights}' must list ${k} non-negative weights (one per class).`,
      );
    return ops.constant(ws, [k]);
  }
  if (!stats)
    throw new Error('weightedSoftmaxCrossentropy: this mode needs the training split’s class counts');
  const n = ops.maximum(stats.labelCounts, ops.scalar(1));
  if (params.mode === 'inverse_freq') return ops.div(stats.count, ops.mul(ops.scalar(k), n));
  // effective number of samples: (1 − β^n) / (1 − β); weight ∝ its inverse, scaled to sum K.
  const inv = ops.div(
    ops.scalar(1 - params.beta),
    ops.sub(ops.scalar(1), ops.pow(ops.scalar(params.beta), n)),
  );
  return ops.mul(ops.div(inv, ops.sum(inv)), ops.scalar(k));
}

export default defineNode({
  type: 'losses.weightedSoftmaxCrossentropy',
  version: 1,
  kind: 'loss',
  title: 'Weighted softmax cross-entropy (cost-sensitive)',
  docs: {
    summary:
      "Cross-entropy in which each sample counts with its class's weight, normalised by the batch's total weight (as PyTorch's CrossEntropyLoss(weight=…)): rare classes weigh more, so a classifier trained on imbalanced data stops favouring the majority. Weights are explicit, or come from the training split's class counts ('inverse_freq', 'effective_num'). A loss, not fit's classWeight, so it works in any phase of a custom loop.",
    formula:
      'L = −Σ_b w_{t_b} log p_{b, t_b} / Σ_b w_{t_b},  log p = logSoftmax(z) (fromLogits) else log(clip(p, ε, 1−ε));  inverse_freq: w_c = N / (K·n_c);  effective_num: w_c ∝ (1 − β)/(1 − β^{n_c}), Σ_c w_c = K',
    paper: {
      title: 'Breast Tumor Classification Using EfficientNet Deep Learning Model (cost-sensitive learning)',
      year: 2024,
    },
  },
  params: {
    mode: p.enum(
      ['inverse_freq', 'effective_num', 'explicit'],
      'inverse_freq',
      'inverse_freq: w_c = N/(K·n_c) from the training split; effective_num: (1 − β)/(1 − β^{n_c}) normalised to sum K; explicit: the list in classWeights.',
    ),
    classWeights: p.string({
      default: '',
      maxLength: 4000,
      doc: "mode 'explicit': one non-negative weight per class, comma-separated ('1, 9').",
    }),
    beta: p.float({
      default: 0.999,
      min: 0,
      max: 0.999999,
      exclusiveMin: true,
      doc: "mode 'effective_num': β of the effective number of samples.",
    }),
    fromLogits: p.bool({
      default: true,
      doc: 'Prediction is raw logits (log-softmax applied inside, numerically stable); off: probabilities.',
    }),
    weight: lossWeight,
  },
  inputs: {
    pred: { doc: 'Class scores [B, K] (logits, or probabilities with fromLogits off).' },
    target: { doc: 'One-hot targets [B, K]; the dataset labels (one-hot) when unconnected.', optional: true },
  },
  outputs: scalarOut,
  infer({ inputs, params }) {
    const pred = inputs.pred!;
    if (pred.shape.length !== 2)
      reject(
        'shape/loss-target-mismatch',
        `Prediction ${formatShape(pred.shape)} must be class scores [B, K]: add Flatten / pooling and a Dense(K) before the loss.`,
        { port: 'pred' },
      );
    checkSameShape(pred, inputs.target!);
    if (params.mode === 'explicit') {
      const ws = parseClassWeights(params.classWeights);
      const k = pred.shape[1];
      if (typeof ws === 'string') reject('param/invalid', `classWeights: ${ws}.`, { field: 'classWeights' });
      else if (typeof k === 'number' && ws.length !== k)
        reject(
          'param/invalid',
          `classWeights lists ${ws.length} weights but the prediction has ${k} classes; give one weight per class.`,
          { field: 'classWeights' },
        );
    }
    return { loss: tensor([]) };
  },
  lower: ({ params }) => ({
    kind: 'loss',
    config: {
      mode: params.mode,
      classWeights: params.classWeights,
      beta: params.beta,
      fromLogits: params.fromLogits,
    },
    weight: params.weight,
  }),
  loss: {
    target: 'onehot',
    labels: 'class',
    stats: true,
    fn() {
      throw new Error('the weighted softmax cross-entropy reads label statistics: the trainer calls call()');
    },
    call(ops, { pred, target }, params, ctx) {
      const k = ops.shape(pred!).at(-1)!;
      const y = ops.cast(target!, 'float32');
      const logP = params.fromLogits
        ? ops.logSoftmax(pred!)
        : ops.log(ops.clip(ops.div(pred!, ops.sum(pred!, [-1], true)), 1e-7, 1 - 1e-7));
      const w = ops.reshape(classWeights(ops, params, k, ctx?.stats), [1, k]);
      const yw = ops.mul(y, w); // [B, K]: w_{t_b} at the label, 0 elsewhere
      const num = ops.sum(ops.mul(yw, logP));
      return ops.neg(ops.div(num, ops.maximum(ops.sum(yw), ops.scalar(1e-12))));
    },
  },
  examples: [
    { inputs: { pred: { shape: [6, 3] }, target: { shape: [6, 3], range: [0, 2], dtype: 'int32' } } },
    {
      inputs: { pred: { shape: [5, 2] }, target: { shape: [5, 2], range: [0, 2], dtype: 'int32' } },
      params: { mode: 'explicit', classWeights: '1, 9' },
    },
    {
      inputs: { pred: { shape: [5, 4] }, target: { shape: [5, 4], range: [0, 2], dtype: 'int32' } },
      params: { mode: 'effective_num', beta: 0.9 },
    },
  ],
});
