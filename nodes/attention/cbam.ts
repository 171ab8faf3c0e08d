import { reject } from '../../src/core/diagnostics.ts';
import { defineNode } from '../../src/core/node-def.ts';
import type { Ops } from '../../src/core/ops.ts';
import { p } from '../../src/core/params.ts';
import { formatShape, type TensorType, tensor } from '../../src/core/tensor-type.ts';

/** Hidden width of the shared channel MLP: max(1, ⌊C / r⌋) (CBAM's C // r, kept ≥ 1). */
export const cbamWidth = (c: number, reduction: number): number => Math.max(1, Math.floor(c / reduction));

/** Parameters: shared MLP C→R→C with biases, plus the bias-free k×k conv from 2 maps to 1. */
export const cbamParams = (c: number, reduction: number, k: number): number => {
  const r = cbamWidth(c, reduction);
  return 2 * c * r + r + c + 2 * k * k;
};

function dims(x: TensorType): [number, number, number] {
  if (x.shape.length !== 4)
    reject('shape/rank-mismatch', `CBAM needs a feature map [B, H, W, C], got ${formatShape(x.shape)}.`, {
      port: 'x',
    });
  const [, h, w, c] = x.shape;
  if (h === null || w === null || c === null)
    reject(
      'shape/unknown-dim',
      `CBAM needs known H, W and C (its spatial 'same' convolution is built for a fixed map size), got ${formatShape(x.shape)}.`,
      { port: 'x' },
    );
  return [h as number, w as number, c as number];
}

/**
 * Zero padding of axis 1 of a rank-4 map by `before`/`after` rows, as a product with a constant
 * [n, n + before + after] embedding matrix (the kernel ops have no pad; this keeps the batch free).
 */
function padAxis1<T>(ops: Ops<T>, x: T, before: number, after: number): T {
  const [, n, m, c] = ops.shape(x) as [number, number, number, number];
  const np = n + before + after;
  const e = new Array<number>(n * np).fill(0);
  for (let i = 0; i < n; i++) e[i * np + i + before] = 1;
  const cols = ops.reshape(ops.transpose(x, [0, 2, 3, 1]), [-1, n]); // [B·m·c, n]
  const padded = ops.reshape(ops.matMul(cols, ops.constant(e, [n, np])), [-1, m, c, np]);
  return ops.transpose(padded, [0, 3, 1, 2]); // [B, np, m, c]
}

/** Channel MLP shared by the average- and max-pooled descriptors: W₂·relu(W₁·v + b₁) + b₂. */
const mlp = <T>(ops: Ops<T>, v: T, w: Readonly<Record<string, T>>): T =>
  ops.add(
    ops.matMul(ops.relu(ops.add(ops.matMul(v, w.mlp1_kernel!), w.mlp1_bias!)), w.mlp2_kernel!),
    w.mlp2_bias!,
  );

