// The contract of a dataset transform: a pure, seeded function of a loaded dataset, declared in the
// graph's dataset binding (`training.dataset.transforms`), so CLI train/verify and the app reproduce
// it from the document alone. `describe` gives the shapes it leaves (analysis loads nothing).
import type { z } from 'zod';
import type { DataBinding } from '../../node-def.ts';
import type { Rng } from '../../rng.ts';
import type { LoadedDataset, Split } from '../dataset-def.ts';

/** Which split(s) a transform changes. */
export type SplitChoice = 'train' | 'val' | 'both';

export interface TransformDef<S extends z.ZodType = z.ZodType> {
  readonly type: string;
  /** One sentence: what it does, with its formula where it has one. */
  readonly doc: string;
  /** Its params (everything in the declaration besides `type`). */
  readonly schema: S;
  describe?(binding: DataBinding, params: z.infer<S>): DataBinding;
  apply(ds: LoadedDataset, params: z.infer<S>, rng: Rng): LoadedDataset;
}

export function defineTransform<S extends z.ZodType>(def: TransformDef<S>): TransformDef<S> {
  return def;
}

export const appliesTo = (choice: SplitChoice, split: 'train' | 'val'): boolean =>
  choice === 'both' || choice === split;

/** The split's class labels, or an error naming the transform (value targets have no classes). */
export function classLabels(
  ds: LoadedDataset,
  transform: string,
): { labels: Int32Array; numClasses: number } {
  if (ds.binding.labels.kind !== 'class')
    throw new Error(
      `transform '${transform}' needs class labels; dataset '${ds.binding.name}' has value targets.`,
    );
  return { labels: ds.train.y as Int32Array, numClasses: ds.binding.labels.numClasses };
}

/** Per-sample width of every array of a split (features, labels, fields). */
function widths(binding: DataBinding): { x: number; y: number; fields: Record<string, number> } {
  const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
  return {
    x: prod(binding.featureShape),
    y:
      binding.labels.kind === 'class'
        ? 1
        : binding.labels.kind === 'multiLabel'
          ? binding.labels.numLabels
          : prod(binding.labels.shape),
    fields: Object.fromEntries(Object.entries(binding.fields ?? {}).map(([k, f]) => [k, prod(f.shape)])),
  };
}

function take<A extends Float32Array | Int32Array>(a: A, width: number, idx: readonly number[]): A {
  const out = new (a.constructor as new (n: number) => A)(idx.length * width);
  for (let k = 0; k < idx.length; k++) out.set(a.subarray(idx[k]! * width, (idx[k]! + 1) * width), k * width);
  return out;
}

/** The rows `idx` of a split (features, labels and every field, in that order). */
export function takeSplitRows(binding: DataBinding, split: Split, idx: readonly number[]): Split {
  const w = widths(binding);
  const fields = split.fields
    ? Object.fromEntries(Object.entries(split.fields).map(([k, a]) => [k, take(a, w.fields[k] ?? 1, idx)]))
    : undefined;
  return {
    x: take(split.x, w.x, idx),
    y: take(split.y, w.y, idx),
    count: idx.length,
    ...(fields ? { fields } : {}),
  };
}

/** Row indices of a split grouped by class. */
export function rowsByClass(y: Int32Array | Float32Array, numClasses: number): number[][] {
  const out: number[][] = Array.from({ length: numClasses }, () => []);
  for (let i = 0; i < y.length; i++) out[y[i]!]?.push(i);
  return out;
}

/** Keeps, per split the choice names, the rows `pick(split)` returns (in that order). */
export function filterRows(
  ds: LoadedDataset,
  choice: SplitChoice,
  pick: (split: Split, name: 'train' | 'val') => number[],
): LoadedDataset {
  const one = (name: 'train' | 'val') =>
    appliesTo(choice, name) ? takeSplitRows(ds.binding, ds[name], pick(ds[name], name)) : ds[name];
  return { ...ds, train: one('train'), val: one('val') };
}
