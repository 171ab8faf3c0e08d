// The training loop we own (not model.fit): stages over named variable groups, the loss as a
// weighted sum of loss nodes, metrics, a finiteness check that names the node, tf.tidy everywhere.

import * as tf from '@tensorflow/tfjs';
import type { CompiledModel } from '../compiler/compile.ts';
import { tfOps } from '../compiler/tf-ops.ts';
import type { LoadedDataset } from '../core/datasets/dataset-def.ts';
import type { IRNode, IRRef, IRTraining } from '../core/ir.ts';
import type { Registry } from '../core/registry.ts';
import { createRng, type Rng } from '../core/rng.ts';
import { makeOptimizer } from './optimizers.ts';

export interface BatchReport {
  readonly stage: string;
  readonly epoch: number;
  readonly batch: number;
  readonly batches: number;
  readonly loss: number;
}

export interface Evaluation {
  readonly loss: number;
  /** Per loss node (unweighted). */
  readonly terms: Readonly<Record<string, number>>;
  /** Per metric node. */
  readonly metrics: Readonly<Record<string, number>>;
}

export interface EpochReport {
  readonly stage: string;
  /** 1-based, counted across stages. */
  readonly epoch: number;
  readonly train: Evaluation;
  readonly val: Evaluation | undefined;
  readonly ms: number;
}

export interface NonFinite {
  readonly nodeId: string;
  readonly message: string;
}

export interface TrainResult {
  /** 'non-finite': the loss became NaN/Inf; 'diverged': the prediction left ±DIVERGED_MAGNITUDE. */
  readonly status: 'done' | 'stopped' | 'non-finite' | 'diverged';
  readonly epochs: readonly EpochReport[];
  readonly nonFinite?: NonFinite;
  readonly ms: number;
}

export interface TrainOptions {
  /** Replaces the epochs of a single-stage run (the CLI's --epochs). */
  readonly epochs?: number;
  readonly batchSize?: number;
  readonly seed?: number;
  /** Caps batches per epoch (smoke tests). */
  readonly maxBatchesPerEpoch?: number;
  readonly validate?: boolean;
  readonly onBatch?: (r: BatchReport) => void | Promise<void>;
  readonly onEpoch?: (r: EpochReport) => void | Promise<void>;
  readonly shouldStop?: () => boolean;
}

/** Dataset arrays as tensors, kept for the whole run. */
export interface DataTensors {
  readonly x: tf.Tensor;
  readonly y: tf.Tensor;
  readonly count: number;
  readonly numClasses: number | undefined;
  dispose(): void;
}

export function toTensors(ds: LoadedDataset, split: 'train' | 'val'): DataTensors {
  const s = ds[split];
  const x = tf.tensor(s.x, [s.count, ...ds.binding.featureShape], 'float32');
  const y =
    ds.binding.labels.kind === 'class'
      ? tf.tensor1d(s.y as Int32Array, 'int32')
      : tf.tensor(s.y, [s.count, ...ds.binding.labels.shape], 'float32');
  return {
    x,
    y,
    count: s.count,
    numClasses: ds.binding.labels.kind === 'class' ? ds.binding.labels.numClasses : undefined,
    dispose: () => tf.dispose([x, y]),
  };
}

function labelsFor(
  ref: Extract<IRRef, { labels: unknown }>,
  y: tf.Tensor,
  numClasses: number | undefined,
): tf.Tensor {
  if (ref.labels === 'onehot') return tf.cast(tf.oneHot(y as tf.Tensor1D, numClasses!), 'float32');
  return y;
}

/** Evaluates every loss and metric node on one batch's node outputs. */
function heads(
  compiled: CompiledModel,
  registry: Registry,
  outs: Map<string, tf.Tensor>,
  y: tf.Tensor,
  numClasses: number | undefined,
): { total: tf.Scalar; terms: Map<string, tf.Scalar>; metrics: Map<string, tf.Scalar> } {
  const resolve = (r: IRRef): tf.Tensor => ('node' in r ? outs.get(r.node)! : labelsFor(r, y, numClasses));
  const run = (n: IRNode, kind: 'loss' | 'metric'): tf.Scalar => {
    const def = registry.get(n.type)!;
    const head = kind === 'loss' ? def.loss! : def.metric!;
    const [pred, target] = n.inputs.map(resolve);
    return head.fn(tfOps, pred!, target!, n.op.kind === kind ? n.op.config : {}) as tf.Scalar;
  };
  const terms = new Map<string, tf.Scalar>();
  let total: tf.Scalar = tf.scalar(0);
  for (const n of compiled.ir.losses) {
    const v = run(n, 'loss');
    terms.set(n.id, v);
    const w = n.op.kind === 'loss' ? n.op.weight : 1;
    total = tf.add(total, w === 1 ? v : tf.mul(v, w));
  }
  const metrics = new Map<string, tf.Scalar>();
  for (const n of compiled.ir.metrics) metrics.set(n.id, run(n, 'metric'));
  return { total, terms, metrics };
}

