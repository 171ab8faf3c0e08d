/// <reference lib="webworker" />
// The training Worker: owns tfjs (it never enters the main bundle). Receives an IR and settings,
// loads the dataset, compiles, trains with our loop, and posts throttled progress (≤ 10 Hz).
import '../browser/zod-jitless.ts';
import * as tf from '@tensorflow/tfjs';
import { browserDatasetIO } from '../browser/dataset-io.ts';
import { browserRegistry } from '../browser/registry.ts';
import { CompileError, compileIR, outputOf } from '../compiler/compile.ts';
import { couplingSummary, mattisOverlaps, summarizeValues } from '../core/array-summary.ts';
import type { LoadedDataset } from '../core/datasets/dataset-def.ts';
import { loadDatasetSpec } from '../core/datasets/load-spec.ts';
import type { IRTraining, ModelIR } from '../core/ir.ts';
import { resolveParams } from '../core/params.ts';
import { withDefaultOptimizer } from '../core/phases.ts';
import type { Registry } from '../core/registry.ts';
import { AnalyseError, analysisToolInfos, runAnalysis } from './analyse.ts';
import { chooseBackend } from './backend-browser.ts';
import { activationCurves } from './curves.ts';
import { PhaseProgress, RunEta } from './eta.ts';
import { evaluateClassifier } from './evaluation.ts';
import type { Experiment } from './experiments/experiment.ts';
import { feedsFor, toTensors } from './feeds.ts';
import { evaluateFields } from './field-evaluation.ts';
import { activationStats, attentionMaps, edgeFunctions } from './inspect.ts';
import { type EpochReport, train } from './loop.ts';
import { loadWeightsInto, saveArtifacts } from './model-artifacts.ts';
import type {
  BackendName,
  EpochMetrics,
  FitViews,
  FromWorker,
  SavedArtifacts,
  StoreView,
  ToWorker,
  TrainSettings,
  VerifyResult,
} from './protocol.ts';

const post = (m: FromWorker) => (self as unknown as DedicatedWorkerGlobalScope).postMessage(m);

/** Paper experiments and template files, loaded only when a Verify runs. */
const EXPERIMENTS = import.meta.glob<{ default: Experiment }>([
  './experiments/*.ts',
  '!./experiments/_*.ts',
  '!./experiments/experiment.ts',
  '!./experiments/*.test.ts',
]);
const TEMPLATE_TEXTS = import.meta.glob<string>('/templates/*.graph.json', {
  query: '?raw',
  import: 'default',
});
const experimentId = (path: string) => (path.split('/').pop() ?? path).replace(/\.ts$/, '');
post({ type: 'experiments', ids: Object.keys(EXPERIMENTS).map(experimentId).sort() });
post({ type: 'analysisTools', tools: analysisToolInfos() });

async function verify(requestId: number, templateId: string): Promise<VerifyResult> {
  await ready;
  const load = Object.entries(EXPERIMENTS).find(([path]) => experimentId(path) === templateId)?.[1];
  const text = Object.entries(TEMPLATE_TEXTS).find(([path]) =>
    path.endsWith(`/${templateId}.graph.json`),
  )?.[1];
  if (!load || !text) throw new Error(`template '${templateId}' has no miniature experiment to verify`);
  const exp = (await load()).default;
  const t0 = performance.now();
  const backend = tf.getBackend();
  const r = await exp.run({
    registry: browserRegistry(),
    templateText: await text(),
    log: (line) => post({ type: 'verifyLog', requestId, line }),
    io: browserDatasetIO,
    // The Worker already runs on the best backend it found; the experiment keeps it.
    prepareBackend: async () => backend,
  });
  return {
    templateId,
    claim: exp.claim,
    criterion: exp.criterion,
    pass: r.pass,
    figures: r.figures,
    seconds: Math.round((performance.now() - t0) / 100) / 10,
    backend,
  };
}

/** Lets queued messages (Stop) in between batches without the 4 ms clamp of setTimeout. */
const channel = new MessageChannel();
const yieldToEvents = () =>
  new Promise<void>((resolve) => {
    channel.port1.onmessage = () => resolve();
    channel.port2.postMessage(0);
  });

