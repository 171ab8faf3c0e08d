// The training loop we own (not model.fit): phases over named variable groups (ir.ts IRPhase), the loss as a
// weighted sum of loss nodes, metrics, a finiteness check that names the node, tf.tidy everywhere.

import * as tf from '@tensorflow/tfjs';
import { type CompiledModel, outputOf } from '../compiler/compile.ts';
import { phaseView } from '../core/datasets/binding.ts';
import type { LoadedDataset } from '../core/datasets/dataset-def.ts';
import {
  type IRDatasetBinding,
  type IRDataView,
  type IRPhase,
  type IRTraining,
  scalePhaseEpochs,
  scheduleAt,
} from '../core/ir.ts';
import type { DataStats } from '../core/node-def.ts';
import type { Registry } from '../core/registry.ts';
import { createRng, type Rng } from '../core/rng.ts';
import { epochRowCount, epochRows, scoresFrom } from '../core/sampling.ts';
import { augmentFeed } from './augment-feed.ts';
import { bindEma, runCopyPhase } from './copy-runtime.ts';
import {
  type DataTensors,
  disposeRows,
  feedsFor,
  type Rows,
  sliceRows,
  takeRows,
  toTensors,
} from './feeds.ts';
import { runFitPhase } from './fit-phase.ts';
import { type HeadLayout, HeadSums, packHeads, runHeads } from './heads.ts';
import {
  applyOverrides,
  type BoundGroup,
  bindGroups,
  clipByGlobalNorm,
  frozenGroups,
  OptimizerPool,
  rateScale,
  restoreWeights,
  snapshotWeights,
} from './phase-runtime.ts';
import { refreshStore, Stores, withStoreFields } from './store-runtime.ts';

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
  /** Per multi-label whole-split metric node: its score per label (the metric's `perLabel`). */
  readonly perLabel?: Readonly<Record<string, readonly number[]>>;
}

export interface EpochReport {
  readonly stage: string;
  /** 1-based, counted across stages. */
  readonly epoch: number;
  readonly train: Evaluation;
  readonly val: Evaluation | undefined;
  /** Each optimizer group's effective learning rate (its base rate × lrScale, mean over the epoch's batches), by id. */
  readonly lr: Readonly<Record<string, number>>;
  readonly ms: number;
  /** Training rows this epoch drew, when the phase samples them (data.fractions / data.weights). */
  readonly rows?: number;
}

/** A phase about to train: its data as loaded (a phase with its own dataset has its own size). */
export interface PhaseStart {
  readonly phase: string;
  readonly trainSamples: number;
  readonly batchSize: number;
  readonly batches: number;
  /** Batches of each epoch when they differ (sampled epochs: data.fractions); `batches` is the full epoch's. */
  readonly epochBatches?: readonly number[];
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
  /** The per-sample stores the run refreshed (training.stores), [rows × width] each, by name. */
  readonly stores?: ReadonlyMap<string, Float32Array>;
}

/** A store refresh inside a gradient phase: before optimizer step `step` (0-based, within the phase). */
export interface RefreshReport {
  readonly phase: string;
  readonly store: string;
  readonly from: string;
  /** 0-based epoch of the phase. */
  readonly epoch: number;
  /** The phase's optimizer steps taken before this refresh. */
  readonly step: number;
  /** The values written ([rows × width], after the store's transform). */
  readonly values: Float32Array;
}

export interface TrainOptions {
  /** Epochs in all (the CLI's --epochs): one phase gets them, several are scaled (scalePhaseEpochs). */
  readonly epochs?: number;
  readonly batchSize?: number;
  readonly seed?: number;
  /** Caps batches per epoch (smoke tests). */
  readonly maxBatchesPerEpoch?: number;
  readonly validate?: boolean;
  readonly onBatch?: (r: BatchReport) => void | Promise<void>;
  readonly onEpoch?: (r: EpochReport) => void | Promise<void>;
  readonly onPhase?: (p: PhaseStart) => void | Promise<void>;
  /** After each store refresh inside a gradient phase (`refreshes`). */
  readonly onRefresh?: (r: RefreshReport) => void | Promise<void>;
  readonly shouldStop?: () => boolean;
  /** Loads a phase's own dataset (`data.dataset`); without it such a phase is refused. */
  readonly loadDataset?: (spec: NonNullable<IRDataView['dataset']>) => Promise<LoadedDataset>;
}

export type { DataTensors } from './feeds.ts';
export { toTensors };

/**
 * Mean loss/metrics over a split, in chunks. Inference mode by default; `training: true` uses batch
 * statistics (BatchNorm) as the training step sees them.
 */
