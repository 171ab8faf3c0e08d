// Loss and metric nodes on one batch, and their sums over a split. A head reads its inputs by port
// name (model outputs or dataset labels); a whole-split metric returns per-batch sums that are
// added over the split and finalised once (so F1 or ECE equal their brute-force value, not a mean
// of per-batch values).
import * as tf from '@tensorflow/tfjs';
import { outputOf } from '../compiler/compile.ts';
import { tfOps } from '../compiler/tf-ops.ts';
import type { IRNode, IRRef, ModelIR } from '../core/ir.ts';
import type { DataStats, HeadContext, HeadFn } from '../core/node-def.ts';
import type { Registry } from '../core/registry.ts';

export interface HeadValues {
  readonly total: tf.Scalar;
  /** Per loss node (unweighted). */
  readonly terms: Map<string, tf.Scalar>;
  /** Per batch-mean metric node. */
  readonly metrics: Map<string, tf.Scalar>;
  /** Per whole-split metric node: its per-batch sums (1-D). */
  readonly stats: Map<string, tf.Tensor>;
}

function labelsFor(ref: Extract<IRRef, { labels: unknown }>, y: tf.Tensor, numClasses: number | undefined) {
  if (ref.labels === 'onehot') return tf.cast(tf.oneHot(y as tf.Tensor1D, numClasses!), 'float32');
  return y;
}

/** A head node's inputs by port name; IR without `ports` is (pred, target). */
export function headInputs<T>(node: IRNode, resolve: (r: IRRef) => T): Record<string, T> {
  const names = node.ports ?? ['pred', 'target'];
  return Object.fromEntries(node.inputs.map((r, i) => [names[i]!, resolve(r)]));
}

/** Runs a head's function on its named inputs (`call` for n-ary heads, else fn(pred, target)). */
export function callHead<T>(
  head: HeadFn<never>,
  ops: Parameters<HeadFn<never>['fn']>[0],
  inputs: Record<string, T>,
  config: unknown,
  ctx: HeadContext<T> = {},
): T {
  const params = config as never;
  if (head.stats && !ctx.stats)
    throw new Error('this head needs label statistics, and the dataset has no class or multi-label labels');
  return head.call
    ? head.call(ops as never, inputs, params, ctx as never)
    : (head.fn(ops as never, inputs.pred!, inputs.target!, params) as T);
}

/** A phase's view of the heads: which run (all when absent) and loss weights replacing the nodes'. */
export interface HeadSelection {
  readonly active?: ReadonlySet<string>;
  readonly weights?: ReadonlyMap<string, number>;
}

/** Evaluates every (active) loss and metric node on one batch's node outputs. */
export function runHeads(
  ir: ModelIR,
  registry: Registry,
  outs: Map<string, tf.Tensor>,
  y: tf.Tensor,
  numClasses: number | undefined,
  dataStats?: DataStats<tf.Tensor>,
  select: HeadSelection = {},
): HeadValues {
  const ctx: HeadContext<tf.Tensor> = dataStats ? { stats: dataStats } : {};
  const on = (n: IRNode) => !select.active || select.active.has(n.id);
  const resolve = (r: IRRef): tf.Tensor => ('node' in r ? outputOf(outs, r)! : labelsFor(r, y, numClasses));
  const config = (n: IRNode) => (n.op.kind === 'loss' || n.op.kind === 'metric' ? n.op.config : {});
  const terms = new Map<string, tf.Scalar>();
  let total: tf.Scalar = tf.scalar(0);
  for (const n of ir.losses) {
    if (!on(n)) continue;
    const v = callHead(
      registry.get(n.type)!.loss!,
      tfOps,
      headInputs(n, resolve),
      config(n),
      ctx,
    ) as tf.Scalar;
    terms.set(n.id, v);
    const w = select.weights?.get(n.id) ?? (n.op.kind === 'loss' ? n.op.weight : 1);
    total = tf.add(total, w === 1 ? v : tf.mul(v, w));
  }
  const metrics = new Map<string, tf.Scalar>();
  const stats = new Map<string, tf.Tensor>();
  for (const n of ir.metrics) {
    if (!on(n)) continue;
    const head = registry.get(n.type)!.metric!;
    const inputs = headInputs(n, resolve);
    if (head.split) stats.set(n.id, tf.reshape(head.split.stats(tfOps, inputs, config(n) as never), [-1]));
    else metrics.set(n.id, callHead(head, tfOps, inputs, config(n), ctx) as tf.Scalar);
  }
  return { total, terms, metrics, stats };
}

