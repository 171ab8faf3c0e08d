// Weight copies at run time (src/core/copies.ts has the contract): a copy phase writes group
// `from`'s weights onto group `to` once; an EMA copy moves `to` towards `from` after every optimizer
// step, θ_to ← τ θ_to + (1 − τ) θ_from. The loop (loop.ts) binds the pairs at a phase start and
// calls these; every intermediate tensor is freed (tf.tidy), the variables are written in place.

import * as tf from '@tensorflow/tfjs';
import type { CompiledModel } from '../compiler/compile.ts';
import { pairWeights } from '../core/copies.ts';
import { type IREmaCopy, type IRPhase, scheduleAt } from '../core/ir.ts';

/** A copy whose problem only shows on the built model (train/copy-mismatch). */
export class CopyError extends Error {
  readonly code = 'train/copy-mismatch';
}

/**
 * The weights of a variable group in node order (every weight, moving statistics included). A node
 * that shares another's weights (weightsFrom) adds none: the owner lists them once.
 */
function groupWeights(compiled: CompiledModel, group: string): { node: string; w: tf.LayerVariable }[] {
  return compiled.ir.nodes
    .filter((n) => n.group === group && n.weightsFrom === undefined)
    .flatMap((n) => compiled.weights([n.id]).map((w) => ({ node: n.id, w })));
}

/** The (from, to) weight pairs of a copy; throws CopyError naming the nodes and shapes otherwise. */
export function bindCopy(
  compiled: CompiledModel,
  from: string,
  to: string,
  phase: string,
): (readonly [tf.LayerVariable, tf.LayerVariable])[] {
  const a = groupWeights(compiled, from);
  const b = groupWeights(compiled, to);
  const p = pairWeights(
    from,
    to,
    a.map((x) => ({ node: x.node, shape: x.w.read().shape })),
    b.map((x) => ({ node: x.node, shape: x.w.read().shape })),
  );
  if (!p.ok) throw new CopyError(`train/copy-mismatch: phase '${phase}': ${p.message}`);
  return p.pairs.map(([i, j]) => [a[i]!.w, b[j]!.w] as const);
}

/** A copy phase: `to` takes `from`'s values (independent copies: later updates of `from` leave `to`). */
export function runCopyPhase(compiled: CompiledModel, phase: IRPhase): void {
  if (!phase.copy) return;
  for (const [src, dst] of bindCopy(compiled, phase.copy.from, phase.copy.to, phase.name))
    tf.tidy(() => {
      dst.write(src.read().clone());
    });
}

/** A gradient phase's EMA copies bound to their weights; step(progress) applies them once. */
export interface BoundEma {
  step(progress: number): void;
}

export function bindEma(compiled: CompiledModel, phase: IRPhase): BoundEma | undefined {
  const copies: readonly IREmaCopy[] = phase.copies ?? [];
  if (!copies.length) return undefined;
  const bound = copies.map((c) => ({ tau: c.tau, pairs: bindCopy(compiled, c.from, c.to, phase.name) }));
  return {
    step(progress) {
      for (const { tau, pairs } of bound) {
        const t = scheduleAt(tau, progress);
        tf.tidy(() => {
          for (const [src, dst] of pairs) {
            dst.write(tf.add(tf.mul(dst.read(), t), tf.mul(src.read(), 1 - t)));
          }
        });
      }
    },
  };
}