export default defineNode({
  type: 'attention.cbam',
  version: 1,
  kind: 'layer',
  title: 'CBAM (channel + spatial attention)',
  docs: {
    summary:
      "Convolutional Block Attention Module: the feature map is first re-weighted per channel (a shared MLP C → max(1, ⌊C/r⌋) → C with ReLU, applied to the global average- and the global max-pooled descriptors, summed, sigmoid), then per position (a k×k 'same' convolution, no bias, of the channel-wise mean and max maps to one map, sigmoid). Biases as in the reference Keras code: the MLP's dense layers have biases, the spatial convolution has none (the PyTorch reference's BatchNorm after that convolution is not included). Used by DCEAC on the autoencoder's latent maps.",
    formula:
      'M_c = σ(MLP(GAP(x)) + MLP(GMP(x))), MLP(v) = W₂·relu(W₁·v + b₁) + b₂ (W₁: C×R, R = max(1, ⌊C/r⌋), W₂: R×C);  x′ = x·M_c;  M_s = σ(conv_{k×k, same, no bias}([mean_c(x′), max_c(x′)]) → 1 map);  y = x′·M_s.  Params 2·C·R + R + C + 2·k²',
    paper: {
      title:
        'CBAM: Convolutional Block Attention Module (used by DCEAC, García et al. 2021, arXiv 2106.13559)',
      authors: 'Sanghyun Woo, Jongchan Park, Joon-Young Lee, In So Kweon',
      year: 2018,
      arxiv: '1807.06521',
    },
  },
  params: {
    reduction: p.int({
      default: 8,
      min: 1,
      max: 1024,
      doc: 'Reduction ratio r of the channel MLP: its hidden layer has max(1, ⌊C/r⌋) units.',
    }),
    kernelSize: p.int({
      default: 7,
      min: 1,
      max: 15,
      doc: "Size k of the spatial attention's k×k convolution ('same' padding, stride 1).",
    }),
  },
  inputs: { x: { doc: 'Channels-last feature map [B, H, W, C] with known H, W, C.' } },
  outputs: { y: { doc: 'Same shape as x: x scaled by the channel gate, then by the spatial gate.' } },
  infer({ inputs }) {
    dims(inputs.x!);
    return { y: tensor(inputs.x!.shape) };
  },
  paramCount: ({ inputs, params }) => cbamParams(dims(inputs.x!)[2], params.reduction, params.kernelSize),
  flops: ({ inputs, params }) => {
    const [h, w, c] = dims(inputs.x!);
    const r = cbamWidth(c, params.reduction);
    const k = params.kernelSize;
    // Two pools + gate (channel), two pools + gate (spatial), two MLP passes, the 2→1 conv.
    return 6 * h * w * c + 8 * c * r + 4 * k * k * h * w + h * w;
  },
  lower: ({ params }) => ({
    kind: 'kernel',
    config: { reduction: params.reduction, kernelSize: params.kernelSize },
  }),
  kernel: {
    // Initialisers of the Keras reference (he_normal kernels, zero biases).
    weights: (params, [shape]) => {
      const c = shape![3] as number;
      const r = cbamWidth(c, params.reduction);
      const k = params.kernelSize;
      return [
        { name: 'mlp1_kernel', shape: [c, r], init: 'heNormal' },
        { name: 'mlp1_bias', shape: [r], init: 'zeros' },
        { name: 'mlp2_kernel', shape: [r, c], init: 'heNormal' },
        { name: 'mlp2_bias', shape: [c], init: 'zeros' },
        { name: 'spatial_kernel', shape: [k, k, 2, 1], init: 'heNormal' },
      ];
    },
    call: (ops, [x], w, params) => {
      const [, h, wd, c] = ops.shape(x!) as [number, number, number, number];
      const k = params.kernelSize;
      // Channel attention.
      const mc = ops.sigmoid(ops.add(mlp(ops, ops.mean(x!, [1, 2]), w), mlp(ops, ops.max(x!, [1, 2]), w)));
      const x1 = ops.mul(x!, ops.reshape(mc, [-1, 1, 1, c]));
      // Spatial attention: [mean_c, max_c] → zero pad ('same': ⌊(k−1)/2⌋ before) → k² shifted
      // windows (order u, v, channel, as the [k, k, 2, 1] kernel flattens) → one matMul.
      const pooled = ops.concat([ops.mean(x1, [3], true), ops.max(x1, [3], true)], 3); // [B, H, W, 2]
      const before = Math.floor((k - 1) / 2);
      const after = k - 1 - before;
      const padW = padAxis1(ops, ops.transpose(pooled, [0, 2, 1, 3]), before, after); // [B, W+k−1, H, 2]
      const padded = padAxis1(ops, ops.transpose(padW, [0, 2, 1, 3]), before, after); // [B, H+k−1, W+k−1, 2]
      const windows: (typeof pooled)[] = [];
      for (let u = 0; u < k; u++)
        for (let v = 0; v < k; v++) windows.push(ops.slice(padded, [0, u, v, 0], [-1, h, wd, 2]));
      const cols = ops.reshape(windows.length === 1 ? windows[0]! : ops.concat(windows, 3), [-1, 2 * k * k]);
      const logits = ops.matMul(cols, ops.reshape(w.spatial_kernel!, [2 * k * k, 1]));
      const ms = ops.sigmoid(ops.reshape(logits, [-1, h, wd, 1]));
      return ops.mul(x1, ms);
    },
  },
  examples: [
    { inputs: { x: { shape: [2, 3, 3, 4] } }, params: { reduction: 2, kernelSize: 3 } },
    { inputs: { x: { shape: [2, 4, 5, 8] } } },
    { inputs: { x: { shape: [1, 2, 3, 3] } }, params: { reduction: 8, kernelSize: 2 } },
  ],
});
