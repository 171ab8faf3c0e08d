// Evaluation of a segmentation model on a class-map dataset: the prediction node's output is
// decoded into a class per pixel (K level probabilities, or K + 1 class scores), and the whole
// validation split gives a pixel confusion matrix, Dice per nested region (class ≥ k) from summed
// counts, the nesting-violation rate, and a few images with their true and predicted maps.
import * as tf from '@tensorflow/tfjs';
import type { CompiledModel } from '../compiler/compile.ts';
import { tfOps } from '../compiler/tf-ops.ts';
import type { LoadedDataset } from '../core/datasets/dataset-def.ts';
import {
  decodeClasses,
  diceFromCounts,
  type LevelDecode,
  nestingViolations,
} from '../core/metrics/nested-levels.ts';
import { feedsFor, sliceRows, toTensors } from './feeds.ts';
import type { Evaluation } from './protocol.ts';

/** How the prediction's last axis reads against C classes: K = C − 1 levels, or C scores. */
export function decodeFor(width: number | null | undefined, classes: number): LevelDecode | undefined {
  if (width === classes - 1) return 'levels';
  if (width === classes) return 'classes';
  return undefined;
}

/** Dice of each region k = 1..K from a pixel confusion matrix (rows actual, columns predicted). */
export function levelDice(confusion: readonly (readonly number[])[]): number[] {
  const c = confusion.length;
  return Array.from({ length: c - 1 }, (_, j) => {
    const k = j + 1;
    let [tp, fp, fn] = [0, 0, 0];
    for (let a = 0; a < c; a++)
      for (let p = 0; p < c; p++) {
        const n = confusion[a]![p]!;
        if (a >= k && p >= k) tp += n;
        else if (p >= k) fp += n;
        else if (a >= k) fn += n;
      }
    return diceFromCounts([tp, fp, fn]);
  });
}

export async function evaluateSegmentation(
  compiled: CompiledModel,
  data: LoadedDataset,
  nodeId: string,
  { samples = 6, chunk = 64 } = {},
): Promise<Evaluation | undefined> {
  const labels = data.binding.labels;
  if (labels.kind !== 'classMap') return undefined;
  const classes = labels.numClasses;
  const width = compiled.ir.nodes.find((n) => n.id === nodeId)?.outputShape.at(-1);
  const decode = decodeFor(width, classes);
  if (!decode) return undefined;
  const pixels = labels.shape.reduce((a, b) => a * b, 1);
  const { count } = data.val;
  const predicted = new Int32Array(count * pixels);
  let violations = 0;
  const val = toTensors(data, 'val');
  try {
    for (let start = 0; start < count; start += chunk) {
      const size = Math.min(chunk, count - start);
      const [cls, bad] = tf.tidy(() => {
        const rows = sliceRows(val, start, size);
        const pred = compiled.run(feedsFor(compiled.ir, rows), { training: false }).get(nodeId)!;
        const v = decode === 'levels' ? tf.sum(nestingViolations(tfOps, pred)) : tf.scalar(0);
        return [tf.cast(decodeClasses(tfOps, pred, decode), 'int32'), v];
      });
      predicted.set(await cls.data(), start * pixels);
      violations += (await bad.data())[0]!;
      tf.dispose([cls, bad]);
    }
  } finally {
    val.dispose();
  }
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  let correct = 0;
  for (let i = 0; i < count * pixels; i++) {
    const actual = data.val.y[i]!;
    confusion[actual]![predicted[i]!]!++;
    if (actual === predicted[i]) correct++;
  }
  const classNames = data.classNames ?? Array.from({ length: classes }, (_, i) => String(i));
  const [h, w] = [labels.shape[0] ?? 1, labels.shape[1] ?? 1];
  const channels = data.binding.featureShape.reduce((a, b) => a * b, 1) / pixels;
  const shown = Math.min(samples, count);
  return {
    classNames,
    confusion,
    accuracy: count ? correct / (count * pixels) : 0,
    featureShape: data.binding.featureShape,
    samples: [],
    segmentation: {
      levelNames: classNames.slice(1),
      dice: levelDice(confusion),
      violationRate: count ? violations / (count * pixels) : 0,
      size: [h, w],
      channels,
      samples: Array.from({ length: shown }, (_, i) => ({
        image: Array.from(data.val.x.subarray(i * pixels * channels, (i + 1) * pixels * channels)),
        truth: Array.from(data.val.y.subarray(i * pixels, (i + 1) * pixels)),
        predicted: Array.from(predicted.subarray(i * pixels, (i + 1) * pixels)),
      })),
    },
  };
}