let ready: Promise<unknown> | undefined;
let forced: BackendName | undefined;
/** Backends that failed during a run: the next choice skips them. */
const failedBackends: BackendName[] = [];

async function save(runId: number, target: 'artifacts' | 'indexeddb', name: string): Promise<void> {
  if (!lastRun) throw new Error('train (or load weights) first: there is no trained model yet');
  if (target === 'indexeddb') {
    const url = `indexeddb://netwright-${name}`;
    await lastRun.compiled.model.save(url);
    post({ type: 'saved', runId, location: url });
    return;
  }
  const artifacts = await saveArtifacts(lastRun.compiled);
  post({ type: 'saved', runId, location: 'download', artifacts });
}

/** Compiles the graph, copies the saved weights in (refusing a mismatch) and evaluates. */
async function loadWeights(
  runId: number,
  ir: ModelIR,
  settings: TrainSettings,
  artifacts: SavedArtifacts,
): Promise<void> {
  await ready;
  const registry = browserRegistry();
  const compiled = compileIR(ir, registry, { seed: settings.seed });
  try {
    loadWeightsInto(compiled, artifacts);
  } catch (e) {
    compiled.dispose();
    throw e;
  }
  const data = ir.training ? await loadData(ir, settings).catch(() => undefined) : undefined;
  lastRun?.compiled.dispose();
  lastRun = data ? { runId, compiled, data } : undefined;
  post({ type: 'weightsLoaded', runId, params: compiled.countParams() });
  if (data) await evaluateLast(runId);
  else compiled.dispose();
}

/** An error raised by the backend while training (not by the graph or the data). */
class BackendFailure extends Error {}

function init(): Promise<void> {
  return chooseBackend(failedBackends.length ? undefined : forced, failedBackends)
    .then(({ notices, ...info }) => {
      for (const n of notices) post({ type: 'notice', message: n });
      post({ type: 'ready', info });
    })
    .catch((err: Error) => post({ type: 'error', message: `No tfjs backend could start: ${err.message}` }));
}

/**
 * A backend that fails at run time (lost GPU device, out of memory) is dropped: the run stops
 * cleanly with its error, the next backend is chosen, and the UI says so.
 */
function fallBack(err: unknown): void {
  const current = tf.getBackend() as BackendName;
  if (current === 'cpu' || failedBackends.includes(current)) return;
  failedBackends.push(current);
  post({
    type: 'notice',
    message: `The ${current} backend failed during training (${(err as Error)?.message ?? err}); switching to the next backend. Press Train to run again.`,
  });
  ready = init();
}
let stopRequested = new Set<number>();
/** The model being trained and its data (activation views read it while training). */
let live: { compiled: ReturnType<typeof compileIR>; data: LoadedDataset } | undefined;
let currentRun = 0;

/** The last finished run, kept for on-demand evaluation. */
let lastRun:
  | {
      runId: number;
      compiled: ReturnType<typeof compileIR>;
      data: LoadedDataset;
      /** The last phase's own dataset and heads, when it has them: what evaluation scores. */
      last?: { data: LoadedDataset; heads?: ReadonlySet<string> };
      /** The per-sample stores the run refreshed, by name ([rows × width]). */
      stores?: ReadonlyMap<string, Float32Array>;
    }
  | undefined;

function loadData(ir: ModelIR, settings: TrainSettings): Promise<LoadedDataset> {
  return loadDatasetSpec(ir.training!.dataset, settings.seed, browserDatasetIO);
}

/** What the Train panel's epoch table shows besides loss and accuracy: every metric, per-label scores. */
function epochTable(r: EpochReport): Pick<EpochMetrics, 'metrics' | 'valMetrics' | 'perLabel'> {
  const perLabel = r.val?.perLabel ?? r.train.perLabel;
  return {
    ...(Object.keys(r.train.metrics).length ? { metrics: r.train.metrics } : {}),
    ...(r.val && Object.keys(r.val.metrics).length ? { valMetrics: r.val.metrics } : {}),
    ...(perLabel ? { perLabel } : {}),
  };
}

