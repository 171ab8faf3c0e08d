// Evaluation of a trained classifier on its validation split: confusion matrix, accuracy and a
// sample of predictions (with features, so the UI can draw images or table rows). Class-map
// datasets are evaluated per pixel (segmentation.ts).
import * as tf from '@tensorflow/tfjs';
import type { CompiledModel } from '../compiler/compile.ts';
import type { LoadedDataset } from '../core/datasets/dataset-def.ts';
import { feedsFor, sliceRows, toTensors } from './feeds.ts';
import type { Evaluation } from './protocol.ts';
import { evaluateSegmentation } from './segmentation.ts';

/**
 * The node whose output is the class scores: what the accuracy metric (or the first loss) reads —
 * among `heads` when given (the last phase's heads: a 2-class head trained after a 10-class one).
 */
export function predictionNode(compiled: CompiledModel, heads?: ReadonlySet<string>): string | undefined {
  const on = (id: string) => !heads || heads.has(id);
  const head =
    compiled.ir.metrics.find((m) => m.type === 'metrics.accuracy' && on(m.id)) ??
    compiled.ir.losses.find((l) => on(l.id));
  const ref = head?.inputs[0];
  return ref && 'node' in ref ? ref.node : compiled.ir.outputs[0];
}

export async function evaluateClassifier(
  compiled: CompiledModel,
  data: LoadedDataset,
  {
    samples = 24,
    chunk = 512,
    heads,
  }: { samples?: number; chunk?: number; heads?: ReadonlySet<string> } = {},
): Promise<Evaluation | undefined> {
  const labels = data.binding.labels;
  const nodeId = predictionNode(compiled, heads);
  if (labels.kind === 'classMap' && nodeId) return evaluateSegmentation(compiled, data, nodeId);
  if (labels.kind !== 'class' || !nodeId || compiled.ir.inputs.length === 0) return undefined;
  const classes = labels.numClasses;
  const width = data.binding.featureShape.reduce((a, b) => a * b, 1);
  const { count } = data.val;
  const predicted = new Int32Array(count);
  const confidence = new Float32Array(count);
  const val = toTensors(data, 'val');
  for (let start = 0; start < count; start += chunk) {
    const size = Math.min(chunk, count - start);
    const [idx, conf] = tf.tidy(() => {
      // Every input fed from its Source, the rows of one chunk.
      const rows = sliceRows(val, start, size);
      const scores = compiled.run(feedsFor(compiled.ir, rows), { training: false }).get(nodeId)!;
      // Probabilities already (non-negative rows summing to 1)? Otherwise treat as logits.
      const sums = tf.sum(scores, -1);
      const isProb = tf.logicalAnd(
        tf.all(tf.greaterEqual(scores, 0)),
        tf.all(tf.less(tf.abs(tf.sub(sums, 1)), 1e-3)),
      );
      const probs = tf.where(isProb, scores, tf.softmax(scores));
      return [tf.argMax(probs, -1), tf.max(probs, -1)];
    });
    predicted.set(await idx.data(), start);
    confidence.set(await conf.data(), start);
    tf.dispose([idx, conf]);
  }
  val.dispose();
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  let correct = 0;
  for (let i = 0; i < count; i++) {
    const actual = data.val.y[i]!;
    confusion[actual]![predicted[i]!]!++;
    if (actual === predicted[i]) correct++;
  }
  return {
    classNames: data.classNames ?? Array.from({ length: classes }, (_, i) => String(i)),
    confusion,
    accuracy: count ? correct / count : 0,
    featureShape: data.binding.featureShape,
    samples: Array.from({ length: Math.min(samples, count) }, (_, i) => ({
      label: data.val.y[i]!,
      predicted: predicted[i]!,
      confidence: confidence[i]!,
      features: Array.from(data.val.x.subarray(i * width, (i + 1) * width)),
    })),
  };
}
