// Loads a dataset named in a document (`training.dataset` or a phase's `data.dataset`): the binding
// (params, transforms, subsets, extra splits) resolved against the dataset's specs, drawn with the
// run's seed, read through the platform's IO.

import { createRng } from '../rng.ts';
import { type AnyBinding, loadBinding } from './binding.ts';
import type { DatasetIO, LoadedDataset } from './dataset-def.ts';

export function loadDatasetSpec(spec: AnyBinding, seed: number, io: DatasetIO): Promise<LoadedDataset> {
  return loadBinding(spec, createRng(seed), io);
}