async function evaluateLast(runId: number): Promise<void> {
  if (!lastRun || lastRun.runId !== runId) return;
  const { last } = lastRun;
  const evaluation = await evaluateClassifier(
    lastRun.compiled,
    last?.data ?? lastRun.data,
    last?.heads ? { heads: last.heads } : {},
  );
  if (evaluation) post({ type: 'evaluation', runId, evaluation });
  const fields = await evaluateFields(lastRun.compiled, lastRun.data);
  if (fields) post({ type: 'fieldEvaluation', runId, evaluation: fields });
}

/** The graph's optimizer, or the one the Train panel picked (with its defaults), and the panel's learning rate. */
function optimizerFor(t: IRTraining, settings: TrainSettings, registry: Registry): IRTraining['optimizer'] {
  const def =
    settings.optimizer && settings.optimizer !== t.optimizer.type
      ? registry.get(settings.optimizer)
      : undefined;
  if (settings.optimizer && settings.optimizer !== t.optimizer.type && !def?.optimizer)
    throw new Error(`unknown optimizer '${settings.optimizer}'`);
  const base = def?.optimizer
    ? { type: def.type, config: def.optimizer.config(resolveParams(def.params, {}).values) }
    : t.optimizer;
  return settings.learningRate === undefined
    ? base
    : { ...base, config: { ...base.config, learningRate: settings.learningRate } };
}