export async function evaluate(
  compiled: CompiledModel,
  registry: Registry,
  data: DataTensors,
  {
    chunk = 512,
    training = false,
    heads,
  }: { chunk?: number; training?: boolean; heads?: ReadonlySet<string> } = {},
): Promise<Evaluation> {
  const sums = new HeadSums();
  for (let start = 0; start < data.count; start += chunk) {
    const size = Math.min(chunk, data.count - start);
    let layout: HeadLayout | undefined;
    const packed = tf.tidy(() => {
      const rows = sliceRows(data, start, size);
      const outs = compiled.run(feedsFor(compiled.ir, rows), { training });
      const p = packHeads(
        runHeads(
          compiled.ir,
          registry,
          outs,
          rows.y,
          data.numClasses,
          data.stats,
          heads ? { active: heads } : {},
        ),
      );
      layout = p.layout;
      return p.packed;
    });
    // Async read: dataSync is slow on webgpu and, in tfjs 4.22, returned zeros there for this stack.
    const arr = await packed.data();
    packed.dispose();
    sums.add(layout!, arr, size);
  }
  return sums.result(compiled.ir, registry);
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
  rows: Rows,
  numClasses: number | undefined,
  stats?: DataStats<tf.Tensor>,
): Promise<string> {
  const { ids, flags } = tf.tidy(() => {
    const outs = compiled.run(feedsFor(compiled.ir, rows), { training: true });
    const h = runHeads(compiled.ir, registry, outs, rows.y, numClasses, stats);
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
    const t = r && 'node' in r ? outputOf(outs, r) : undefined;
    return t ? [tf.max(tf.abs(t))] : [];
  });
  return (preds.length ? tf.max(tf.stack(preds)) : tf.scalar(0)) as tf.Scalar;
}

function batchOrder(count: number, rng: Rng): Int32Array {
  const idx = Array.from({ length: count }, (_, i) => i);
  return Int32Array.from(rng.shuffle(idx));
}

/**
 * The dataset a phase trains on: its own (loaded through opts.loadDataset) or the run's, then its
 * data view — the training rows of `data.subset` and at most `data.sizes` = [train, val] rows.
 */
async function phaseDataset(
  phase: IRPhase,
  dataset: LoadedDataset,
  binding: IRDatasetBinding,
  opts: TrainOptions,
): Promise<LoadedDataset> {
  const view = phase.data;
  if (!view?.dataset) return phaseView(binding, dataset, phase.name, view ?? {});
  if (!opts.loadDataset)
    throw new Error(
      `Phase '${phase.name}' trains on dataset '${view.dataset.name}', but this runner cannot load another dataset.`,
    );
  return phaseView(view.dataset, await opts.loadDataset(view.dataset), phase.name, view);
}

