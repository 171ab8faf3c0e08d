// An independent checker classifier for generated samples (P26 PPGN's C′: "an independently trained
// MLP classifier, different seed, trained on real data"): flatten → dense(hidden, ReLU) → dense(classes),
// softmax cross-entropy, Adam — a graph built and trained by the app's own compiler and trainer with
// its own seed. It shares nothing with the model it checks (no weights, no graph, no optimizer state).
import * as tf from '@tensorflow/tfjs';
import type { LoadedDataset } from '../../core/datasets/dataset-def.ts';
import type { GraphDoc } from '../../core/doc/schema.ts';
import type { Registry } from '../../core/registry.ts';
import { train } from '../loop.ts';
import { build, sequential } from './_kan-shared.ts';

export interface MlpCheckerOptions {
  /** The binding `data` was loaded from (the graph's input must match its feature shape). */
  readonly binding: NonNullable<GraphDoc['training']>['dataset'];
  readonly hidden: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly seed: number;
}

export interface MlpChecker {
  /** Predicted class of each row of `rows` (row-major, the dataset's feature shape per row). */
  predict(rows: Float32Array): Int32Array;
  dispose(): void;
}

/** Trains the checker on `data`'s training split (class labels) with the app's trainer. */
export async function trainMlpChecker(
  data: LoadedDataset,
  registry: Registry,
  opts: MlpCheckerOptions,
): Promise<MlpChecker> {
  if (data.binding.labels.kind !== 'class') throw new Error('mlpChecker: the checker needs class labels');
  const classes = data.binding.labels.numClasses;
  const shape = data.binding.featureShape;
  const doc = sequential(
    shape,
    [
      ['layers.flatten', {}],
      ['layers.dense', { units: opts.hidden, activation: 'relu' }],
      ['layers.dense', { units: classes }],
    ],
    { loss: 'losses.categoricalCrossentropy', lossParams: { fromLogits: true } },
    {
      dataset: opts.binding,
      optimizer: { type: 'optimizers.adam', params: { learningRate: opts.learningRate } },
      batchSize: opts.batchSize,
      epochs: opts.epochs,
      seed: opts.seed,
    },
  );
  const b = build(doc, registry, opts.seed);
  const r = await train(b.compiled, registry, data, b.training, { seed: opts.seed, validate: false });
  if (r.status !== 'done') {
    b.compiled.dispose();
    throw new Error(`mlpChecker: training ${r.status}`);
  }
  const width = shape.reduce((a, d) => a * d, 1);
  return {
    predict(rows) {
      const n = rows.length / width;
      return tf.tidy(() => {
        const x = tf.tensor(rows, [n, ...shape]);
        const logits = b.compiled.run({ input: x }, { training: false }).get('n2')!;
        return Int32Array.from(tf.argMax(logits, 1).dataSync());
      });
    },
    dispose: () => b.compiled.dispose(),
  };
}
