// The dataset as tensors and the rows of one batch: features, labels and every field taken with
// the SAME row indices, so a model with several inputs (or a loss reading a field) sees aligned
// rows under any shuffle. Each IR input node is fed from its Source.
import * as tf from '@tensorflow/tfjs';
import { tfOps } from '../compiler/tf-ops.ts';
import type { LoadedDataset, Split } from '../core/datasets/dataset-def.ts';
import { fieldName, type IROp, type IRStore, inputSource, type ModelIR } from '../core/ir.ts';
import { hasLabelStats, labelRowShape, labelStats } from '../core/label-stats.ts';
import { classCount, type DataStats, indexLabelShape } from '../core/node-def.ts';

/** A split's arrays as tensors, or one batch of its rows. */
export interface Rows {
  readonly x: tf.Tensor;
  readonly y: tf.Tensor;
  readonly fields: ReadonlyMap<string, tf.Tensor>;
}

/** Dataset arrays as tensors, kept for the whole run. */
export interface DataTensors extends Rows {
  readonly count: number;
  readonly numClasses: number | undefined;
  /** Label statistics of the TRAINING split (whichever split this is), for heads that read them. */
  readonly stats: DataStats<tf.Tensor> | undefined;
  dispose(): void;
}

/** A split by name, or any Split of the dataset (an extra evaluation split). */
export function toTensors(ds: LoadedDataset, split: 'train' | 'val' | Split): DataTensors {
  const s = typeof split === 'string' ? ds[split] : split;
  const { binding } = ds;
  const x = tf.tensor(s.x, [s.count, ...binding.featureShape], 'float32');
  const y = labelTensor(ds, s);
  const fields = new Map<string, tf.Tensor>();
  for (const [name, spec] of Object.entries(binding.fields ?? {})) {
    const values = s.fields?.[name];
    if (!values) throw new Error(`dataset '${binding.name}' declares field '${name}' but a split lacks it`);
    fields.set(name, tf.tensor(values, [s.count, ...spec.shape], spec.dtype));
  }
  // Once per run (per split's tensors): heads that weight by class frequency read these.
  const stats = hasLabelStats(binding.labels)
    ? (tf.tidy(() => ({
        ...labelStats(tfOps, labelTensor(ds, ds.train), binding.labels),
      })) as DataStats<tf.Tensor>)
    : undefined;
  return {
    x,
    y,
    fields,
    count: s.count,
    numClasses: classCount(binding.labels),
    stats,
    dispose: () => tf.dispose([x, y, ...fields.values(), ...(stats ? Object.values(stats) : [])]),
  };
}

/** A split's labels: class indices [N] int32, multi-label rows [N, L] or values [N, …] float32. */
function labelTensor(ds: LoadedDataset, s: Split): tf.Tensor {
  const { labels } = ds.binding;
  // Class indices (one per sample or per position) are int32; values and label sets float32.
  if (labels.kind === 'class' || labels.kind === 'classMap')
    return tf.tensor(s.y, [s.count, ...indexLabelShape(labels)], 'int32');
  return tf.tensor(s.y, [s.count, ...labelRowShape(labels)], 'float32');
}

const mapRows = (rows: Rows, f: (t: tf.Tensor) => tf.Tensor): Rows => ({
  x: f(rows.x),
  y: f(rows.y),
  fields: new Map([...rows.fields].map(([k, t]) => [k, f(t)])),
});

/** The rows `idx` of every array (one gather each, same indices). */
export const takeRows = (rows: Rows, idx: tf.Tensor1D): Rows => mapRows(rows, (t) => tf.gather(t, idx));

/** Rows [start, start + size) of every array. */
export const sliceRows = (rows: Rows, start: number, size: number): Rows =>
  mapRows(rows, (t) => tf.slice(t, start, size));

export const disposeRows = (rows: Rows): void => tf.dispose([rows.x, rows.y, ...rows.fields.values()]);

/** The tensor an input op's Source reads from a batch (class labels as [B, 1] int32). */
export function sourceTensor(
  op: Extract<IROp, { kind: 'input' }>,
  rows: Rows,
  stores?: readonly IRStore[],
): tf.Tensor {
  const source = inputSource(op);
  if (source === 'features') return rows.x;
  if (source === 'labels') return rows.y.rank === 1 ? tf.expandDims(rows.y, 1) : rows.y;
  // A per-sample store, added to the rows as field `store:<name>` (store-runtime.ts withStoreFields).
  if (source.startsWith('store:')) {
    const t = rows.fields.get(source);
    if (t) return t;
    // Rows outside a training phase (an evaluation after training, a split of its own) read the
    // store's init value, as validation rows do (a new tensor: callers run feeds inside tf.tidy).
    const def = stores?.find((d) => `store:${d.name}` === source);
    if (!def) throw new Error(`input source '${source}': no phase made that store available to this data`);
    return tf.fill([rows.x.shape[0]!, def.width], def.init, 'float32');
  }
  const name = fieldName(source);
  const t = name === undefined ? undefined : rows.fields.get(name);
  if (!t) throw new Error(`input source '${source}' is not in the dataset`);
  return t;
}

/** Feeds for every input node of the model, from one batch. */
export function feedsFor(ir: ModelIR, rows: Rows): Record<string, tf.Tensor> {
  const feeds: Record<string, tf.Tensor> = {};
  for (const node of ir.nodes)
    if (node.op.kind === 'input') feeds[node.id] = sourceTensor(node.op, rows, ir.training?.stores);
  return feeds;
}
