import { reject } from '../../src/core/diagnostics.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { formatShape, tensor } from '../../src/core/tensor-type.ts';
import { anchor } from './_shared.ts';
import { reduceShape, reduceStat, updatedRunningVariance } from './reduce.ts';

/** [C] → [1, …, 1, C] for a rank-r input. */
const channelShape = (r: number, c: number): number[] => [...new Array<number>(r - 1).fill(1), c];

export default defineNode({
  type: 'primitives.runningVariance',
  version: 1,
  kind: 'layer',
  title: 'Running variance',
  docs: {
    summary:
      "The per-channel batch variance while training, and a running average of it at inference (BatchNorm's moving variance, as a primitive): what EvoNorm-B0's batch statistic needs to be drawn from primitives.",
    formula:
      'training: y = s²_{b,h,w}(x) (biased) → [1, …, 1, C], and running ← m·running + (1 − m)·s²·n/(n − 1), n = B·H·W;  inference: y = running;  1 non-trainable weight per channel (init 1)',
    paper: {
      title: 'Batch Normalization: Accelerating Deep Network Training by Reducing Internal Covariate Shift',
      authors: 'Sergey Ioffe, Christian Szegedy',
      year: 2015,
      arxiv: '1502.03167',
    },
  },
  params: {
    momentum: p.float({
      default: 0.9,
      min: 0,
      max: 1,
      step: 0.01,
      doc: 'Weight of the old running value in each update (tfjs convention).',
    }),
  },
  inputs: { x: { doc: 'Channels-last tensor [B, …, C].' } },
  outputs: { y: { doc: '[1, …, 1, C]' } },
  infer({ inputs }) {
    const x = inputs.x!;
    const c = x.shape.at(-1);
    if (x.shape.length < 2 || c === null || c === undefined)
      reject(
        'shape/rank-mismatch',
        `Running variance needs [B, …, C] with a known C, got ${formatShape(x.shape)}.`,
        {
          port: 'x',
        },
      );
    return { y: tensor(reduceShape(x.shape, 'batch')) };
  },
  paramCount: ({ inputs }) => inputs.x!.shape.at(-1) as number,
  lower: ({ params }) => ({ kind: 'kernel', config: { momentum: params.momentum } }),
  kernel: {
    weights: (_params, [shape]) => [
      { name: 'running', shape: [shape!.at(-1) as number], init: 'ones', trainable: false },
    ],
    call: (ops, [x], w, params, ctx) => {
      const shape = ops.shape(x!);
      const c = shape.at(-1)!;
      // anchor: the result stays connected to x (gradient 0), as tfjs needs for a gradient w.r.t. x.
      if (!ctx.training) return anchor(ops, ops.reshape(w.running!, channelShape(shape.length, c)), x!);
      const variance = reduceStat(ops, x!, 'variance', 'batch', 1, 0);
      if (ctx.assign)
        ctx.assign('running', updatedRunningVariance(ops, x!, variance, w.running!, params.momentum));
      return variance;
    },
  },
  examples: [{ inputs: { x: { shape: [3, 2, 2, 4] } } }, { inputs: { x: { shape: [4, 3] } } }],
});
