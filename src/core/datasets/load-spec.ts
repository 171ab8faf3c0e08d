// Loads a dataset named in a document (`training.dataset` or a phase's `data.dataset`): its params
// resolved against the dataset's specs, drawn with the run's seed, read through the platform's IO.

import { resolveParams } from '../params.ts';
import { createRng } from '../rng.ts';
import type { DatasetIO, LoadedDataset } from './dataset-def.ts';
import { findDataset } from './index.ts';

export function loadDatasetSpec(
  spec: { readonly name: string; readonly params: Readonly<Record<string, unknown>> },
  seed: number,
  io: DatasetIO,
): Promise<LoadedDataset> {
  const ds = findDataset(spec.name);
  if (!ds) throw new Error(`unknown dataset '${spec.name}'`);
  return ds.load(resolveParams(ds.params, spec.params).values, createRng(seed), io);
}