const feedsFor = (compiled: CompiledModel, x: tf.Tensor): Record<string, tf.Tensor> => {
  const [input] = compiled.ir.inputs;
  return input ? { [input]: x } : {};
};

/**
 * Mean loss/metrics over a split, in chunks. Inference mode by default; `training: true` uses batch
 * statistics (BatchNorm) as the training step sees them.
 */
export async function evaluate(
  compiled: CompiledModel,
  registry: Registry,
  data: DataTensors,
  { chunk = 512, training = false }: { chunk?: number; training?: boolean } = {},
): Promise<Evaluation> {
  const sums = { loss: 0, terms: new Map<string, number>(), metrics: new Map<string, number>() };
  for (let start = 0; start < data.count; start += chunk) {
    const size = Math.min(chunk, data.count - start);
    const vals = tf.tidy(() => {
      const x = tf.slice(data.x, start, size);
      const y = tf.slice(data.y, start, size);
      const outs = compiled.run(feedsFor(compiled, x), { training });
      const h = heads(compiled, registry, outs, y, data.numClasses);
      const names = [...h.terms.keys(), ...h.metrics.keys()];
      const stacked = tf.stack([h.total, ...h.terms.values(), ...h.metrics.values()]);
      return { names, stacked };
    });
    // Async read: dataSync is slow on webgpu and, in tfjs 4.22, returned zeros there for this stack.
    const arr = await vals.stacked.data();
    vals.stacked.dispose();
    sums.loss += arr[0]! * size;
    vals.names.forEach((name, i) => {
      const target = compiled.ir.losses.some((l) => l.id === name) ? sums.terms : sums.metrics;
      target.set(name, (target.get(name) ?? 0) + arr[i + 1]! * size);
    });
  }
  const n = Math.max(1, data.count);
  const avg = (m: Map<string, number>) => Object.fromEntries([...m].map(([k, v]) => [k, v / n]));
  return { loss: sums.loss / n, terms: avg(sums.terms), metrics: avg(sums.metrics) };
}

/**
 * A prediction beyond this magnitude means training has diverged even if every value is still
 * finite: float32 sums lose all precision, softmax saturates and clipped losses stop learning (Adam
 * with lr 1e4 lands here, at a finite but dead loss, rather than at NaN).
 */
export const DIVERGED_MAGNITUDE = 1e8;

/**
 * After a non-finite loss or a diverged prediction: the first node (in graph order) whose output on
 * this batch is NaN/Inf or beyond ±DIVERGED_MAGNITUDE.
 */
export async function findNonFiniteNode(
  compiled: CompiledModel,
  registry: Registry,
  x: tf.Tensor,
  y: tf.Tensor,
  numClasses: number | undefined,
): Promise<string> {
  const { ids, flags } = tf.tidy(() => {
    const outs = compiled.run(feedsFor(compiled, x), { training: true });
    const h = heads(compiled, registry, outs, y, numClasses);
    const checked: [string, tf.Tensor][] = [
      ...compiled.ir.nodes.flatMap((n): [string, tf.Tensor][] => {
        const t = outs.get(n.id);
        return t && t.dtype === 'float32' ? [[n.id, t]] : [];
      }),
      ...h.terms,
    ];
    const bad = checked.map(([, t]) =>
      tf.cast(
        tf.logicalOr(
          tf.any(tf.logicalNot(tf.isFinite(t))),
          tf.greater(tf.max(tf.abs(t)), DIVERGED_MAGNITUDE),
        ),
        'float32',
      ),
    );
    return { ids: checked.map(([id]) => id), flags: tf.stack(bad) };
  });
  const values = await flags.data(); // one async read for all nodes (dataSync is slow on webgpu)
  flags.dispose();
  const first = ids.findIndex((_, i) => values[i] === 1);
  return first >= 0 ? ids[first]! : (compiled.ir.losses[0]?.id ?? compiled.ir.nodes.at(-1)?.id ?? '');
}

/** max |x| over every model output a loss reads (0 when none), a scalar. */
function predictionMagnitude(compiled: CompiledModel, outs: Map<string, tf.Tensor>): tf.Scalar {
  const preds = compiled.ir.losses.flatMap((l) => {
    const r = l.inputs[0];
    const t = r && 'node' in r ? outs.get(r.node) : undefined;
    return t ? [tf.max(tf.abs(t))] : [];
  });
  return (preds.length ? tf.max(tf.stack(preds)) : tf.scalar(0)) as tf.Scalar;
}

function batchOrder(count: number, rng: Rng): Int32Array {
  const idx = Array.from({ length: count }, (_, i) => i);
  return Int32Array.from(rng.shuffle(idx));
}

