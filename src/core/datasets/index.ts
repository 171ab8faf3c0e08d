// Every built-in dataset. Add a dataset by writing its file and listing it here.
import type { AnyDatasetDef } from './dataset-def.ts';

export const DATASETS: readonly AnyDatasetDef[] = [];

export function findDataset(name: string): AnyDatasetDef | undefined {
  return DATASETS.find((d) => d.name === name);
}
