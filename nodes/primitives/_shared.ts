// Helpers shared by the primitive nodes (not a node file: the registry skips names starting with _).
import type { Ops } from '../../src/core/ops.ts';

/**
 * Ties a value that does not depend on x (a parameter, a constant) to x with a zero-valued term,
 * so the node has an input in the tfjs graph and gradients w.r.t. x are defined (and zero).
 * x's values are otherwise unused.
 */
export const anchor = <T>(ops: Ops<T>, value: T, x: T): T =>
  ops.add(value, ops.mul(ops.scalar(0), ops.mean(ops.clip(x, -1, 1))));
