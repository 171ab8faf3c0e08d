import * as tf from '@tensorflow/tfjs';
import { CompileError, compileIR } from '../../compiler/compile.ts';
import { loadBinding } from '../../core/datasets/binding.ts';
import { loadDatasetSpec } from '../../core/datasets/load-spec.ts';
import { lowerGraph } from '../../core/lower.ts';
import { createRng } from '../../core/rng.ts';
import { nodeDatasetIO } from '../../node/dataset-io.ts';
import { saveModel } from '../../node/model-io.ts';
import {
  BackendError,
  NODE_BACKENDS,
  type NodeBackend,
  selectNodeBackend,
} from '../../trainer/backend-node.ts';
import { evaluateExtraSplits } from '../../trainer/extra-splits.ts';
import { type EpochReport, train } from '../../trainer/loop.ts';
import { checkFlags, intFlag, type ParsedArgs, UsageError } from '../args.ts';
import type { CliContext } from '../context.ts';
import { analyseSource, CliError, isUnreadable, readGraphSource } from '../load-graph.ts';
import { makeProgress, progressLine } from '../progress.ts';
import { formatDiagnostic } from '../summary.ts';

export const trainHelp = `netwright train <graph.json|template-id> [--epochs N] [--backend cpu|wasm] [--seed S] [--batch-size N] [--save DIR] [--json]
  Trains on the graph's dataset (progress bar on a TTY); each epoch line lists the graph's metrics
  (the first accuracy as "accuracy", the others by node id). With --json, one JSON line per epoch
  ({"epoch", "loss", "accuracy", "valLoss", "valAccuracy", "metrics", "valMetrics", "ms"}) and a
  last line {"final": {"loss", "accuracy", "valAccuracy", "splits"?, "backend", "epochs", "ms"}}; the
  dataset binding's subsets and evalSplits are evaluated after training ("split <name>: …" lines). --save DIR writes
  the trained model as tfjs artifacts DIR/model.json + DIR/weights.bin (tf.loadLayersModel reads them).
  --epochs N: a graph with one phase trains N epochs; several phases are scaled to N in all, keeping
  their proportions (each at least 1). A phase with its own dataset loads it with the same seed.`;

/** The first accuracy metric's value, if the graph has one. */
function accuracyOf(metrics: Readonly<Record<string, number>>, ids: readonly string[]): number | undefined {
  for (const id of ids) if (metrics[id] !== undefined) return metrics[id];
  return undefined;
}

const round = (x: number | undefined, d = 4) =>
  x === undefined ? undefined : Math.round(x * 10 ** d) / 10 ** d;

