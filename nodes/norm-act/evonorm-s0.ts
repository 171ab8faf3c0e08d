import { reject } from '../../src/core/diagnostics.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { tensor } from '../../src/core/tensor-type.ts';
import { reduceStat } from '../primitives/reduce.ts';
import { channelShape, channelsOf } from './_shared.ts';

export default defineNode({
  type: 'normAct.evonormS0',
  version: 1,
  kind: 'layer',
  title: 'EvoNorm-S0',
  docs: {
    summary:
      'Evolved normalization-activation layer with no batch statistics (works at any batch size): a swish-like gate x·σ(v·x) divided by the group standard deviation, then scaled and shifted per channel.',
    formula:
      'y = x·σ(v·x) / √(s²_{h,w,c/g}(x) + ε) · γ + β  (group variance over H, W and the C/G channels of each group, biased);  applyAct off: y = x·γ + β (affine only, as timm’s EvoNorm2dS0 and the TF reference with nonlinearity off).  Params 3·C (2·C without act)',
    paper: {
      title: 'Evolving Normalization-Activation Layers',
      authors: 'Hanxiao Liu, Andrew Brock, Karen Simonyan, Quoc V. Le',
      year: 2020,
      arxiv: '2004.02967',
    },
  },
  params: {
    groups: p.int({ default: 4, min: 1, max: 4096, doc: 'Channel groups G (must divide C).' }),
    epsilon: p.float({
      default: 1e-5,
      min: 0,
      max: 1,
      exclusiveMin: true,
      doc: 'Added to the group variance.',
    }),
    applyAct: p.bool({
      default: true,
      doc: 'Off: only the affine γ·x + β (the "no activation" variant, as timm / the TF reference).',
    }),
  },
  inputs: { x: { doc: 'Channels-last feature map [B, H, W, C] (or [B, T, C]).' } },
  outputs: { y: { doc: 'Same shape as x.' } },
  infer({ inputs, params }) {
    const c = channelsOf(inputs.x!, 'EvoNorm-S0');
    if (c % params.groups !== 0)
      reject('param/invalid', `groups (${params.groups}) must divide the channel count ${c}.`, {
        field: 'groups',
      });
    return { y: tensor(inputs.x!.shape) };
  },
  paramCount: ({ inputs, params }) => (params.applyAct ? 3 : 2) * channelsOf(inputs.x!, 'EvoNorm-S0'),
  lower: ({ params }) => ({
    kind: 'kernel',
    config: { groups: params.groups, epsilon: params.epsilon, applyAct: params.applyAct },
  }),
  kernel: {
    weights: (params, [shape]) => {
      const c = shape![shape!.length - 1] as number;
      return [
        { name: 'gamma', shape: [c], init: 'ones' },
        { name: 'beta', shape: [c], init: 'zeros' },
        ...(params.applyAct ? [{ name: 'v', shape: [c], init: 'ones' as const }] : []),
      ];
    },
    call: (ops, [x], w, params) => {
      const shape = ops.shape(x!);
      const cs = channelShape(shape.length, shape[shape.length - 1]!);
      // Without the activation the reference layers skip the normalisation too (affine only).
      const normed = params.applyAct
        ? ops.div(
            ops.mul(x!, ops.sigmoid(ops.mul(x!, ops.reshape(w.v!, cs)))),
            reduceStat(ops, x!, 'std', 'group', params.groups, params.epsilon),
          )
        : x!;
      return ops.add(ops.mul(normed, ops.reshape(w.gamma!, cs)), ops.reshape(w.beta!, cs));
    },
  },
  examples: [
    { inputs: { x: { shape: [2, 3, 3, 4] } }, params: { groups: 2 } },
    { inputs: { x: { shape: [2, 4, 4] } }, params: { groups: 1, applyAct: false } },
  ],
});
