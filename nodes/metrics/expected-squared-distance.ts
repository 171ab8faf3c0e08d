import { checkIndexTarget } from '../../src/core/heads.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { tensor } from '../../src/core/tensor-type.ts';
import { LOKI_PAPER } from '../layers/frechet-mean.ts';

export default defineNode({
  type: 'metrics.expectedSquaredDistance',
  version: 1,
  kind: 'metric',
  title: 'Expected squared distance (grid label space)',
  docs: {
    summary:
      'Loki’s main metric: the mean squared distance between the predicted cell (argmax of the scores) and the true cell on a side × side grid, Euclidean between cell centres. 0 is perfect; unlike accuracy it credits near misses.',
    formula:
      'E[d²] = mean_b ((r̂_b − r_b)² + (ĉ_b − c_b)²),  r = ⌊y / side⌋, c = y − side·r,  ŷ = argmax score',
    paper: LOKI_PAPER,
  },
  params: {
    side: p.int({ default: 10, min: 2, max: 32, doc: 'Cells per side of the grid label space.' }),
  },
  inputs: {
    pred: { doc: 'Scores over the cells [B, side²].' },
    target: { doc: 'True cells [B] or [B, 1] (int); the dataset labels when unconnected.', optional: true },
  },
  outputs: { value: { doc: 'Scalar ≥ 0 (lower is better).' } },
  infer({ inputs }) {
    checkIndexTarget(inputs.pred!, inputs.target!);
    return { value: tensor([]) };
  },
  lower: ({ params }) => ({ kind: 'metric', config: { side: params.side } }),
  metric: {
    target: 'index',
    fn(ops, pred, target, params) {
      const side = ops.scalar(params.side);
      const rowCol = (cell: T) => {
        const row = ops.floor(ops.div(cell, side));
        return [row, ops.sub(cell, ops.mul(side, row))] as const;
      };
      type T = typeof pred;
      const [r1, c1] = rowCol(ops.cast(ops.argMax(pred, -1), 'float32'));
      const [r2, c2] = rowCol(ops.cast(ops.reshape(target, [-1]), 'float32'));
      return ops.mean(ops.add(ops.square(ops.sub(r1, r2)), ops.square(ops.sub(c1, c2))));
    },
  },
});
