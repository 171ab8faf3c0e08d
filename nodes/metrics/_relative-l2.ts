// The relative L2 error of operator learning, shared by the metric and the loss (not a node file).

import type { PaperRef } from '../../src/core/node-def.ts';
import type { Ops } from '../../src/core/ops.ts';

export const MGNO_PAPER: PaperRef = {
  title: 'MgNO: Efficient Parameterization of Linear Operators via Multigrid',
  authors: 'Juncai He, Xinliang Liu, Jinchao Xu',
  year: 2024,
  arxiv: '2310.19809',
};

export const RELATIVE_L2_FORMULA =
  'e = mean_b ‖ŷ_b − y_b‖₂ / (‖y_b‖₂ + 1e-12)  (norms over every non-batch axis)';

/** mean_b ‖ŷ_b − y_b‖ / ‖y_b‖, each sample's norm over all its entries. */
export function relativeL2<T>(ops: Ops<T>, pred: T, target: T): T {
  const axes = Array.from({ length: ops.shape(pred).length - 1 }, (_v, i) => i + 1);
  const err = ops.sqrt(ops.sum(ops.square(ops.sub(pred, target)), axes));
  const norm = ops.sqrt(ops.sum(ops.square(target), axes));
  return ops.mean(ops.div(err, ops.add(norm, ops.scalar(1e-12))));
}
