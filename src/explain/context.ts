// Builds an AnalysisContext from a trained graph and a loaded split: the first `samples` rows of
// the validation split fed to the graph's image input, the split's `box` field as boxes, the
// model's first output as the class scores, the split's value labels (if any) as targets.
import * as tf from '@tensorflow/tfjs';
import type { CompiledModel } from '../compiler/compile.ts';
import type { LoadedDataset } from '../core/datasets/dataset-def.ts';
import { scoresKey } from '../core/ir.ts';
import type { AnalysisContext } from './tool.ts';

/** The context and a dispose() for its feed tensors. */
export function analysisContext(
  compiled: CompiledModel,
  data: LoadedDataset,
  opts: { samples?: number; classes?: 'true' | 'predicted' | number; scores?: string } = {},
): AnalysisContext & { dispose(): void } {
  const ir = compiled.ir;
  const input = ir.nodes.find((n) => n.op.kind === 'input');
  if (!input) throw new Error('analyse/input: the graph has no input node');
  const split = data.val;
  const n = Math.min(split.count, opts.samples ?? split.count);
  const shape = data.binding.featureShape;
  const dim = shape.reduce((a, b) => a * b, 1);
  const x = tf.tensor(split.x.subarray(0, n * dim), [n, ...shape]);
  const box = split.fields?.box;
  const which = opts.classes ?? 'true';
  const classes =
    which === 'predicted'
      ? undefined
      : which === 'true'
        ? split.y instanceof Int32Array
          ? split.y.slice(0, n)
          : undefined
        : new Int32Array(n).fill(which);
  const targets =
    split.y instanceof Float32Array && n > 0
      ? split.y.slice(0, n * (split.y.length / Math.max(1, split.count)))
      : undefined;
  return {
    compiled,
    feeds: { [input.id]: x },
    imageInput: input.id,
    scores: opts.scores ?? scoresKey(ir)!,
    ...(classes ? { classes } : {}),
    ...(targets ? { targets } : {}),
    ...(box ? { boxes: Float32Array.from(box.subarray(0, n * 4)) } : {}),
    dispose: () => x.dispose(),
  };
}

/**
 * Counts gradient computations (tf.grad, tf.grads, variableGrads, optimizers: all go through the
 * engine's `gradients`) while `f` runs.
 */
export function countGradientCalls<R>(f: () => R): { result: R; calls: number } {
  const engine = tf.engine() as unknown as { gradients: (...a: unknown[]) => unknown };
  const original = engine.gradients;
  let calls = 0;
  engine.gradients = function (this: unknown, ...a: unknown[]) {
    calls++;
    return original.apply(this, a);
  };
  try {
    return { result: f(), calls };
  } finally {
    engine.gradients = original;
  }
}
