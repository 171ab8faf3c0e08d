// The thin feed step for the binding's per-batch augmentations (src/core/datasets/augment.ts): the
// training batch's features are rebuilt on the CPU from the dataset rows and augmented there; the
// labels and fields keep the batch's rows, so everything stays aligned. Training batches only.
import * as tf from '@tensorflow/tfjs';
import { AugmentSchema, augmentBatch } from '../core/datasets/augment.ts';
import type { LoadedDataset } from '../core/datasets/dataset-def.ts';
import { takeSplitRows } from '../core/datasets/transforms/transform-def.ts';
import type { IRDatasetBinding } from '../core/ir.ts';
import type { Rng } from '../core/rng.ts';
import type { Rows } from './feeds.ts';

export type AugmentFeed = (rows: Rows, batchRows: Int32Array) => Rows;

/** The feed for this run, or undefined when the binding declares no augmentation. */
export function augmentFeed(
  bound: IRDatasetBinding,
  dataset: LoadedDataset,
  rng: Rng,
): AugmentFeed | undefined {
  if (!bound.augment) return undefined;
  const spec = AugmentSchema.parse(bound.augment);
  const stream = rng.fork();
  const { binding, train } = dataset;
  return (rows, batchRows) => {
    const x = takeSplitRows(binding, train, [...batchRows]).x as Float32Array;
    const augmented = tf.tensor(augmentBatch(x, binding.featureShape, spec, stream), rows.x.shape, 'float32');
    rows.x.dispose();
    return { ...rows, x: augmented };
  };
}
