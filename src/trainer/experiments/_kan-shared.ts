// Helpers shared by the KAN and attention paper experiments (not an experiment: the leading `_`
// keeps discovery from listing it). Graphs are built from the template (with param overrides) or
// from small inline GraphDocs, compiled and trained with our trainer on in-memory datasets.
import * as tf from '@tensorflow/tfjs';
import { type CompiledModel, compileIR } from '../../compiler/compile.ts';
import { analyse, analyseText } from '../../core/analysis/analyse.ts';
import type { LoadedDataset, Split } from '../../core/datasets/dataset-def.ts';
import type { GraphDoc } from '../../core/doc/schema.ts';
import type { IRTraining } from '../../core/ir.ts';
import { lowerGraph } from '../../core/lower.ts';
import type { Registry } from '../../core/registry.ts';
import { type Evaluation, evaluate, type TrainOptions, toTensors, train } from '../loop.ts';

export interface Built {
  readonly compiled: CompiledModel;
  readonly training: IRTraining;
  readonly params: number;
}

/**
 * Fraction of the values node `id` outputs on the val split that lie outside [lo, hi]: for a KAN
 * layer fed by `id`, the inputs its grid does not cover (where only the SiLU base acts unless the
 * layer squashes its inputs).
 */
export function fractionOutside(b: Built, data: LoadedDataset, id: string, lo = -1, hi = 1): number {
  const input = b.compiled.ir.nodes.find((n) => n.type === 'io.input')!.id;
  return tf.tidy(() => {
    const x = tf.tensor(data.val.x, [data.val.count, ...data.binding.featureShape]);
    const h = b.compiled.run({ [input]: x }, { training: false }).get(id);
    if (!h) throw new Error(`no node '${id}'`);
    const out = tf.logicalOr(tf.less(h, lo), tf.greater(h, hi));
    return tf.mean(tf.cast(out, 'float32')).dataSync()[0]!;
  });
}

/** Analyse → lower → compile; throws with the diagnostics when the graph is broken. */
export function build(doc: GraphDoc | string, registry: Registry, seed: number): Built {
  const a = typeof doc === 'string' ? analyseText(doc, registry) : analyse(doc, registry);
  const lowered = lowerGraph(a, registry);
  if (!lowered.ir)
    throw new Error(`graph does not build: ${lowered.diagnostics.map((d) => d.message).join('; ')}`);
  return {
    compiled: compileIR(lowered.ir, registry, { seed }),
    training: lowered.ir.training!,
    params: a.totalParams,
  };
}

/** The template's doc with some nodes' params overridden (and, optionally, nodes dropped). */
export function templateWith(
  text: string,
  overrides: Readonly<Record<string, Record<string, unknown>>>,
  drop: readonly string[] = [],
): GraphDoc {
  const doc = JSON.parse(text) as GraphDoc;
  for (const [id, params] of Object.entries(overrides)) {
    const n = doc.nodes[id];
    if (!n) throw new Error(`template has no node '${id}'`);
    n.params = { ...n.params, ...params };
  }
  for (const id of drop) delete doc.nodes[id];
  doc.edges = Object.fromEntries(
    Object.entries(doc.edges).filter(([, e]) => doc.nodes[e.from.node] && doc.nodes[e.to.node]),
  );
  return doc;
}

type Chain = readonly (
  | readonly [string, Record<string, unknown>]
  | readonly [string, Record<string, unknown>, string]
)[];

/**
 * A sequential GraphDoc: input → chain → (loss, accuracy?) with the given training settings.
 * Chain entries are [type, params, group?].
 */
export function sequential(
  inputShape: readonly number[],
  chain: Chain,
  head: { loss: string; lossParams?: Record<string, unknown>; accuracy?: boolean },
  training: Record<string, unknown>,
): GraphDoc {
  const nodes: GraphDoc['nodes'] = { input: { type: 'io.input', v: 1, params: { shape: [...inputShape] } } };
  const edges: GraphDoc['edges'] = {};
  let prev = 'input';
  chain.forEach(([type, params, group], i) => {
    const id = `n${i}`;
    nodes[id] = { type, v: 1, params, ...(group ? { group } : {}) };
    edges[`e${i}`] = { from: { node: prev, port: 'y' }, to: { node: id, port: 'x' } };
    prev = id;
  });
  nodes.loss = { type: head.loss, v: 1, params: head.lossParams ?? {} };
  edges.eloss = { from: { node: prev, port: 'y' }, to: { node: 'loss', port: 'pred' } };
  if (head.accuracy) {
    nodes.accuracy = { type: 'metrics.accuracy', v: 1, params: {} };
    edges.eacc = { from: { node: prev, port: 'y' }, to: { node: 'accuracy', port: 'pred' } };
  }
  return {
    format: 'netwright.graph',
    formatVersion: 2,
    meta: { title: 'experiment model' },
    nodes,
    edges,
    training: training as GraphDoc['training'],
    layout: {},
  };
}

