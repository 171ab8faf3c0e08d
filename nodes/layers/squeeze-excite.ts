import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { tensor } from '../../src/core/tensor-type.ts';
import { channelShape, channelsOf } from '../norm-act/_shared.ts';

/**
 * Width R of the squeeze: `units` when set, else max(1, ⌊C·r⌋). EfficientNet sizes it from the
 * block's INPUT channels (num_reduced_filters = max(1, int(C_in·se_ratio))), which inside an
 * expanded block is `units`.
 */
export const seWidth = (c: number, ratio: number, units = 0): number =>
  units > 0 ? units : Math.max(1, Math.floor(c * ratio));

export default defineNode({
  type: 'layers.squeezeExcite',
  version: 1,
  kind: 'layer',
  title: 'Squeeze-and-excitation',
  docs: {
    summary:
      'Channel attention: the feature map is squeezed to one value per channel (global average pool), passed through a small bottleneck MLP (dense to max(1, C·r) units with swish, dense back to C with a sigmoid), and every channel of the input is scaled by its gate. EfficientNet puts one in every MBConv block (r = 0.25 of the block input channels).',
    formula:
      's = mean_{h,w} x[h, w, :];  z = swish(s·W₁ + b₁) (W₁: C×R, R = units or max(1, ⌊C·r⌋));  g = σ(z·W₂ + b₂) (W₂: R×C);  y[h, w, c] = x[h, w, c]·g[c].  Params 2·C·R + R + C',
    paper: {
      title:
        'Squeeze-and-Excitation Networks; used in EfficientNet: Rethinking Model Scaling for Convolutional Neural Networks',
      authors: 'Jie Hu, Li Shen, Gang Sun (2018); Mingxing Tan, Quoc V. Le (2019)',
      year: 2019,
      arxiv: '1905.11946',
    },
  },
  params: {
    ratio: p.float({
      default: 0.25,
      min: 0,
      max: 1,
      exclusiveMin: true,
      doc: 'Squeeze ratio r: the bottleneck has max(1, ⌊C·r⌋) units (when units is 0).',
    }),
    units: p.int({
      default: 0,
      min: 0,
      max: 65536,
      doc: 'Bottleneck width R; 0: max(1, ⌊C·ratio⌋). In an MBConv block with expansion e, EfficientNet uses max(1, ⌊C_in·0.25⌋) = the block input channels × 0.25.',
    }),
  },
  inputs: { x: { doc: 'Channels-last feature map [B, H, W, C] (or [B, T, C]).' } },
  outputs: { y: { doc: 'Same shape as x, every channel scaled by its gate in (0, 1).' } },
  infer({ inputs }) {
    channelsOf(inputs.x!, 'Squeeze-and-excitation');
    return { y: tensor(inputs.x!.shape) };
  },
  paramCount: ({ inputs, params }) => {
    const c = channelsOf(inputs.x!, 'Squeeze-and-excitation');
    const r = seWidth(c, params.ratio, params.units);
    return 2 * c * r + r + c;
  },
  flops: ({ inputs, params }) => {
    const shape = inputs.x!.shape.slice(1) as number[];
    const c = shape.at(-1)!;
    const size = shape.reduce((a, b) => a * b, 1);
    return 2 * size + 4 * c * seWidth(c, params.ratio, params.units);
  },
  lower: ({ params }) => ({ kind: 'kernel', config: { ratio: params.ratio, units: params.units } }),
  kernel: {
    weights: (params, [shape]) => {
      const c = shape![shape!.length - 1] as number;
      const r = seWidth(c, params.ratio, params.units);
      return [
        { name: 'reduce_kernel', shape: [c, r], init: 'glorotUniform' },
        { name: 'reduce_bias', shape: [r], init: 'zeros' },
        { name: 'expand_kernel', shape: [r, c], init: 'glorotUniform' },
        { name: 'expand_bias', shape: [c], init: 'zeros' },
      ];
    },
    call: (ops, [x], w) => {
      const shape = ops.shape(x!);
      const c = shape[shape.length - 1]!;
      const spatial = shape.slice(1, -1).map((_, i) => i + 1);
      const s = ops.mean(x!, spatial); // [B, C]
      const h = ops.add(ops.matMul(s, w.reduce_kernel!), w.reduce_bias!);
      const z = ops.mul(h, ops.sigmoid(h)); // swish
      const g = ops.sigmoid(ops.add(ops.matMul(z, w.expand_kernel!), w.expand_bias!));
      return ops.mul(x!, ops.reshape(g, [-1, ...channelShape(shape.length, c).slice(1)]));
    },
  },
  examples: [
    { inputs: { x: { shape: [2, 3, 3, 8] } } },
    { inputs: { x: { shape: [2, 4, 3] } }, params: { ratio: 0.25 } },
    { inputs: { x: { shape: [2, 2, 2, 12] } }, params: { units: 2 } },
  ],
});
