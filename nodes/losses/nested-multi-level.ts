import { checkPositionTarget, lossWeight, scalarOut } from '../../src/core/heads.ts';
import { defineNode } from '../../src/core/node-def.ts';
import type { Ops } from '../../src/core/ops.ts';
import { p } from '../../src/core/params.ts';
import { tensor } from '../../src/core/tensor-type.ts';
import { MULTI_LEVEL_PAPER } from '../activations/multi-level.ts';

export const NESTED_SEG_PAPER = MULTI_LEVEL_PAPER;

/** Level probabilities [N, K] and the level targets 1[label ≥ k] [N, K], positions flattened. */
export function levelTargets<T>(ops: Ops<T>, pred: T, target: T): { p: T; t: T; labels: T; k: number } {
  const k = ops.shape(pred).at(-1)!;
  const labels = ops.reshape(ops.cast(target, 'float32'), [-1, 1]);
  const cuts = ops.constant(
    Array.from({ length: k }, (_, j) => j + 0.5),
    [1, k],
  );
  return { p: ops.reshape(pred, [-1, k]), t: ops.greater(labels, cuts), labels, k };
}

/** Soft Dice loss per column of [N, K]: 1 − (2Σpt + s)/(Σp + Σt + s), a [K] vector. */
export function softDicePerColumn<T>(ops: Ops<T>, p: T, t: T, smooth: number): T {
  const s = ops.scalar(smooth);
  const inter = ops.sum(ops.mul(p, t), [0]);
  const den = ops.add(ops.add(ops.sum(p, [0]), ops.sum(t, [0])), s);
  return ops.sub(ops.scalar(1), ops.div(ops.add(ops.mul(ops.scalar(2), inter), s), den));
}

export default defineNode({
  type: 'losses.nestedMultiLevel',
  version: 1,
  kind: 'loss',
  title: 'Nested multi-level loss',
  docs: {
    summary:
      'Loss for nested classes predicted as K level probabilities p_k (the multi-level activation with output "levels"): a soft Dice (or binary cross-entropy) per level against the masks "label ≥ k", summed over the levels, plus λ times the squared error of the staircase y = mean_k p_k against label/K. Dice sums run over every position of the batch.',
    formula:
      'L = Σ_{k=1..K} SoftDice(p_k, t_k) + λ·mean (y − label/K)²,  t_k = 1[label ≥ k],  SoftDice(p, t) = 1 − (2Σpt + s)/(Σp + Σt + s),  y = (1/K)·Σ_k p_k',
    paper: NESTED_SEG_PAPER,
  },
  params: {
    perLevel: p.enum(
      ['dice', 'bce'],
      'dice',
      'Per-level term: soft Dice, or binary cross-entropy (mean over positions) of p_k against t_k.',
    ),
    mseWeight: p.float({ default: 0.5, min: 0, max: 100, doc: 'λ, the weight of the staircase MSE term.' }),
    smooth: p.float({ default: 1, min: 0, max: 1000, doc: 'Smoothing s of the soft Dice.' }),
    weight: lossWeight,
  },
  inputs: {
    pred: { doc: 'Level probabilities [B, …, K] (p_k = soft mask of "class ≥ k").' },
    target: {
      doc: 'Class per position [B, …] in 0..K (a class map); the dataset labels when unconnected.',
      optional: true,
    },
  },
  outputs: scalarOut,
  infer({ inputs }) {
    checkPositionTarget(inputs.pred!, inputs.target!);
    return { loss: tensor([]) };
  },
  lower: ({ params }) => ({
    kind: 'loss',
    config: { perLevel: params.perLevel, mseWeight: params.mseWeight, smooth: params.smooth },
    weight: params.weight,
  }),
  loss: {
    target: 'index',
    levels: () => true,
    fn(ops, pred, target, params) {
      const { p: probs, t, labels, k } = levelTargets(ops, pred, target);
      let perLevel: typeof pred;
      if (params.perLevel === 'dice') perLevel = ops.sum(softDicePerColumn(ops, probs, t, params.smooth));
      else {
        const q = ops.clip(probs, 1e-7, 1 - 1e-7);
        const one = ops.scalar(1);
        const ll = ops.add(ops.mul(t, ops.log(q)), ops.mul(ops.sub(one, t), ops.log(ops.sub(one, q))));
        perLevel = ops.neg(ops.sum(ops.mean(ll, [0])));
      }
      const y = ops.mean(probs, [-1], true);
      const mse = ops.mean(ops.square(ops.sub(y, ops.mul(labels, ops.scalar(1 / k)))));
      return ops.add(perLevel, ops.mul(ops.scalar(params.mseWeight), mse));
    },
  },
  examples: [
    {
      inputs: {
        pred: { shape: [2, 3, 3, 3], range: [0.05, 0.95] },
        target: { shape: [2, 3, 3], dtype: 'int32', range: [0, 4] },
      },
    },
    {
      inputs: {
        pred: { shape: [2, 4, 2], range: [0.05, 0.95] },
        target: { shape: [2, 4], dtype: 'int32', range: [0, 3] },
      },
      params: { perLevel: 'bce', mseWeight: 1 },
    },
  ],
});