export async function train(
  compiled: CompiledModel,
  registry: Registry,
  dataset: LoadedDataset,
  training: IRTraining,
  opts: TrainOptions = {},
): Promise<TrainResult> {
  const t0 = performance.now();
  const rng = createRng(opts.seed ?? training.seed);
  const phases = opts.epochs !== undefined ? scalePhaseEpochs(training.phases, opts.epochs) : training.phases;
  const reinitIds = [...new Set(phases.flatMap((p) => p.reinit ?? []))];
  const initial = snapshotWeights(compiled, reinitIds);
  const pool = new OptimizerPool(registry);
  const epochs: EpochReport[] = [];
  let status: TrainResult['status'] = 'done';
  let nonFinite: NonFinite | undefined;
  let globalEpoch = 0;
  let overridden = new Set<string>();
  const stores = new Stores(training.stores ?? []);

  try {
    outer: for (const phase of phases) {
      if (phase.kind === 'copy') {
        runCopyPhase(compiled, phase);
        continue;
      }
      const data = await phaseDataset(phase, dataset, training.dataset, opts);
      const batchSize = opts.batchSize ?? phase.data?.batchSize ?? training.batchSize;
      if (phase.kind === 'refresh') {
        // One inference pass over the phase's training rows writes node `from`'s output per row.
        const { store, from } = phase.refresh!;
        const rowsData = withStoreFields(toTensors(data, 'train'), compiled.ir, stores, phase.name);
        try {
          await opts.onPhase?.({
            phase: phase.name,
            trainSamples: rowsData.count,
            batchSize,
            batches: Math.ceil(rowsData.count / 512),
          });
          await refreshStore(compiled, stores, store, from, rowsData);
        } finally {
          rowsData.dispose();
        }
        continue;
      }
      const trainData = withStoreFields(
        toTensors(data, 'train'),
        compiled.ir,
        stores,
        phase.name,
        phase.kind === 'fit' ? 'otherRows' : false,
      );
      const valData =
        opts.validate === false || data.val.count === 0
          ? undefined
          : withStoreFields(toTensors(data, 'val'), compiled.ir, stores, phase.name, true);
      // The phase's own binding augments its own rows (forked here: a one-phase run draws as before).
      const augment = augmentFeed(phase.data?.dataset ?? training.dataset, data, rng);
      try {
        if (phase.kind === 'fit') {
          // One inference pass and a closed-form solve per node (fit-phase.ts), reported as one epoch.
          globalEpoch++;
          const te = performance.now();
          const active = phase.heads ? { heads: new Set(phase.heads) } : {};
          await opts.onPhase?.({ phase: phase.name, trainSamples: trainData.count, batchSize, batches: 1 });
          overridden = applyOverrides(compiled, phase, overridden);
          await runFitPhase(compiled, registry, phase, trainData, rng);
          const report: EpochReport = {
            stage: phase.name,
            epoch: globalEpoch,
            train: await evaluate(compiled, registry, trainData, active),
            val: valData ? await evaluate(compiled, registry, valData, active) : undefined,
            lr: {},
            ms: performance.now() - te,
          };
          epochs.push(report);
          await opts.onEpoch?.(report);
          continue;
        }
        overridden = applyOverrides(compiled, phase, overridden);
        if (phase.reinit) restoreWeights(compiled, phase.reinit, initial);
        const groups = bindGroups(compiled, phase, pool);
        const vars = [...new Set(groups.flatMap((g) => g.vars))];
        const frozen = frozenGroups(compiled, phase);
        const ema = bindEma(compiled, phase);
        const active = phase.heads ? new Set(phase.heads) : undefined;
        const totalBatches = Math.ceil(trainData.count / batchSize);
        const batches = Math.min(totalBatches, opts.maxBatchesPerEpoch ?? totalBatches);
        // Sampled epochs (data.fractions / data.weights): ⌊N·f_e⌋ rows each, drawn without
        // replacement, uniformly or ∝ the store's scores (src/core/sampling.ts).
        const fractions = phase.data?.fractions;
        const w = phase.data?.weights;
        const sampled = fractions !== undefined || w !== undefined;
        const fractionAt = (e: number) => (fractions ? fractions[e % fractions.length]! : 1);
        let scores = w ? scoresFrom(stores.read(w.store, trainData.count, phase.name), w.order) : undefined;
        // Stores refreshed during the phase (`refreshes`): every epoch, or before steps 0, N, 2N, …
        const refreshes = phase.refreshes ?? [];
        // Fit nodes re-solved during the phase (`refits`), on the same schedule as refreshes.
        const refits = phase.refits ?? [];
        const refreshNow = async (due: (every: 'epoch' | number) => boolean, e: number, at: number) => {
          for (const r of refits)
            if (due(r.every))
              await runFitPhase(compiled, registry, { ...phase, fit: [r.node] }, trainData, rng);
          for (const r of refreshes) {
            if (!due(r.every)) continue;
            const values = await refreshStore(compiled, stores, r.store, r.from, trainData);
            if (w && r.store === w.store)
              scores = scoresFrom(stores.read(w.store, trainData.count, phase.name), w.order);
            await opts.onRefresh?.({
              phase: phase.name,
              store: r.store,
              from: r.from,
              epoch: e,
              step: at,
              values,
            });
          }
        };
        const batchesOf = (e: number) =>
          sampled
            ? Math.min(
                Math.ceil(epochRowCount(trainData.count, fractionAt(e)) / batchSize),
                opts.maxBatchesPerEpoch ?? Number.POSITIVE_INFINITY,
              )
            : batches;
        let steps = 0;
        for (let e = 0; e < phase.epochs; e++) steps += batchesOf(e);
        let step = 0;
        await opts.onPhase?.({
          phase: phase.name,
          trainSamples: trainData.count,
          batchSize,
          batches,
          ...(sampled ? { epochBatches: Array.from({ length: phase.epochs }, (_, e) => batchesOf(e)) } : {}),
        });
        for (let e = 0; e < phase.epochs; e++) {
          globalEpoch++;
          const te = performance.now();
          await refreshNow((every) => every === 'epoch', e, step);
          const order = sampled
            ? epochRows(trainData.count, rng, fractionAt(e), scores)
            : batchOrder(trainData.count, rng);
          const epochBatches = batchesOf(e);
          const sums = new HeadSums();
          const rateSums = groups.map(() => 0);
          let applied = 0;
          for (let b = 0; b < epochBatches; b++) {
            if (opts.shouldStop?.()) {
              status = 'stopped';
              break outer;
            }
            if (refreshes.length || refits.length)
              await refreshNow((every) => every !== 'epoch' && step % every === 0, e, step);
            const batchRows = order.subarray(b * batchSize, Math.min((b + 1) * batchSize, order.length));
            const idx = tf.tensor1d(batchRows, 'int32');
            // Every array (features, labels, fields) takes the same rows: multi-input models stay aligned.
            const taken = takeRows(trainData, idx);
            const rows = augment ? augment(taken, batchRows) : taken;
            const size = idx.shape[0]!;
            const progress = steps > 1 ? step / (steps - 1) : 0;
            const weights = phase.lossWeights
              ? new Map(Object.entries(phase.lossWeights).map(([id, w]) => [id, scheduleAt(w, progress)]))
              : undefined;
            const select = { ...(active ? { active } : {}), ...(weights ? { weights } : {}) };
            let packed: tf.Tensor1D | undefined;
            let layout: HeadLayout = { terms: [], metrics: [], stats: [] };
            const { value: cost, grads } = tf.variableGrads(() => {
              const outs = compiled.run(feedsFor(compiled.ir, rows), { training: true, frozen });
              const h = runHeads(
                compiled.ir,
                registry,
                outs,
                rows.y,
                trainData.numClasses,
                trainData.stats,
                select,
              );
              packed?.dispose();
              const p = packHeads(h, [predictionMagnitude(compiled, outs)]);
              packed = tf.keep(p.packed);
              layout = p.layout;
              return h.total;
            }, vars);
            const values = await packed!.data();
            tf.dispose([packed!, cost]);
            const loss = values[0]!;
            const predMax = values[values.length - 1]!;
            if (!Number.isFinite(loss) || !(predMax <= DIVERGED_MAGNITUDE)) {
              // The update is not applied, so the forward pass below sees the weights that failed.
              tf.dispose(grads);
              const nodeId = await findNonFiniteNode(
                compiled,
                registry,
                rows,
                trainData.numClasses,
                trainData.stats,
              );
              disposeRows(rows);
              idx.dispose();
              const lr = groups.map((g) => g.baseRate).join(', ');
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
            const metricAt = (id: string) => {
              const i = layout.metrics.indexOf(id);
              return i < 0 ? undefined : values[1 + layout.terms.length + i];
            };
            groups.forEach((g, i) => {
              rateSums[i] = rateSums[i]! + applyGroup(g, grads, metricAt);
            });
            applied++;
            ema?.step(progress);
            tf.dispose(grads);
            disposeRows(rows);
            idx.dispose();
            sums.add(layout, values, size);
            step++;
            await opts.onBatch?.({
              stage: phase.name,
              epoch: globalEpoch,
              batch: b + 1,
              batches: epochBatches,
              loss,
            });
          }
          const report: EpochReport = {
            stage: phase.name,
            epoch: globalEpoch,
            train: sums.result(compiled.ir, registry),
            val: valData
              ? await evaluate(compiled, registry, valData, active ? { heads: active } : {})
              : undefined,
            lr: Object.fromEntries(
              groups.map((g, i) => [g.group.id, applied ? rateSums[i]! / applied : g.baseRate]),
            ),
            ms: performance.now() - te,
            ...(sampled ? { rows: order.length } : {}),
          };
          epochs.push(report);
          await opts.onEpoch?.(report);
        }
      } finally {
        trainData.dispose();
        valData?.dispose();
      }
    }
  } finally {
    pool.dispose();
    tf.dispose([...initial.values()]);
  }
  return {
    status,
    epochs,
    ...(nonFinite ? { nonFinite } : {}),
    ms: performance.now() - t0,
    ...(training.stores?.length ? { stores: stores.snapshot() } : {}),
  };
}

/** One optimizer group's update from the batch's gradients: clipped, at its (scaled) rate, which it returns. */
function applyGroup(
  g: BoundGroup,
  grads: tf.NamedTensorMap,
  metricAt: (id: string) => number | undefined,
): number {
  const own = Object.fromEntries(g.vars.flatMap((v) => (grads[v.name] ? [[v.name, grads[v.name]!]] : [])));
  const clipped = g.group.clipNorm !== undefined ? clipByGlobalNorm(own, g.group.clipNorm) : own;
  const rate = g.baseRate * rateScale(g.group, metricAt);
  if (g.group.lrScale !== undefined) g.stepper.setLearningRate(rate);
  g.stepper.apply(clipped, g.vars);
  if (clipped !== own) tf.dispose(clipped);
  return rate;
}
