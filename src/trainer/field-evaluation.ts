// Evaluation of a model whose outputs are fields (image-valued regression: an operator f ↦ u): a few
// validation samples' predicted and true fields, and the relative L2 error, for the field plots.
import * as tf from '@tensorflow/tfjs';
import type { CompiledModel } from '../compiler/compile.ts';
import type { LoadedDataset } from '../core/datasets/dataset-def.ts';
import { feedsFor, sliceRows, toTensors } from './feeds.ts';
import type { FieldEvaluation } from './protocol.ts';

/** [H, W] of a field-shaped target ([H, W] or [H, W, 1]); undefined for anything else. */
export function fieldSize(shape: readonly number[]): [number, number] | undefined {
  if (shape.length === 2 || (shape.length === 3 && shape[2] === 1)) return [shape[0]!, shape[1]!];
  return undefined;
}

/** ‖p − t‖₂ / ‖t‖₂ of one sample, in float64. */
export function relativeError(pred: ArrayLike<number>, truth: ArrayLike<number>): number {
  let e = 0;
  let n = 0;
  for (let i = 0; i < truth.length; i++) {
    e += (pred[i]! - truth[i]!) ** 2;
    n += truth[i]! ** 2;
  }
  return Math.sqrt(e) / (Math.sqrt(n) + 1e-12);
}

/** The node the first loss predicts with (its pred port), else the first model output. */
function predictionNode(compiled: CompiledModel): string | undefined {
  const ref = compiled.ir.losses[0]?.inputs[0];
  return ref && 'node' in ref ? ref.node : compiled.ir.outputs[0];
}

/** Predicted vs true fields of the first `samples` validation rows; undefined unless labels are fields. */
export async function evaluateFields(
  compiled: CompiledModel,
  data: LoadedDataset,
  { samples = 3 } = {},
): Promise<FieldEvaluation | undefined> {
  const labels = data.binding.labels;
  const nodeId = predictionNode(compiled);
  const size = labels.kind === 'values' ? fieldSize(labels.shape) : undefined;
  if (!size || !nodeId || compiled.ir.inputs.length === 0 || data.val.count === 0) return undefined;
  const count = Math.min(samples, data.val.count);
  const n = size[0] * size[1];
  const val = toTensors(data, 'val');
  const out = tf.tidy(() =>
    compiled
      .run(feedsFor(compiled.ir, sliceRows(val, 0, count)), { training: false })
      .get(nodeId)!
      .clone(),
  );
  val.dispose();
  const pred = await out.data();
  const outSize = out.size;
  out.dispose();
  if (outSize !== count * n) return undefined; // the prediction is not one field per sample
  return {
    size,
    samples: Array.from({ length: count }, (_v, k) => {
      const p = Array.from(pred.subarray(k * n, (k + 1) * n));
      const t = Array.from(data.val.y.subarray(k * n, (k + 1) * n));
      return { predicted: p, truth: t, relativeL2: relativeError(p, t) };
    }),
  };
}
