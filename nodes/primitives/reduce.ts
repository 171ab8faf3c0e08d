import { reject } from '../../src/core/diagnostics.ts';
import { defineNode } from '../../src/core/node-def.ts';
import type { Ops } from '../../src/core/ops.ts';
import { p } from '../../src/core/params.ts';
import type { Dim } from '../../src/core/tensor-type.ts';
import { formatShape, tensor } from '../../src/core/tensor-type.ts';

export const REDUCE_STATS = ['mean', 'variance', 'std', 'meanSquare', 'sum', 'max'] as const;
export const REDUCE_OVER = ['batch', 'instance', 'group', 'layer'] as const;
export type ReduceStat = (typeof REDUCE_STATS)[number];
export type ReduceOver = (typeof REDUCE_OVER)[number];

/** Statistic of x (channels last), kept broadcastable against x. */
export function reduceStat<T>(
  ops: Ops<T>,
  x: T,
  stat: ReduceStat,
  over: ReduceOver,
  groups: number,
  epsilon: number,
): T {
  const shape = ops.shape(x);
  const r = shape.length;
  const c = shape[r - 1]!;
  const spatial = Array.from({ length: r - 2 }, (_, i) => i + 1);
  let xs = x;
  let axes: number[];
  if (over === 'batch') axes = [0, ...spatial];
  else if (over === 'instance') axes = spatial;
  else if (over === 'layer') axes = [...spatial, r - 1];
  else {
    // [B, …, C] → [B, …, G, C/G]; reduce over the spatial axes and the within-group axis.
    xs = ops.reshape(x, [...shape.slice(0, -1), groups, c / groups]);
    axes = [...spatial, r];
  }
  const m = (t: T) => ops.mean(t, axes, true);
  let out: T;
  switch (stat) {
    case 'mean':
      out = m(xs);
      break;
    case 'sum':
      out = ops.sum(xs, axes, true);
      break;
    case 'max':
      out = ops.max(xs, axes, true);
      break;
    case 'meanSquare':
      out = m(ops.square(xs));
      break;
    case 'variance':
    case 'std': {
      const v = m(ops.square(ops.sub(xs, m(xs))));
      out = stat === 'variance' ? v : ops.sqrt(ops.add(v, ops.scalar(epsilon)));
    }
  }
  if (over !== 'group') return out;
  // [B, 1…, G, 1] → every channel of a group gets its group's value: [B, 1…, C].
  const spread = ops.mul(out, ops.constant(new Array<number>(c / groups).fill(1), [c / groups]));
  return ops.reshape(spread, [shape[0]!, ...spatial.map(() => 1), c]);
}

/** Output shape of reduceStat for an input shape. */
export function reduceShape(shape: readonly Dim[], over: ReduceOver): Dim[] {
  const r = shape.length;
  const ones = (n: number) => new Array<Dim>(n).fill(1);
  if (over === 'batch') return [...ones(r - 1), shape[r - 1]!];
  if (over === 'layer') return [shape[0]!, ...ones(r - 1)];
  return [shape[0]!, ...ones(r - 2), shape[r - 1]!];
}

export default defineNode({
  type: 'primitives.reduce',
  version: 1,
  kind: 'layer',
  title: 'Reduce / moments',
  docs: {
    summary:
      'A statistic (mean, variance, std, mean square, sum, max) of a channels-last tensor over the axes of a normalization family: batch (per channel, like BatchNorm), instance (per sample and channel), group (per sample and channel group, like GroupNorm) or layer (per sample). The result keeps size-1 axes so it broadcasts back against x.',
    formula:
      'batch: over (B, H, W) → [1,1,1,C];  instance: over (H, W) → [B,1,1,C];  group: over (H, W, C/G) per group → [B,1,1,C];  layer: over (H, W, C) → [B,1,1,1];  variance = mean((x − mean)²) (biased), std = √(variance + ε)',
  },
  params: {
    stat: p.enum(REDUCE_STATS, 'mean', 'Which statistic.'),
    over: p.enum(REDUCE_OVER, 'instance', 'Which axes it is taken over (normalization family).'),
    groups: p.int({ default: 1, min: 1, max: 4096, doc: 'Channel groups (over = group); must divide C.' }),
    epsilon: p.float({
      default: 1e-5,
      min: 0,
      max: 1,
      doc: 'Added to the variance before the square root (std).',
    }),
  },
  inputs: { x: { doc: 'Channels-last tensor [B, …, C] (rank ≥ 2; instance and group need rank ≥ 3).' } },
  outputs: { y: { doc: 'The statistic, with size-1 axes where reduced.' } },
  infer({ inputs, params }) {
    const x = inputs.x!;
    const r = x.shape.length;
    if (r < 2 || ((params.over === 'instance' || params.over === 'group') && r < 3))
      reject(
        'shape/rank-mismatch',
        `Reduce over ${params.over} needs ${params.over === 'batch' || params.over === 'layer' ? 'rank ≥ 2' : 'spatial axes: rank ≥ 3 ([B, …, C])'}, got ${formatShape(x.shape)}.`,
        { port: 'x' },
      );
    const c = x.shape[r - 1];
    if (params.over === 'group') {
      if (c === null || c === undefined)
        reject('shape/unknown-dim', 'Group statistics need a known channel count.', { port: 'x' });
      if ((c as number) % params.groups !== 0)
        reject('param/invalid', `groups (${params.groups}) must divide the channel count ${c}.`, {
          field: 'groups',
        });
    }
    return { y: tensor(reduceShape(x.shape, params.over)) };
  },
  paramCount: () => 0,
  lower: ({ params }) => ({
    kind: 'kernel',
    config: { stat: params.stat, over: params.over, groups: params.groups, epsilon: params.epsilon },
  }),
  kernel: {
    call: (ops, [x], _w, pr) => reduceStat(ops, x!, pr.stat, pr.over, pr.groups, pr.epsilon),
  },
  examples: [
    { inputs: { x: { shape: [2, 3, 3, 4] } } },
    { inputs: { x: { shape: [3, 2, 2, 4] } }, params: { stat: 'variance', over: 'batch' } },
    { inputs: { x: { shape: [2, 2, 2, 4] } }, params: { stat: 'std', over: 'group', groups: 2 } },
    { inputs: { x: { shape: [2, 5] } }, params: { stat: 'meanSquare', over: 'layer' } },
  ],
});

/**
 * The running-variance update BatchNorm-style layers make while training:
 * running ← m·running + (1 − m)·s²·n/(n − 1), n = the number of values per channel. n is counted
 * with tensor ops rather than read from the shape, so exported code computes it at run time for
 * any batch size.
 */
export function updatedRunningVariance<T>(
  ops: Ops<T>,
  x: T,
  batchVariance: T,
  running: T,
  momentum: number,
): T {
  const shape = ops.shape(x);
  const c = shape.at(-1)!;
  const axes = shape.slice(0, -1).map((_, i) => i);
  const n = ops.sum(ops.add(ops.mul(x, ops.scalar(0)), ops.scalar(1)), axes);
  const correction = ops.div(n, ops.maximum(ops.sub(n, ops.scalar(1)), ops.scalar(1)));
  const unbiased = ops.mul(ops.mul(ops.reshape(batchVariance, [c]), correction), ops.scalar(1 - momentum));
  return ops.add(ops.mul(running, ops.scalar(momentum)), unbiased);
}
