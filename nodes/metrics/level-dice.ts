import { reject } from '../../src/core/diagnostics.ts';
import { checkPositionTarget } from '../../src/core/heads.ts';
import {
  decodeClasses,
  diceFromCounts,
  flatLabels,
  type LevelDecode,
  regionCounts,
} from '../../src/core/metrics/nested-levels.ts';
import { defineNode } from '../../src/core/node-def.ts';
import type { Ops } from '../../src/core/ops.ts';
import { p } from '../../src/core/params.ts';
import { tensor } from '../../src/core/tensor-type.ts';
import { NESTED_SEG_PAPER } from '../losses/nested-multi-level.ts';

const counts = <T>(ops: Ops<T>, pred: T, target: T, level: number, decode: LevelDecode) =>
  regionCounts(ops, decodeClasses(ops, pred, decode), flatLabels(ops, target), level);

export default defineNode({
  type: 'metrics.levelDice',
  version: 1,
  kind: 'metric',
  title: 'Dice of a nested level (whole split)',
  docs: {
    summary:
      'Dice of nested region k ("class ≥ k", e.g. 1 whole tumour, 2 core, 3 enhancing) between the decoded prediction and the class-map labels, from true/false positive and false negative pixel counts summed over the whole split. The prediction is K level probabilities (a level is on above one half; the class is the number of levels on) or C class scores (argmax).',
    formula:
      'Dice_k = 2·TP_k / (2·TP_k + FP_k + FN_k),  region k = {class ≥ k},  class = Σ_j 1[p_j > ½] (levels) or argmax_c s_c (classes); 0 when region k is empty in both',
    paper: NESTED_SEG_PAPER,
  },
  params: {
    level: p.int({ default: 1, min: 1, max: 16, doc: 'The nested region k scored: pixels with class ≥ k.' }),
    decode: p.enum(
      ['levels', 'classes'],
      'levels',
      'levels: pred holds K level probabilities (multi-level activation, output "levels"); classes: pred holds K + 1 class scores (softmax).',
    ),
  },
  inputs: {
    pred: { doc: 'Level probabilities [B, …, K] or class scores [B, …, K + 1].' },
    target: { doc: 'Class per position [B, …]; the dataset labels when unconnected.', optional: true },
  },
  outputs: { value: { doc: 'Scalar in [0, 1].' } },
  infer({ inputs, params, nodeId }) {
    const pred = inputs.pred!;
    checkPositionTarget(pred, inputs.target!);
    const width = pred.shape.at(-1);
    const levels = typeof width === 'number' ? (params.decode === 'levels' ? width : width - 1) : null;
    if (levels !== null && params.level > levels)
      reject(
        'param/out-of-range',
        `Level ${params.level} does not exist: the prediction has ${levels} levels.`,
        {
          field: 'level',
          fix: { kind: 'set-param', nodeId, field: 'level', value: Math.max(1, levels) },
        },
      );
    return { value: tensor([]) };
  },
  lower: ({ params }) => ({ kind: 'metric', config: { level: params.level, decode: params.decode } }),
  metric: {
    target: 'index',
    levels: (params) => params.decode === 'levels',
    fn(ops, pred, target, params) {
      const c = counts(ops, pred, target, params.level, params.decode);
      const [tp, fp, fn] = [0, 1, 2].map((i) => ops.slice(c, [i], [1]));
      const wtp = ops.mul(ops.scalar(2), tp!);
      // den = 0 only where TP = 0 too: max(den, 1) gives 0, as diceFromCounts does.
      return ops.sum(ops.div(wtp, ops.maximum(ops.add(ops.add(wtp, fp!), fn!), ops.scalar(1))));
    },
    split: {
      stats: (ops, inputs, params) => counts(ops, inputs.pred!, inputs.target!, params.level, params.decode),
      finalize: (sums) => diceFromCounts(sums),
    },
  },
  examples: [
    {
      inputs: {
        pred: { shape: [2, 3, 3, 3], range: [0, 1] },
        target: { shape: [2, 3, 3], dtype: 'int32', range: [0, 4] },
      },
      params: { level: 2 },
    },
    {
      inputs: {
        pred: { shape: [2, 3, 3, 4] },
        target: { shape: [2, 3, 3], dtype: 'int32', range: [0, 4] },
      },
      params: { level: 3, decode: 'classes' },
    },
  ],
});
