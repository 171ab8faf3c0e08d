// Per-sample pieces of the MIP template's losses (not a node file: the registry skips `_` names).
import type { Ops } from '../../src/core/ops.ts';

const upTo = (n: number, from = 0): number[] => Array.from({ length: n - from }, (_v, i) => i + from);

/** Mean over every axis but the batch axis: [B, …] → [B]. */
export const perSampleMean = <T>(ops: Ops<T>, x: T): T => ops.mean(x, upTo(ops.shape(x).length, 1));

/** Total variation along axis 1 (a sorted grid), per sample: mean_i |x_{b,i+1} − x_{b,i}| → [B]. */
export function totalVariation<T>(ops: Ops<T>, x: T): T {
  const s = ops.shape(x);
  const rest = s.length - 2;
  const zeros = new Array<number>(rest).fill(0);
  const all = new Array<number>(rest).fill(-1);
  const next = ops.slice(x, [0, 1, ...zeros], [-1, -1, ...all]);
  const prev = ops.slice(x, [0, 0, ...zeros], [-1, s[1]! - 1, ...all]);
  return perSampleMean(ops, ops.abs(ops.sub(next, prev)));
}