async function run(
  runId: number,
  ir: ModelIR,
  settings: TrainSettings,
  uploaded?: LoadedDataset,
): Promise<void> {
  await ready;
  const registry = browserRegistry();
  if (!ir.training) throw new Error('the graph has no training settings (dataset, optimizer)');
  const data = uploaded ?? (await loadData(ir, settings));
  const optimizer = optimizerFor(ir.training, settings, registry);
  const training: IRTraining = {
    ...ir.training,
    batchSize: settings.batchSize,
    seed: settings.seed,
    optimizer,
    phases: withDefaultOptimizer(ir.training.phases, optimizer),
  };
  const compiled = compileIR(ir, registry, { seed: settings.seed });
  post({ type: 'started', runId, params: compiled.countParams(), trainSamples: data.train.count });
  live = { compiled, data };
  const postCurves = async () => {
    const curves = await activationCurves(compiled);
    if (Object.keys(curves).length) post({ type: 'curves', runId, curves });
  };
  await postCurves();
  let lastCurves = performance.now();
  const accIds = ir.metrics.filter((m) => m.type === 'metrics.accuracy').map((m) => m.id);
  const acc = (m: Readonly<Record<string, number>>) => accIds.map((id) => m[id]).find((v) => v !== undefined);
  // The panel's epochs set a one-phase procedure; a graph with several phases keeps its own.
  const onePhase = training.phases.length === 1;
  const totalEpochs = onePhase ? settings.epochs : training.phases.reduce((s, p) => s + p.epochs, 0);
  const batches = new PhaseProgress(onePhase ? [settings.epochs] : training.phases.map((p) => p.epochs));
  let lastPost = 0;
  const validates = data.val.count > 0;
  let eta: RunEta | undefined;
  try {
    let phaseData: LoadedDataset | undefined;
    const result = await train(compiled, registry, data, training, {
      ...(onePhase ? { epochs: settings.epochs } : {}),
      ...(settings.maxBatchesPerEpoch !== undefined
        ? { maxBatchesPerEpoch: settings.maxBatchesPerEpoch }
        : {}),
      loadDataset: async (spec) => {
        phaseData = await loadDatasetSpec(spec, settings.seed, browserDatasetIO);
        return phaseData;
      },
      shouldStop: () => stopRequested.has(runId) || runId !== currentRun,
      onPhase: (p) => {
        batches.startPhase(p.batches, p.epochBatches);
        eta?.setTotalBatches(batches.total());
        post({ type: 'phase', runId, phase: p.phase, trainSamples: p.trainSamples, batches: p.batches });
      },
      onBatch: async (b) => {
        const now = performance.now();
        const done = batches.done(b.batch);
        eta ??= new RunEta(batches.total(), totalEpochs, validates);
        eta.batch(now, done);
        if (now - lastPost >= 100 || b.batch === b.batches) {
          lastPost = now;
          const seconds = eta.seconds();
          post({
            type: 'batch',
            runId,
            epoch: b.epoch,
            batch: b.batch,
            batches: b.batches,
            done,
            total: batches.total(),
            loss: b.loss,
            ...(seconds !== undefined ? { eta: seconds } : {}),
            validating: validates && b.batch === b.batches,
            tensors: tf.memory().numTensors,
          });
        }
        // Learnable activations move while training: redraw them about once a second.
        if (now - lastCurves >= 1000) {
          lastCurves = now;
          await postCurves();
        }
        await yieldToEvents();
      },
      onEpoch: async (r) => {
        batches.endEpoch();
        eta?.epoch(performance.now());
        const a = acc(r.train.metrics);
        const va = r.val ? acc(r.val.metrics) : undefined;
        post({
          type: 'epoch',
          runId,
          tensors: tf.memory().numTensors,
          metrics: {
            epoch: r.epoch,
            stage: r.stage,
            loss: r.train.loss,
            ms: r.ms,
            ...(a !== undefined ? { accuracy: a } : {}),
            ...(r.val ? { valLoss: r.val.loss } : {}),
            ...(va !== undefined ? { valAccuracy: va } : {}),
            ...epochTable(r),
            lr: r.lr,
          },
        });
        lastCurves = performance.now();
        await postCurves();
      },
    });
    post({
      type: 'done',
      runId,
      status: result.status,
      epochs: result.epochs.length,
      ms: result.ms,
      ...(result.nonFinite ? { nodeId: result.nonFinite.nodeId, message: result.nonFinite.message } : {}),
    });
    lastRun?.compiled.dispose();
    // A last phase on its own dataset (a new head after transfer) is what the run ends with.
    const final = training.phases.at(-1);
    const last =
      final?.data?.dataset && phaseData
        ? { data: phaseData, ...(final.heads ? { heads: new Set(final.heads) } : {}) }
        : undefined;
    lastRun = {
      runId,
      compiled,
      data,
      ...(last ? { last } : {}),
      ...(result.stores ? { stores: result.stores } : {}),
    };
    if (result.status === 'done' || result.status === 'stopped') await evaluateLast(runId);
  } catch (e) {
    compiled.dispose();
    // The graph compiled and the data loaded: a failure now is the backend's (lost device, OOM).
    throw new BackendFailure((e as Error)?.message ?? String(e));
  } finally {
    if (live?.compiled === compiled) live = undefined;
    stopRequested.delete(runId);
  }
}

/** Histogram bins of a store view. */
const STORE_BINS = 24;

/** The last run's per-sample stores (training.stores), each summarised or with why it has no values. */
function storeViews(): StoreView[] {
  if (!lastRun) throw new Error('stores: train the model first: there is no run yet');
  const defs = lastRun.compiled.ir.training?.stores ?? [];
  if (!defs.length) throw new Error('stores: the graph declares no per-sample stores (training.stores)');
  return defs.map((d) => {
    const v = lastRun!.stores?.get(d.name);
    const base = { name: d.name, width: d.width };
    if (!v || v.length === 0)
      return {
        ...base,
        error: `store '${d.name}' was not refreshed in the last run (it holds its init value ${d.init}); add or run a refresh phase that writes it.`,
      };
    return { ...base, rows: v.length / d.width, summary: summarizeValues(v, STORE_BINS) };
  });
}

/** Heat map cells of a fitted coupling matrix. */
const COUPLING_CELLS = 64;

/**
 * Runs only the graph's fit phases (closed-form weights, no gradient) on a fresh model, then
 * summarises each fitted node's square 2-D weights and, when the graph has a metrics.mattisOverlap
 * node, the Mattis overlaps of its pred with each validation row's patterns. The fitted model
 * becomes the last run (inspector views read it).
 */
