import {
  attentionScoreFlops,
  karatParamCount,
  karatWeights,
  MHA_PAPER,
  mhaParamCount,
  mhaWeights,
  multiHeadAttention,
} from '../../src/core/attention/mha.ts';
import { checkMask, mhaConfig, mhaParams, tokens } from '../../src/core/attention/shared.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { tensor } from '../../src/core/tensor-type.ts';

export default defineNode({
  type: 'attention.multiHeadAttention',
  version: 1,
  kind: 'layer',
  title: 'Multi-head self-attention',
  docs: {
    summary:
      'Multi-head self-attention over a token sequence, with optional causal and padding masks. The score operator is softmax, or the learnable Fourier-KArAt operator of Kolmogorov-Arnold Attention (Maity et al. 2025).',
    formula:
      'Q, K, V = x·W_{q,k,v} + b → [B, h, N, d_k];  S = Q·Kᵀ/√d_k, masked keys −1e9;  P = softmax(S) (or Fourier-KArAt: P_k = W·Φ̂(S_k), Φ̂_p(S_k) = Σ_q Σ_m a_pqm·cos(m·S_kq) + b_pqm·sin(m·S_kq), masked entries zeroed);  y = concat_h(P·V)·W_o + b_o.  Params 4·D·h·d_k + 3·h·d_k + D (+ h·(2·N·G·r + r·N) for KArAt)',
    paper: MHA_PAPER,
  },
  params: mhaParams,
  inputs: {
    x: { doc: 'Tokens [B, N, D].' },
    mask: { doc: 'Optional key padding mask [B, N]: 1 keep, 0 pad (int32 or float).', optional: true },
  },
  outputs: { y: { doc: '[B, N, D]' } },
  infer({ inputs, params }) {
    const [n] = tokens(inputs.x!, 'Multi-head attention', params.attention === 'fourierKArAt');
    checkMask(inputs.mask, n, 'Multi-head attention');
    return { y: tensor(inputs.x!.shape) };
  },
  paramCount({ inputs, params }) {
    const [n, d] = tokens(inputs.x!, 'Multi-head attention');
    const c = mhaConfig(params);
    return mhaParamCount(d, c) + (c.attention === 'fourierKArAt' ? karatParamCount(n!, c) : 0);
  },
  flops({ inputs, params }) {
    const [n, d] = tokens(inputs.x!, 'Multi-head attention') as [number, number];
    const c = mhaConfig(params);
    return 2 * mhaParamCount(d, c) * n + attentionScoreFlops(n, c) + n * d;
  },
  kernel: {
    weights(params, [shape]) {
      const c = mhaConfig(params);
      const d = shape![2] as number;
      return [
        ...mhaWeights('', d, c),
        ...(c.attention === 'fourierKArAt' ? karatWeights('', shape![1] as number, c) : []),
      ];
    },
    call(ops, [x, mask], w, params, ctx) {
      const c = mhaConfig(params);
      const karat = c.attention === 'fourierKArAt' ? { coef: w.karat_coef!, w: w.karat_w! } : undefined;
      const keep = mask ? ops.cast(mask, 'float32') : undefined;
      const [, n, d] = ops.shape(x!) as [number, number, number];
      return multiHeadAttention(ops, x!, w, '', c, n, d, keep, karat, ctx.probe);
    },
  },
  lower: ({ params }) => ({ kind: 'kernel', config: { ...params } }),
  examples: [
    { inputs: { x: { shape: [2, 4, 6] } }, params: { numHeads: 2, keyDim: 3 } },
    {
      inputs: { x: { shape: [2, 4, 6] }, mask: { shape: [2, 4], dtype: 'int32', range: [0, 2] } },
      params: { numHeads: 2, keyDim: 3, causal: true },
    },
    {
      inputs: { x: { shape: [2, 3, 4] } },
      params: { numHeads: 2, keyDim: 2, attention: 'fourierKArAt', karatGrid: 2, karatRank: 3 },
    },
    {
      inputs: { x: { shape: [2, 3, 4] } },
      params: {
        numHeads: 1,
        keyDim: 2,
        useBias: false,
        causal: true,
        attention: 'fourierKArAt',
        karatGrid: 2,
        karatRank: 2,
        karatBase: 'silu',
      },
    },
  ],
});
