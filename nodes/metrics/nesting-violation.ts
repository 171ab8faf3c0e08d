import { reject } from '../../src/core/diagnostics.ts';
import { nestingViolations } from '../../src/core/metrics/nested-levels.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { formatShape, tensor } from '../../src/core/tensor-type.ts';
import { NESTED_SEG_PAPER } from '../losses/nested-multi-level.ts';

export default defineNode({
  type: 'metrics.nestingViolation',
  version: 1,
  kind: 'metric',
  title: 'Nesting violation rate',
  docs: {
    summary:
      'Fraction of positions whose thresholded level masks do not nest: some level k is on (p_k > ½) while its parent level k − 1 is off (an "enhancing" pixel outside the predicted core). 0 by construction for the multi-level activation with increasing thresholds; independent per-level sigmoids can violate it. Every sample has the same number of positions, so the batch-size-weighted mean over batches is the whole split’s rate.',
    formula: 'V = mean_{positions} 1[∃k ≥ 2: p_k > ½ ∧ p_{k−1} ≤ ½]',
    paper: NESTED_SEG_PAPER,
  },
  params: {},
  inputs: { pred: { doc: 'Level probabilities [B, …, K].' } },
  outputs: { value: { doc: 'Scalar in [0, 1] (0 = always nested).' } },
  infer({ inputs }) {
    const pred = inputs.pred!;
    if (pred.shape.length < 2)
      reject('shape/rank-mismatch', `Levels must be [B, …, K], got ${formatShape(pred.shape)}.`, {
        port: 'pred',
      });
    return { value: tensor([]) };
  },
  lower: () => ({ kind: 'metric', config: {} }),
  metric: {
    target: 'index',
    fn() {
      throw new Error('the nesting violation rate has one port: the trainer calls call()');
    },
    call: (ops, { pred }) => ops.mean(nestingViolations(ops, pred!)),
  },
  examples: [{ inputs: { pred: { shape: [3, 4, 4, 3], range: [0, 1] } } }],
});
