// Per-sample stores at run time (W3; schema.ts StoreSchema, ir.ts IRStore): N rows × width values
// kept on the CPU (Float32Array) for the whole run. A refresh phase writes a model node's inference
// output for every training row of its data view; gradient phases read a store as sampling scores
// (data.weights) or, through an Input whose source is `store:<name>`, gather the batch's rows with
// the same indices as the features and labels (feeds.ts takeRows). Every tensor is disposed.

import * as tf from '@tensorflow/tfjs';
import type { CompiledModel } from '../compiler/compile.ts';
import { type IRStore, inputSource, type ModelIR } from '../core/ir.ts';
import { applyStoreTransform } from '../core/store-transforms.ts';
import { type DataTensors, feedsFor, sliceRows } from './feeds.ts';

export class StoreError extends Error {}

/** The run's stores by name: values [rows × width], filled with `init` until refreshed. */
export class Stores {
  private readonly values = new Map<string, Float32Array>();
  private readonly defs: Map<string, IRStore>;
  constructor(defs: readonly IRStore[] = []) {
    this.defs = new Map(defs.map((d) => [d.name, d]));
  }

  def(name: string): IRStore {
    const d = this.defs.get(name);
    if (!d) throw new StoreError(`train/store-unknown: there is no store '${name}' in training.stores.`);
    return d;
  }

  /** Store `name` over `rows` training rows (its init value when no phase has refreshed it). */
  read(name: string, rows: number, phase: string): Float32Array {
    const d = this.def(name);
    const v = this.values.get(name);
    if (!v) return new Float32Array(rows * d.width).fill(d.init);
    if (v.length !== rows * d.width)
      throw new StoreError(
        `train/store-rows: phase '${phase}' has ${rows} training rows but store '${name}' was refreshed over ${v.length / d.width}; read a store in phases over the same rows (same dataset, subset and sizes) as the phase that refreshes it.`,
      );
    return v;
  }

  /** Rows the store was last refreshed over (undefined before any refresh). */
  refreshedRows(name: string): number | undefined {
    const v = this.values.get(name);
    return v ? v.length / this.def(name).width : undefined;
  }

  write(name: string, values: Float32Array): void {
    this.values.set(name, values);
  }

  /** The stores refreshed so far, by name ([rows × width] values). */
  snapshot(): ReadonlyMap<string, Float32Array> {
    return new Map(this.values);
  }
}

/**
 * Node `from`'s output in inference mode for every row of `data`, flattened per row: [rows × width]
 * in row order. Throws when the node is missing or its output is not one row per sample of `width`.
 */
export async function refreshValues(
  compiled: CompiledModel,
  from: string,
  width: number,
  data: DataTensors,
  chunk = 512,
): Promise<Float32Array> {
  // 'node' or 'node:port' (one port of a multi-output node, stored under that key by the compiler).
  const [id, port] = from.split(':') as [string, string | undefined];
  const node = compiled.ir.nodes.find((n) => n.id === id);
  if (!node) throw new StoreError(`train/store-from: the model has no node '${id}' to refresh a store from.`);
  const key = port !== undefined ? from : node.outputPorts ? `${id}:${node.outputPorts[0]!.name}` : id;
  const out = new Float32Array(data.count * width);
  for (let start = 0; start < data.count; start += chunk) {
    const size = Math.min(chunk, data.count - start);
    const t = tf.tidy(() => {
      const rows = sliceRows(data, start, size);
      const y = compiled.run(feedsFor(compiled.ir, rows), { training: false }).get(key);
      if (!y) throw new StoreError(`train/store-from: node '${from}' gave no output.`);
      return tf.reshape(tf.cast(y, 'float32'), [size, -1]);
    });
    if (t.shape[1] !== width) {
      t.dispose();
      throw new StoreError(
        `train/store-width: node '${from}' gives ${t.shape[1]} values per row but the store has width ${width}.`,
      );
    }
    out.set((await t.data()) as Float32Array, start * width);
    t.dispose();
  }
  return out;
}

/**
 * One refresh of store `store` from node `from` over the rows of `data`: the node's inference
 * output per row, through the store's transform (e.g. DEC's target), written into `stores`.
 * When `data` carries the store as a field (an Input reads it), that field is replaced as well, so
 * the batches after the refresh read the new values. Returns the values written.
 */
export async function refreshStore(
  compiled: CompiledModel,
  stores: Stores,
  store: string,
  from: string,
  data: DataTensors,
): Promise<Float32Array> {
  const d = stores.def(store);
  const values = applyStoreTransform(
    d.transform,
    await refreshValues(compiled, from, d.width, data),
    d.width,
  );
  stores.write(store, values);
  const key = `store:${store}`;
  const fields = data.fields as Map<string, tf.Tensor> | undefined;
  const old = fields?.get(key);
  if (fields && old) {
    fields.set(key, tf.tensor2d(values, [data.count, d.width], 'float32'));
    old.dispose();
  }
  return values;
}

/** Names of the stores the model's inputs read (`store:<name>` sources). */
export const storeSources = (ir: ModelIR): string[] =>
  ir.nodes.flatMap((n) => {
    if (n.op.kind !== 'input') return [];
    const s = inputSource(n.op);
    return s.startsWith('store:') ? [s.slice('store:'.length)] : [];
  });

/**
 * `data` with each store an input reads as a field `store:<name>` [rows, width], so a batch takes
 * the same rows of it as of the features (takeRows). `fill`: rows that are not training rows
 * (validation) read the store's init value — a store has values for the training rows only;
 * 'otherRows' does so only when the store was refreshed over another number of rows (a fit phase
 * over a calibration subset: an inference pass, like validation).
 */
export function withStoreFields(
  data: DataTensors,
  ir: ModelIR,
  stores: Stores,
  phase: string,
  fill: boolean | 'otherRows' = false,
): DataTensors {
  const names = [...new Set(storeSources(ir))];
  if (!names.length) return data;
  const fields = new Map(data.fields);
  for (const name of names) {
    const d = stores.def(name);
    const rows = stores.refreshedRows(name);
    const useInit = fill === true || (fill === 'otherRows' && rows !== undefined && rows !== data.count);
    const values = useInit
      ? new Float32Array(data.count * d.width).fill(d.init)
      : stores.read(name, data.count, phase);
    fields.set(`store:${name}`, tf.tensor2d(values, [data.count, d.width], 'float32'));
  }
  return {
    ...data,
    fields,
    dispose: () => {
      data.dispose();
      // The store fields as they are now (refreshStore replaces them during a phase).
      for (const name of names) fields.get(`store:${name}`)?.dispose();
    },
  };
}