export async function train(
  compiled: CompiledModel,
  registry: Registry,
  dataset: LoadedDataset,
  training: IRTraining,
  opts: TrainOptions = {},
): Promise<TrainResult> {
  const t0 = performance.now();
  const batchSize = opts.batchSize ?? training.batchSize;
  const rng = createRng(opts.seed ?? training.seed);
  const stages =
    opts.epochs !== undefined && training.stages.length === 1
      ? [{ ...training.stages[0]!, epochs: opts.epochs }]
      : training.stages;
  const trainData = toTensors(dataset, 'train');
  const valData = opts.validate === false || dataset.val.count === 0 ? undefined : toTensors(dataset, 'val');
  const epochs: EpochReport[] = [];
  let status: TrainResult['status'] = 'done';
  let nonFinite: NonFinite | undefined;
  let globalEpoch = 0;

  try {
    outer: for (const stage of stages) {
      const vars = compiled.variables(stage.groups);
      const optimizer = makeOptimizer(training, registry, stage.learningRate);
      try {
        for (let e = 0; e < stage.epochs; e++) {
          globalEpoch++;
          const te = performance.now();
          const order = batchOrder(trainData.count, rng);
          const totalBatches = Math.ceil(trainData.count / batchSize);
          const batches = Math.min(totalBatches, opts.maxBatchesPerEpoch ?? totalBatches);
          const sums = {
            loss: 0,
            n: 0,
            terms: new Map<string, number>(),
            metrics: new Map<string, number>(),
          };
          for (let b = 0; b < batches; b++) {
            if (opts.shouldStop?.()) {
              status = 'stopped';
              break outer;
            }
            const idx = tf.tensor1d(
              order.subarray(b * batchSize, Math.min((b + 1) * batchSize, trainData.count)),
              'int32',
            );
            const x = tf.gather(trainData.x, idx);
            const y = tf.gather(trainData.y, idx);
            const size = idx.shape[0]!;
            let kept: tf.Scalar[] = [];
            let names: string[] = [];
            let magnitude: tf.Scalar = tf.scalar(0);
            const { value: cost, grads } = optimizer.gradients(() => {
              const outs = compiled.run(feedsFor(compiled, x), { training: true });
              const h = heads(compiled, registry, outs, y, trainData.numClasses);
              names = [...h.terms.keys(), ...h.metrics.keys()];
              kept = [...h.terms.values(), ...h.metrics.values()].map((t) => tf.keep(t));
              magnitude.dispose();
              magnitude = tf.keep(predictionMagnitude(compiled, outs));
              return h.total;
            }, vars);
            const stacked = tf.stack([cost, ...kept, magnitude]);
            const values = await stacked.data();
            tf.dispose([stacked, cost, ...kept, magnitude]);
            const loss = values[0]!;
            const predMax = values[values.length - 1]!;
            if (!Number.isFinite(loss) || !(predMax <= DIVERGED_MAGNITUDE)) {
              // The update is not applied, so the forward pass below sees the weights that failed.
              tf.dispose(grads);
              const nodeId = await findNonFiniteNode(compiled, registry, x, y, trainData.numClasses);
              tf.dispose([idx, x, y]);
              const lr = training.optimizer.config.learningRate ?? 'default';
              const what = Number.isFinite(loss)
                ? `the model's prediction reached ${predMax.toExponential(1)} (beyond ±${DIVERGED_MAGNITUDE.toExponential(0)}: training diverged)`
                : `the loss became ${loss}`;
              nonFinite = {
                nodeId,
                message: `Training stopped at epoch ${globalEpoch}, batch ${b + 1}: ${what}. The first node whose output went non-finite or exploded is '${nodeId}'. Try a lower learning rate (now ${lr}).`,
              };
              status = Number.isFinite(loss) ? 'diverged' : 'non-finite';
              break outer;
            }
            optimizer.apply(grads, vars);
            tf.dispose(grads);
            tf.dispose([idx, x, y]);
            sums.loss += loss * size;
            sums.n += size;
            names.forEach((name, i) => {
              const target = compiled.ir.losses.some((l) => l.id === name) ? sums.terms : sums.metrics;
              target.set(name, (target.get(name) ?? 0) + values[i + 1]! * size);
            });
            await opts.onBatch?.({ stage: stage.name, epoch: globalEpoch, batch: b + 1, batches, loss });
          }
          const avg = (m: Map<string, number>) =>
            Object.fromEntries([...m].map(([k, v]) => [k, v / Math.max(1, sums.n)]));
          const report: EpochReport = {
            stage: stage.name,
            epoch: globalEpoch,
            train: {
              loss: sums.loss / Math.max(1, sums.n),
              terms: avg(sums.terms),
              metrics: avg(sums.metrics),
            },
            val: valData ? await evaluate(compiled, registry, valData) : undefined,
            ms: performance.now() - te,
          };
          epochs.push(report);
          await opts.onEpoch?.(report);
        }
      } finally {
        optimizer.dispose();
      }
    }
  } finally {
    trainData.dispose();
    valData?.dispose();
  }
  return { status, epochs, ...(nonFinite ? { nonFinite } : {}), ms: performance.now() - t0 };
}
