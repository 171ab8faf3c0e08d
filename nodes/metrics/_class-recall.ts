// Per-class recall from whole-split counts (balanced accuracy, one class's recall): for every class
// c the split's correct predictions TP_c = #{b : argmax p_b = c = t_b} and members N_c = #{b : t_b = c}
// are SUMMED over the batches and the score is computed once, so it equals the brute-force value on
// the whole split (not a mean of per-batch values). Not a node file.
import type { Ops } from '../../src/core/ops.ts';

/** [TP_0…TP_{C−1}, N_0…N_{C−1}] of one batch: pred [B, C] scores, target [B] (or [B, 1]) indices. */
export function recallCounts<T>(ops: Ops<T>, pred: T, target: T): T {
  const c = ops.shape(pred).at(-1)!;
  const truth = ops.oneHot(target, c);
  const yes = ops.oneHot(ops.argMax(pred, -1), c);
  return ops.concat([ops.sum(ops.mul(yes, truth), [0]), ops.sum(truth, [0])], 0);
}

/** Recall of every class from totals [TP…, N…] (0 for a class with no members: sklearn's zero_division=0). */
export function recalls(sums: readonly number[]): number[] {
  const c = sums.length / 2;
  return Array.from({ length: c }, (_, k) => (sums[c + k]! > 0 ? sums[k]! / sums[c + k]! : 0));
}

/** Balanced accuracy from totals: the mean recall over the classes present (N_c > 0), as sklearn. */
export function balancedFromCounts(sums: readonly number[]): number {
  const c = sums.length / 2;
  const r = recalls(sums);
  let s = 0;
  let present = 0;
  for (let k = 0; k < c; k++)
    if (sums[c + k]! > 0) {
      s += r[k]!;
      present++;
    }
  return present ? s / present : 0;
}

/** Recall per class in ops from totals [TP…, N…] (a 1-D tensor): TP / max(N, 1). */
function recallOps<T>(ops: Ops<T>, sums: T): { r: T; present: T } {
  const c = ops.shape(sums)[0]! / 2;
  const tp = ops.slice(sums, [0], [c]);
  const n = ops.slice(sums, [c], [c]);
  return { r: ops.div(tp, ops.maximum(n, ops.scalar(1))), present: ops.greater(n, ops.scalar(0)) };
}

/** Balanced accuracy in ops from totals (what balancedFromCounts computes). */
export function balancedOps<T>(ops: Ops<T>, sums: T): T {
  const { r, present } = recallOps(ops, sums);
  return ops.div(ops.sum(ops.mul(r, present)), ops.maximum(ops.sum(present), ops.scalar(1)));
}

/** Recall of class `k` in ops from totals; checks k against the class count. */
export function classRecallOps<T>(ops: Ops<T>, sums: T, k: number): T {
  const c = ops.shape(sums)[0]! / 2;
  if (k >= c)
    throw new Error(
      `classRecall: class ${k} is not among the prediction's ${c} classes; set 'class' below ${c}.`,
    );
  return ops.reshape(ops.slice(recallOps(ops, sums).r, [k], [1]), []);
}