async function fitViews(runId: number, ir: ModelIR, settings: TrainSettings): Promise<FitViews> {
  await ready;
  const t = ir.training;
  if (!t) throw new Error('fit: the graph has no training settings (dataset, phases)');
  const phases = t.phases.filter((p) => p.kind === 'fit');
  if (!phases.length)
    throw new Error("fit: the graph has no fit phase (a training phase of kind 'fit'); press Train instead");
  const t0 = performance.now();
  const registry = browserRegistry();
  const data = await loadData(ir, settings);
  const compiled = compileIR(ir, registry, { seed: settings.seed });
  try {
    const result = await train(compiled, registry, data, { ...t, seed: settings.seed, phases }, {});
    if (result.status !== 'done') throw new Error(`fit: the fit phases ended '${result.status}'`);
    const couplings: { nodeId: string; weight: string; summary: ReturnType<typeof couplingSummary> }[] = [];
    for (const id of new Set(phases.flatMap((p) => p.fit ?? []))) {
      for (const w of compiled.layers.get(id)?.weights ?? []) {
        const [r, c] = w.shape;
        if (w.shape.length !== 2 || r !== c || !r) continue;
        const values = (await w.read().data()) as Float32Array;
        couplings.push({
          nodeId: id,
          weight: w.originalName.split('/').at(-1)!,
          summary: couplingSummary(values, r, COUPLING_CELLS),
        });
      }
    }
    const metric = ir.metrics.find((m) => m.type === 'metrics.mattisOverlap');
    let overlaps: FitViews['overlaps'];
    if (metric && data.val.count > 0) {
      const at = (name: string, i: number) =>
        metric.inputs[metric.ports?.indexOf(name) ?? -1] ?? metric.inputs[i];
      const predRef = at('pred', 0);
      const targetRef = at('target', 1);
      if (!predRef || !targetRef || !('node' in predRef) || !('node' in targetRef))
        throw new Error(`fit: metric '${metric.id}' needs pred and target inputs from nodes`);
      const rows = toTensors(data, 'val');
      try {
        const [pred, target] = tf.tidy(() => {
          const feeds = feedsFor(compiled.ir, rows);
          const outs = compiled.run(feeds, { training: false });
          const get = (ref: { node: string; port: string }) => outputOf(outs, ref) ?? feeds[ref.node];
          const p = get(predRef);
          const q = get(targetRef);
          if (!p || !q) throw new Error(`fit: metric '${metric.id}' inputs were not computed`);
          return [tf.cast(p, 'float32'), tf.cast(q, 'float32')];
        });
        const n = pred!.shape.slice(1).reduce((a, b) => a * b, 1);
        const k = target!.size / (rows.count * n);
        const sv = (await pred!.data()) as Float32Array;
        const pv = (await target!.data()) as Float32Array;
        tf.dispose([pred!, target!]);
        if (!Number.isInteger(k) || k < 1)
          throw new Error(
            `fit: metric '${metric.id}': target is not [rows, K, N] patterns of the pred's N = ${n}`,
          );
        overlaps = { metric: metric.id, rows: rows.count, ...mattisOverlaps(sv, pv, rows.count, k, n) };
      } finally {
        rows.dispose();
      }
    }
    lastRun?.compiled.dispose();
    lastRun = { runId, compiled, data };
    return { couplings, ...(overlaps ? { overlaps } : {}), ms: Math.round(performance.now() - t0) };
  } catch (e) {
    compiled.dispose();
    throw e;
  }
}