export interface FitResult {
  readonly val: Evaluation;
  readonly msPerStep: number;
  readonly steps: number;
  readonly status: string;
}

/** Trains (no per-epoch validation; `onBatch` runs after every step) then evaluates on the val split. */
export async function trainAndEvaluate(
  built: Built,
  registry: Registry,
  data: LoadedDataset,
  opts: { epochs?: number; batchSize?: number; seed: number; onBatch?: TrainOptions['onBatch'] },
): Promise<FitResult> {
  const batchSize = opts.batchSize ?? built.training.batchSize;
  const r = await train(built.compiled, registry, data, built.training, {
    ...(opts.epochs !== undefined ? { epochs: opts.epochs } : {}),
    ...(opts.onBatch ? { onBatch: opts.onBatch } : {}),
    batchSize,
    seed: opts.seed,
    validate: false,
  });
  const steps = r.epochs.length * Math.ceil(data.train.count / batchSize);
  const val = toTensors(data, 'val');
  const ev = await evaluate(built.compiled, registry, val);
  val.dispose();
  return { val: ev, msPerStep: r.ms / Math.max(1, steps), steps, status: r.status };
}

/** Runs `f` with a built model and disposes the model afterwards. */
export async function withModel<R>(built: Built, f: (b: Built) => Promise<R>): Promise<R> {
  try {
    return await f(built);
  } finally {
    built.compiled.dispose();
  }
}

/** Per-arm results across seeds: accuracy and ms/step per seed, parameter count. */
export interface ArmResults {
  readonly acc: Record<string, number[]>;
  readonly ms: Record<string, number[]>;
  readonly params: Record<string, number>;
}

export const armResults = (): ArmResults => ({ acc: {}, ms: {}, params: {} });

/** Builds, trains and evaluates one classifier arm for one seed, recording it in `into`. */
export async function runClassifierArm(
  into: ArmResults,
  name: string,
  doc: GraphDoc | string,
  ctx: { registry: Registry; log(line: string): void },
  data: LoadedDataset,
  opts: { seed: number; epochs: number },
): Promise<void> {
  await withModel(build(doc, ctx.registry, opts.seed), async (b) => {
    const r = await trainAndEvaluate(b, ctx.registry, data, opts);
    into.acc[name] = [...(into.acc[name] ?? []), r.val.metrics.accuracy!];
    into.ms[name] = [...(into.ms[name] ?? []), r.msPerStep];
    into.params[name] = b.params;
  });
  ctx.log(
    `seed ${opts.seed} ${name}: acc ${into.acc[name]!.at(-1)!.toFixed(4)}, ${into.ms[name]!.at(-1)!.toFixed(1)} ms/step`,
  );
}

/** Regression data from a function of a point, inputs uniform in [−1, 1]^dim. */
export function regression(
  f: (x: readonly number[]) => number,
  dim: number,
  nTrain: number,
  nVal: number,
  rand: () => number,
): LoadedDataset {
  const make = (n: number): Split => {
    const x = new Float32Array(n * dim);
    const y = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const p = Array.from({ length: dim }, () => Math.fround(2 * rand() - 1));
      x.set(p, i * dim);
      y[i] = f(p);
    }
    return { x, y, count: n };
  };
  return {
    binding: { name: 'regression', featureShape: [dim], labels: { kind: 'values', shape: [1] } },
    train: make(nTrain),
    val: make(nVal),
  };
}

export const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
export const sd = (xs: readonly number[]): number => {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, xs.length - 1));
};
/** `mean ± sd (a, b, c)` with `digits` decimals. */
export const summary = (xs: readonly number[], digits = 4): string =>
  `${mean(xs).toFixed(digits)} ± ${sd(xs).toFixed(digits)} (${xs.map((x) => x.toFixed(digits)).join(', ')})`;
