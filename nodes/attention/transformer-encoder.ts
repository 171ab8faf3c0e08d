import {
  attentionScoreFlops,
  KARAT_PAPER,
  karatParamCount,
  karatWeights,
  mhaParamCount,
  mhaWeights,
  multiHeadAttention,
} from '../../src/core/attention/mha.ts';
import { checkMask, mhaConfig, mhaParams, tokens } from '../../src/core/attention/shared.ts';
import { layerNormLast } from '../../src/core/kan/basis.ts';
import { defineNode } from '../../src/core/node-def.ts';
import type { Ops, WeightSpec } from '../../src/core/ops.ts';
import { p } from '../../src/core/params.ts';
import { tensor } from '../../src/core/tensor-type.ts';

const gelu = <T>(ops: Ops<T>, x: T): T =>
  ops.mul(ops.mul(x, ops.scalar(0.5)), ops.add(ops.scalar(1), ops.erf(ops.mul(x, ops.scalar(Math.SQRT1_2)))));

export default defineNode({
  type: 'attention.transformerEncoder',
  version: 1,
  kind: 'layer',
  title: 'Transformer encoder',
  docs: {
    summary:
      'A stack of `depth` transformer encoder blocks (multi-head self-attention + GELU MLP, residuals, pre- or post-LayerNorm). The attention operator is softmax or Fourier-KArAt; KArAt weights are separate per block (blockwise) or one set shared by every block (universal), as in Kolmogorov-Arnold Attention.',
    formula:
      'pre:  x ← x + MHA(LN₁(x)),  x ← x + W₂·gelu(W₁·LN₂(x) + b₁) + b₂;  post: x ← LN₁(x + MHA(x)),  x ← LN₂(x + MLP(x)).  MHA as in attention.multiHeadAttention (softmax or Fourier-KArAt P_k = W·Φ̂(S_k)).  Params depth·(MHA + 4·D + 2·D·mlpDim + mlpDim + D) + KArAt·(depth blockwise | 1 universal)',
    paper: KARAT_PAPER,
  },
  params: {
    depth: p.int({ default: 1, min: 1, max: 48, doc: 'Number of encoder blocks.' }),
    mlpDim: p.int({ default: 64, min: 1, max: 16384, doc: 'Hidden size of the MLP.' }),
    norm: p.enum(
      ['pre', 'post'] as const,
      'pre',
      'LayerNorm before each sublayer (pre, ViT) or after the residual (post, original Transformer).',
    ),
    ...mhaParams,
    karatMode: p.enum(
      ['blockwise', 'universal'] as const,
      'blockwise',
      'Fourier-KArAt weights per block, or one set shared by all blocks.',
    ),
  },
  inputs: {
    x: { doc: 'Tokens [B, N, D].' },
    mask: { doc: 'Optional key padding mask [B, N]: 1 keep, 0 pad.', optional: true },
  },
  outputs: { y: { doc: '[B, N, D]' } },
  infer({ inputs, params }) {
    const [n] = tokens(inputs.x!, 'Transformer encoder', params.attention === 'fourierKArAt');
    checkMask(inputs.mask, n, 'Transformer encoder');
    return { y: tensor(inputs.x!.shape) };
  },
  paramCount({ inputs, params }) {
    const [n, d] = tokens(inputs.x!, 'Transformer encoder');
    const c = mhaConfig(params);
    const block = mhaParamCount(d, c) + 4 * d + 2 * d * params.mlpDim + params.mlpDim + d;
    const karat =
      c.attention === 'fourierKArAt'
        ? karatParamCount(n!, c) * (params.karatMode === 'universal' ? 1 : params.depth)
        : 0;
    return params.depth * block + karat;
  },
  flops({ inputs, params }) {
    const [n, d] = tokens(inputs.x!, 'Transformer encoder') as [number, number];
    const c = mhaConfig(params);
    const block = mhaParamCount(d, c) + 4 * d + 2 * d * params.mlpDim + params.mlpDim + d;
    // Weights once per token, the attention scores, and ~10 ops per element for norms/residuals.
    return params.depth * (2 * block * n + attentionScoreFlops(n, c) + 10 * n * d);
  },
  kernel: {
    weights(params, [shape]) {
      const c = mhaConfig(params);
      const [n, d] = [shape![1] as number, shape![2] as number];
      const ws: WeightSpec[] = [];
      for (let i = 0; i < params.depth; i++) {
        const pre = `l${i}_`;
        ws.push(
          ...mhaWeights(pre, d, c),
          { name: `${pre}ln1_g`, shape: [d], init: 'ones' },
          { name: `${pre}ln1_b`, shape: [d], init: 'zeros' },
          { name: `${pre}ln2_g`, shape: [d], init: 'ones' },
          { name: `${pre}ln2_b`, shape: [d], init: 'zeros' },
          { name: `${pre}mlp_w1`, shape: [d, params.mlpDim], init: 'glorotUniform' },
          { name: `${pre}mlp_b1`, shape: [params.mlpDim], init: 'zeros' },
          { name: `${pre}mlp_w2`, shape: [params.mlpDim, d], init: 'glorotUniform' },
          { name: `${pre}mlp_b2`, shape: [d], init: 'zeros' },
        );
        if (c.attention === 'fourierKArAt' && params.karatMode === 'blockwise')
          ws.push(...karatWeights(pre, n, c));
      }
      if (c.attention === 'fourierKArAt' && params.karatMode === 'universal')
        ws.push(...karatWeights('', n, c));
      return ws;
    },
    call(ops, [x, mask], w, params, ctx) {
      const c = mhaConfig(params);
      const [, n, d] = ops.shape(x!) as [number, number, number];
      const keep = mask ? ops.cast(mask, 'float32') : undefined;
      let h = x! as unknown as ReturnType<typeof ops.scalar>;
      for (let i = 0; i < params.depth; i++) {
        const pre = `l${i}_`;
        const kp = params.karatMode === 'universal' ? '' : pre;
        const karat =
          c.attention === 'fourierKArAt' ? { coef: w[`${kp}karat_coef`]!, w: w[`${kp}karat_w`]! } : undefined;
        const ln = (t: typeof h, j: 1 | 2) =>
          layerNormLast(ops, t, w[`${pre}ln${j}_g`]!, w[`${pre}ln${j}_b`]!);
        const mlp = (t: typeof h) => {
          const t2 = ops.reshape(t, [-1, d]);
          const u = gelu(ops, ops.add(ops.matMul(t2, w[`${pre}mlp_w1`]!), w[`${pre}mlp_b1`]!));
          return ops.reshape(ops.add(ops.matMul(u, w[`${pre}mlp_w2`]!), w[`${pre}mlp_b2`]!), [-1, n, d]);
        };
        if (params.norm === 'pre') {
          h = ops.add(h, multiHeadAttention(ops, ln(h, 1), w, pre, c, n, d, keep, karat, ctx.probe));
          h = ops.add(h, mlp(ln(h, 2)));
        } else {
          h = ln(ops.add(h, multiHeadAttention(ops, h, w, pre, c, n, d, keep, karat, ctx.probe)), 1);
          h = ln(ops.add(h, mlp(h)), 2);
        }
      }
      return h;
    },
  },
  lower: ({ params }) => ({ kind: 'kernel', config: { ...params } }),
  examples: [
    { inputs: { x: { shape: [2, 3, 4] } }, params: { numHeads: 2, keyDim: 2, mlpDim: 5 } },
    {
      inputs: { x: { shape: [2, 3, 4] }, mask: { shape: [2, 3], dtype: 'int32', range: [0, 2] } },
      params: { depth: 2, numHeads: 1, keyDim: 2, mlpDim: 3, norm: 'post', causal: true },
    },
    {
      inputs: { x: { shape: [2, 3, 4] } },
      params: {
        norm: 'post',
        depth: 2,
        numHeads: 2,
        keyDim: 2,
        mlpDim: 3,
        attention: 'fourierKArAt',
        karatGrid: 2,
        karatRank: 2,
        karatMode: 'universal',
      },
    },
  ],
});