self.onmessage = (e: MessageEvent<ToWorker>) => {
  const msg = e.data;
  switch (msg.type) {
    case 'init':
      forced = msg.backend;
      ready = init();
      return;
    case 'stop':
      stopRequested.add(msg.runId);
      return;
    case 'save':
      save(msg.runId, msg.target, msg.name).catch((err: Error) =>
        post({ type: 'error', runId: msg.runId, message: `Saving failed: ${err.message}` }),
      );
      return;
    case 'loadWeights':
      currentRun = msg.runId;
      loadWeights(msg.runId, msg.ir, msg.settings, msg.artifacts).catch((err: Error) =>
        post({ type: 'error', runId: msg.runId, message: `Loading weights failed: ${err.message}` }),
      );
      return;
    case 'verify': {
      const { requestId, templateId } = msg;
      verify(requestId, templateId).then(
        (result) => post({ type: 'verified', requestId, result }),
        (err: Error) => post({ type: 'verified', requestId, error: err?.message ?? String(err) }),
      );
      return;
    }
    case 'inspect': {
      const { requestId, nodeId, what, sample, port } = msg;
      // Activations: the model in training when there is one (views refresh while it trains).
      const model = what === 'activations' ? (live ?? lastRun) : lastRun;
      const job = model
        ? what === 'activations'
          ? activationStats(model.compiled, model.data, nodeId, sample ?? 0, port)
          : what === 'edges'
            ? edgeFunctions(model.compiled, nodeId)
            : attentionMaps(model.compiled, model.data, nodeId, sample ?? 0)
        : Promise.reject(new Error('train the model first: there is no trained model yet'));
      job.then(
        (result) => post({ type: 'inspection', requestId, result }),
        (err: Error) => post({ type: 'inspection', requestId, error: err.message }),
      );
      return;
    }
    case 'fitViews': {
      const { requestId } = msg;
      // The fitted model replaces the last run (the inspector reads it next); its id is not a run's.
      fitViews(-requestId, msg.ir, msg.settings).then(
        (result) => post({ type: 'fitViewsResult', requestId, result }),
        (err: Error) => post({ type: 'fitViewsResult', requestId, error: err?.message ?? String(err) }),
      );
      return;
    }
    case 'stores': {
      const { requestId } = msg;
      try {
        post({ type: 'storeViews', requestId, result: storeViews() });
      } catch (err) {
        post({ type: 'storeViews', requestId, error: (err as Error)?.message ?? String(err) });
      }
      return;
    }
    case 'analyse': {
      const { type: _, requestId, ...req } = msg;
      const job = lastRun
        ? (ready ?? Promise.resolve()).then(() =>
            runAnalysis(
              lastRun!.compiled,
              lastRun!.last?.data ?? lastRun!.data,
              req,
              undefined,
              async (view) => {
                (self as unknown as DedicatedWorkerGlobalScope).postMessage(
                  { type: 'analysisFrame', requestId, view } satisfies FromWorker,
                  view.kind === 'images' ? view.images.map((a) => a.buffer as ArrayBuffer) : [],
                );
                // Yield a macrotask so the frame leaves before the next sampler steps run.
                await new Promise((r) => setTimeout(r, 0));
              },
            ),
          )
        : Promise.reject(
            new AnalyseError('analyse/model: train the model first: there is no trained model yet'),
          );
      job.then(
        ({ reply, transfer }) =>
          (self as unknown as DedicatedWorkerGlobalScope).postMessage(
            { type: 'analysis', requestId, result: reply } satisfies FromWorker,
            transfer,
          ),
        (err: unknown) =>
          post({
            type: 'analysis',
            requestId,
            error: (err as Error)?.message ?? String(err),
            ...(err instanceof AnalyseError && err.nodeId ? { nodeId: err.nodeId } : {}),
          }),
      );
      return;
    }
    case 'evaluate':
      evaluateLast(msg.runId).catch((err: Error) =>
        post({ type: 'error', runId: msg.runId, message: err.message }),
      );
      return;
    case 'train':
      currentRun = msg.runId;
      stopRequested = new Set([...stopRequested].filter((id) => id === msg.runId));
      run(msg.runId, msg.ir, msg.settings, msg.data).catch((err: unknown) => {
        const nodeId = err instanceof CompileError ? err.nodeId : undefined;
        if (err instanceof BackendFailure) fallBack(err);
        post({
          type: 'error',
          runId: msg.runId,
          message: (err as Error)?.message ?? String(err),
          ...(nodeId ? { nodeId } : {}),
        });
      });
      return;
  }
};
