import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { tensor } from '../../src/core/tensor-type.ts';
import { reduceStat, updatedRunningVariance } from '../primitives/reduce.ts';
import { channelShape, channelsOf } from './_shared.ts';

export default defineNode({
  type: 'normAct.evonormB0',
  version: 1,
  kind: 'layer',
  title: 'EvoNorm-B0',
  docs: {
    summary:
      'Evolved normalization-activation layer (replaces BatchNorm + ReLU): divides x by the larger of its batch std and a learned mix of x and its instance std. Keeps a running variance (updated only while training) for inference, like BatchNorm.',
    formula:
      'y = x / max(√(s²_{b,h,w}(x) + ε), v·x + √(s²_{h,w}(x) + ε)) · γ + β;  training: s²_{b,h,w} = batch variance (biased), running ← m·running + (1 − m)·s²·n/(n − 1), n = B·H·W;  inference: s²_{b,h,w} = running;  applyAct off: y = x·γ + β.  Params 4·C (γ, β, v trainable; running variance not)',
    paper: {
      title: 'Evolving Normalization-Activation Layers',
      authors: 'Hanxiao Liu, Andrew Brock, Karen Simonyan, Quoc V. Le',
      year: 2020,
      arxiv: '2004.02967',
    },
  },
  params: {
    epsilon: p.float({ default: 1e-5, min: 0, max: 1, exclusiveMin: true, doc: 'Added to every variance.' }),
    momentum: p.float({
      default: 0.9,
      min: 0,
      max: 1,
      step: 0.01,
      doc: 'Momentum of the running variance (tfjs convention: the weight of the old value).',
    }),
    applyAct: p.bool({ default: true, doc: 'Off: only the affine γ·x + β (the "no activation" variant).' }),
  },
  inputs: { x: { doc: 'Channels-last feature map [B, H, W, C] (or [B, T, C]).' } },
  outputs: { y: { doc: 'Same shape as x.' } },
  infer({ inputs }) {
    channelsOf(inputs.x!, 'EvoNorm-B0');
    return { y: tensor(inputs.x!.shape) };
  },
  paramCount: ({ inputs, params }) => (params.applyAct ? 4 : 2) * channelsOf(inputs.x!, 'EvoNorm-B0'),
  lower: ({ params }) => ({
    kind: 'kernel',
    config: { epsilon: params.epsilon, momentum: params.momentum, applyAct: params.applyAct },
  }),
  kernel: {
    weights: (params, [shape]) => {
      const c = shape![shape!.length - 1] as number;
      return [
        { name: 'gamma', shape: [c], init: 'ones' },
        { name: 'beta', shape: [c], init: 'zeros' },
        ...(params.applyAct
          ? [
              { name: 'v', shape: [c], init: 'ones' as const },
              { name: 'runningVar', shape: [c], init: 'ones' as const, trainable: false },
            ]
          : []),
      ];
    },
    call: (ops, [x], w, params, ctx) => {
      const shape = ops.shape(x!);
      const r = shape.length;
      const c = shape[r - 1]!;
      const cs = channelShape(r, c);
      const ch = (t: (typeof w)[string]) => ops.reshape(t!, cs);
      let y: (typeof w)[string] = x!;
      if (params.applyAct) {
        const eps = ops.scalar(params.epsilon);
        let variance: (typeof w)[string];
        if (ctx.training) {
          variance = reduceStat(ops, x!, 'variance', 'batch', 1, 0);
          if (ctx.assign)
            ctx.assign(
              'runningVar',
              updatedRunningVariance(ops, x!, variance, w.runningVar!, params.momentum),
            );
        } else variance = ch(w.runningVar!);
        // The batch std is [1, …, 1, C]: spread it to x's shape with an exact add (x·0 = 0), since
        // tfjs's Maximum gradient does not sum over broadcast axes (it threw while training).
        const left = ops.add(ops.sqrt(ops.add(variance, eps)), ops.mul(x!, ops.scalar(0)));
        const instance = ops.sqrt(ops.add(reduceStat(ops, x!, 'variance', 'instance', 1, 0), eps));
        const right = ops.add(ops.mul(x!, ch(w.v!)), instance);
        y = ops.div(x!, ops.maximum(left, right));
      }
      return ops.add(ops.mul(y, ch(w.gamma!)), ch(w.beta!));
    },
  },
  examples: [
    // Ranges keep each element on one side of the max (a kink finite differences cannot cross).
    { inputs: { x: { shape: [2, 3, 3, 4], range: [2, 3] } } },
    { inputs: { x: { shape: [2, 2, 3, 2], range: [-3, -2] } } },
    { inputs: { x: { shape: [2, 4, 3] } }, params: { applyAct: false } },
  ],
});