export async function trainCommand(args: ParsedArgs, ctx: CliContext): Promise<number> {
  checkFlags(args, ['epochs', 'backend', 'seed', 'json', 'batch-size', 'max-batches', 'save']);
  const json = args.flags.has('json');
  const backendArg = args.flags.get('backend') ?? 'cpu';
  if (backendArg === true || !(NODE_BACKENDS as readonly string[]).includes(backendArg))
    throw new UsageError(`--backend must be one of ${NODE_BACKENDS.join(', ')}`);
  const epochs = intFlag(args, 'epochs', 1, 10_000);
  const seed = intFlag(args, 'seed', 0, 2 ** 31);
  const batchSize = intFlag(args, 'batch-size', 1, 65_536);
  const maxBatches = intFlag(args, 'max-batches', 1, 1e9);
  const saveDir = args.flags.get('save');
  if (saveDir === true || saveDir === '') throw new UsageError('--save needs a folder');

  const src = readGraphSource(args.positionals[0]);
  const registry = await ctx.registry();
  const a = analyseSource(src, registry);
  if (!a.ok) {
    for (const d of a.diagnostics) ctx.err(`${src.source}: ${formatDiagnostic(d)}`);
    throw new CliError(
      `${src.source}: the graph has errors; fix them (see above) before training.`,
      isUnreadable(a) ? 2 : 1,
    );
  }
  const lowered = lowerGraph(a, registry);
  if (!lowered.ir) throw new CliError(lowered.diagnostics.map((d) => d.message).join('\n'), 1);
  const ir = lowered.ir;
  if (!ir.training)
    throw new CliError(
      `${src.source}: the graph has no "training" section (dataset, optimizer); add one to train it.`,
      1,
    );

  let backend: string;
  try {
    backend = await selectNodeBackend(backendArg as NodeBackend);
  } catch (e) {
    if (e instanceof BackendError) throw new CliError(e.message, 1);
    throw e;
  }
  const runSeed = seed ?? ir.training.seed;
  const data = await loadBinding(ir.training.dataset, createRng(runSeed), nodeDatasetIO);

  let compiled: ReturnType<typeof compileIR>;
  try {
    compiled = compileIR(ir, registry, { seed: runSeed });
  } catch (e) {
    if (e instanceof CompileError) throw new CliError(`node '${e.nodeId}': ${e.message}`, 1);
    throw e;
  }
  const accIds = ir.metrics.filter((m) => m.type === 'metrics.accuracy').map((m) => m.id);
  // Every other metric (top-k, whole-split F1/Dice/ECE, …) by node id, train then val.
  const otherIds = ir.metrics.filter((m) => m.id !== accIds[0]).map((m) => m.id);
  const pick = (metrics: Readonly<Record<string, number>>) =>
    Object.fromEntries(otherIds.filter((id) => id in metrics).map((id) => [id, round(metrics[id]!)]));
  const listed = (prefix: string, metrics: Readonly<Record<string, number>>) =>
    otherIds
      .filter((id) => id in metrics)
      .map((id) => `  ${prefix}${id} ${metrics[id]!.toFixed(4)}`)
      .join('');
  const progress = makeProgress(process.stderr, ctx.isTTY && !json);
  const t0 = performance.now();
  const reportEpoch = (r: EpochReport) => {
    const acc = accuracyOf(r.train.metrics, accIds);
    const valAcc = r.val ? accuracyOf(r.val.metrics, accIds) : undefined;
    if (json) {
      ctx.out(
        JSON.stringify({
          epoch: r.epoch,
          stage: r.stage,
          loss: round(r.train.loss),
          ...(acc !== undefined ? { accuracy: round(acc) } : {}),
          ...(r.val ? { valLoss: round(r.val.loss) } : {}),
          ...(valAcc !== undefined ? { valAccuracy: round(valAcc) } : {}),
          ...(otherIds.length ? { metrics: pick(r.train.metrics) } : {}),
          ...(otherIds.length && r.val ? { valMetrics: pick(r.val.metrics) } : {}),
          ms: Math.round(r.ms),
        }),
      );
    } else {
      progress.done();
      ctx.out(
        `epoch ${r.epoch} (${r.stage}): loss ${r.train.loss.toFixed(4)}${acc !== undefined ? `  accuracy ${acc.toFixed(4)}` : ''}${r.val ? `  val loss ${r.val.loss.toFixed(4)}` : ''}${valAcc !== undefined ? `  val accuracy ${valAcc.toFixed(4)}` : ''}${listed('', r.train.metrics)}${r.val ? listed('val ', r.val.metrics) : ''}  (${(r.ms / 1000).toFixed(1)} s)`,
      );
    }
  };
  const result = await train(compiled, registry, data, ir.training, {
    loadDataset: (spec) => loadDatasetSpec(spec, runSeed, nodeDatasetIO),
    ...(epochs !== undefined ? { epochs } : {}),
    ...(batchSize !== undefined ? { batchSize } : {}),
    ...(maxBatches !== undefined ? { maxBatchesPerEpoch: maxBatches } : {}),
    seed: runSeed,
    onBatch: (b) =>
      progress.update(
        progressLine(
          `epoch ${b.epoch}`,
          b.batch,
          b.batches,
          `loss ${b.loss.toFixed(4)}  ${((performance.now() - t0) / 1000).toFixed(0)} s`,
        ),
      ),
    onEpoch: reportEpoch,
  });
  progress.done();
  // The binding's subsets and evalSplits, each on its own (one line each, or `splits` in JSON).
  const splits = await evaluateExtraSplits(compiled, registry, data);
  const splitFigures = Object.fromEntries(
    Object.entries(splits).map(([name, e]) => [
      name,
      {
        rows: e.count,
        loss: round(e.loss),
        ...(accuracyOf(e.metrics, accIds) !== undefined
          ? { accuracy: round(accuracyOf(e.metrics, accIds)) }
          : {}),
        ...(otherIds.length ? { metrics: pick(e.metrics) } : {}),
      },
    ]),
  );
  if (!json)
    for (const [name, e] of Object.entries(splits)) {
      const acc = accuracyOf(e.metrics, accIds);
      ctx.out(
        `split ${name} (${e.count} rows): loss ${e.loss.toFixed(4)}${acc !== undefined ? `  accuracy ${acc.toFixed(4)}` : ''}${listed('', e.metrics)}`,
      );
    }
  let saved: string | undefined;
  if (saveDir !== undefined) {
    try {
      saved = (await saveModel(compiled.model, saveDir)).modelPath;
    } catch (e) {
      compiled.dispose();
      throw new CliError(`--save ${saveDir}: cannot write the model (${(e as Error).message}).`, 1);
    }
  }
  compiled.dispose();
  const last = result.epochs.at(-1);
  const final = {
    status: result.status,
    loss: round(last?.train.loss),
    accuracy: last ? round(accuracyOf(last.train.metrics, accIds)) : undefined,
    valLoss: round(last?.val?.loss),
    valAccuracy: last?.val ? round(accuracyOf(last.val.metrics, accIds)) : undefined,
    backend,
    epochs: result.epochs.length,
    ms: Math.round(result.ms),
    ...(result.nonFinite ? { nodeId: result.nonFinite.nodeId } : {}),
    ...(Object.keys(splitFigures).length ? { splits: splitFigures } : {}),
    tensors: tf.memory().numTensors,
    ...(saved !== undefined ? { saved } : {}),
  };
  if (json) ctx.out(JSON.stringify({ final }));
  else {
    ctx.out(`done: ${result.epochs.length} epoch(s) on ${backend} in ${(result.ms / 1000).toFixed(1)} s`);
    if (saved !== undefined) ctx.out(`saved: ${saved} + weights.bin`);
  }
  if (result.nonFinite) {
    ctx.err(`${src.source}: ${result.nonFinite.message}`);
    return 1;
  }
  return 0;
}