/** Where each head's values sit in the packed vector `pack` returns. */
export interface HeadLayout {
  readonly terms: readonly string[];
  readonly metrics: readonly string[];
  readonly stats: readonly (readonly [string, number])[];
}

/**
 * Every head value of a batch in one 1-D tensor (one async read): [total, terms…, metrics…,
 * stats…, extra…]. Tensors are cloned, so the result outlives `h` (dispose it after reading).
 */
export function packHeads(
  h: HeadValues,
  extra: readonly tf.Scalar[] = [],
): { packed: tf.Tensor1D; layout: HeadLayout } {
  const scalars = [h.total, ...h.terms.values(), ...h.metrics.values()];
  const packed = tf.concat([
    tf.stack(scalars),
    ...h.stats.values(),
    ...(extra.length ? [tf.stack([...extra])] : []),
  ]) as tf.Tensor1D;
  return {
    packed,
    layout: {
      terms: [...h.terms.keys()],
      metrics: [...h.metrics.keys()],
      stats: [...h.stats].map(([k, t]) => [k, t.size] as const),
    },
  };
}

/** Sums of head values over the batches of a split, weighted by batch size; stats summed raw. */
export class HeadSums {
  private loss = 0;
  private n = 0;
  private readonly terms = new Map<string, number>();
  private readonly metrics = new Map<string, number>();
  private readonly stats = new Map<string, number[]>();

  add(layout: HeadLayout, values: ArrayLike<number>, size: number): void {
    this.loss += values[0]! * size;
    this.n += size;
    let i = 1;
    for (const k of layout.terms) this.terms.set(k, (this.terms.get(k) ?? 0) + values[i++]! * size);
    for (const k of layout.metrics) this.metrics.set(k, (this.metrics.get(k) ?? 0) + values[i++]! * size);
    for (const [k, len] of layout.stats) {
      const acc = this.stats.get(k) ?? new Array<number>(len).fill(0);
      for (let j = 0; j < len; j++) acc[j]! += values[i++]!;
      this.stats.set(k, acc);
    }
  }

  /** Means of the losses and batch metrics; whole-split metrics finalised from their sums. */
  result(
    ir: ModelIR,
    registry: Registry,
  ): {
    loss: number;
    terms: Record<string, number>;
    metrics: Record<string, number>;
    perLabel?: Record<string, number[]>;
  } {
    const n = Math.max(1, this.n);
    const avg = (m: Map<string, number>) => Object.fromEntries([...m].map(([k, v]) => [k, v / n]));
    const metrics = avg(this.metrics);
    const perLabel: Record<string, number[]> = {};
    for (const node of ir.metrics) {
      const sums = this.stats.get(node.id);
      const split = registry.get(node.type)?.metric?.split;
      const params = (node.op.kind === 'metric' ? node.op.config : {}) as never;
      if (sums && split) metrics[node.id] = split.finalize(sums, params);
      if (sums && split?.perLabel) perLabel[node.id] = split.perLabel(sums, params);
    }
    // Keep the IR's metric order (batch-mean and whole-split metrics interleave there).
    const ordered = Object.fromEntries(
      ir.metrics.filter((m) => m.id in metrics).map((m) => [m.id, metrics[m.id]!]),
    );
    return {
      loss: this.loss / n,
      terms: avg(this.terms),
      metrics: ordered,
      ...(Object.keys(perLabel).length ? { perLabel } : {}),
    };
  }
}
