// Multi-head attention over Ops, shared by the attention nodes (MHA, transformer encoder). Pure.
//
//   Q, K, V = x·W_q + b_q, x·W_k + b_k, x·W_v + b_v → [B, h, N, d_k]
//   S = Q·Kᵀ/√d_k (+ −1e9 where a key is masked: padding mask, causal mask)
//   P = softmax(S) over keys, or the Fourier-KArAt operator σ̂(S)
//   y = merge_heads(P·V)·W_o + b_o
//
// Fourier-KArAt (Maity et al. 2025): each score row S_k ∈ R^N maps to W·Φ̂(S_k), with
//   Φ̂_p(S_k) = Σ_q [ b(S_kq) + Σ_{m=1..G} a_pqm·cos(m·S_kq) + b_pqm·sin(m·S_kq) ],  Φ̂: R^N → R^r,
// coefficients [h, N·2G, r] and W [h, r, N] per head; computed with batched matMuls (cos and sin
// halves against their coefficient rows, then W).
import type { Ops, WeightSpec } from '../ops.ts';

export const ATTENTION_OPS = ['softmax', 'fourierKArAt'] as const;
export type AttentionOp = (typeof ATTENTION_OPS)[number];
export const KARAT_BASES = ['zero', 'silu', 'identity'] as const;
export type KaratBase = (typeof KARAT_BASES)[number];

export interface MhaConfig {
  readonly heads: number;
  readonly keyDim: number;
  readonly useBias: boolean;
  readonly causal: boolean;
  readonly attention: AttentionOp;
  readonly karatGrid: number;
  readonly karatRank: number;
  readonly karatBase: KaratBase;
}

export const MHA_PAPER = {
  title: 'Attention Is All You Need',
  authors: 'Vaswani, Shazeer, Parmar, Uszkoreit, Jones, Gomez, Kaiser, Polosukhin',
  year: 2017,
  arxiv: '1706.03762',
} as const;

export const KARAT_PAPER = {
  title: 'Kolmogorov-Arnold Attention: Is Learnable Attention Better For Vision Transformers?',
  authors: 'Maity, Hitsman, Li, Dutta',
  year: 2025,
  arxiv: '2503.10632',
} as const;

/** Weights of the projections Q, K, V, O (names prefixed). */
export function mhaWeights(prefix: string, d: number, c: MhaConfig): WeightSpec[] {
  const hd = c.heads * c.keyDim;
  const w: WeightSpec[] = [];
  for (const n of ['q', 'k', 'v'] as const) {
    w.push({ name: `${prefix}w${n}`, shape: [d, hd], init: 'glorotUniform' });
    if (c.useBias) w.push({ name: `${prefix}b${n}`, shape: [hd], init: 'zeros' });
  }
  w.push({ name: `${prefix}wo`, shape: [hd, d], init: 'glorotUniform' });
  if (c.useBias) w.push({ name: `${prefix}bo`, shape: [d], init: 'zeros' });
  return w;
}

export const mhaParamCount = (d: number, c: MhaConfig): number => {
  const hd = c.heads * c.keyDim;
  return 3 * (d * hd + (c.useBias ? hd : 0)) + hd * d + (c.useBias ? d : 0);
};

/** Fourier-KArAt weights for n tokens (names prefixed). */
export function karatWeights(prefix: string, n: number, c: MhaConfig): WeightSpec[] {
  const std = 1 / Math.sqrt(n * c.karatGrid);
  return [
    {
      name: `${prefix}karat_coef`,
      shape: [c.heads, n * 2 * c.karatGrid, c.karatRank],
      init: { uniform: [-Math.sqrt(3) * std, Math.sqrt(3) * std] },
    },
    { name: `${prefix}karat_w`, shape: [c.heads, c.karatRank, n], init: 'glorotUniform' },
  ];
}

export const karatParamCount = (n: number, c: MhaConfig): number =>
  c.heads * (n * 2 * c.karatGrid * c.karatRank + c.karatRank * n);

/**
 * The Fourier-KArAt operator on scores s [B, h, N, N] → [B, h, N, N]. The batch size is never read
 * (reshapes use −1), so the code generator can trace it.
 */
export function karatOperator<T>(
  ops: Ops<T>,
  s: T,
  coef: T,
  wmat: T,
  h: number,
  n: number,
  grid: number,
  base: KaratBase,
): T {
  // Scores go head-major first ([h, B, N, N], 2G× smaller than the features), and the cos and sin
  // halves meet the matching rows of the coefficients in two matMuls instead of a concat: on wasm the
  // concat's gradient (a rank-5 split) cost ~90 % of a training step. Same sums, same coefficient
  // layout (row q·2G + j: j < G cos, j ≥ G sin, frequency j mod G + 1).
  const freqs = ops.constant(
    Array.from({ length: grid }, (_, m) => m + 1),
    [1, 1, 1, 1, grid],
  );
  const st = ops.transpose(s, [1, 0, 2, 3]); // [h, B, N, N]
  const ms = ops.mul(ops.reshape(st, [h, -1, n, n, 1]), freqs); // [h, B, N, N, G]
  const c4 = ops.reshape(coef, [h, n, 2 * grid, -1]); // [h, N, 2G, r]
  const half = (from: number) =>
    ops.reshape(ops.slice(c4, [0, 0, from, 0], [h, n, grid, -1]), [h, n * grid, -1]);
  const feats = (t: T) => ops.reshape(t, [h, -1, n * grid]); // [h, B·N, N·G]
  let phi = ops.add(ops.matMul(feats(ops.cos(ms)), half(0)), ops.matMul(feats(ops.sin(ms)), half(grid))); // [h, B·N, r]
  if (base !== 'zero') {
    const bs = base === 'silu' ? ops.mul(st, ops.sigmoid(st)) : st;
    phi = ops.add(phi, ops.reshape(ops.sum(bs, [3], true), [h, -1, 1]));
  }
  const out = ops.matMul(phi, wmat); // [h, B·N, N]
  return ops.transpose(ops.reshape(out, [h, -1, n, n]), [1, 0, 2, 3]);
}

/** 0/1 lower-triangular [1, 1, N, N] constant: query i sees keys j ≤ i. */
export function causalMask<T>(ops: Ops<T>, n: number): T {
  const v: number[] = [];
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) v.push(j <= i ? 1 : 0);
  return ops.constant(v, [1, 1, n, n]);
}

/**
 * Multi-head self-attention on x [B, N, D] (N, D given: the batch size is never read). `keep` is an
 * optional key mask [B, N] (1 keep, 0 pad). `karat` supplies the Fourier-KArAt weights when
 * cfg.attention is 'fourierKArAt'.
 */
export function multiHeadAttention<T>(
  ops: Ops<T>,
  x: T,
  w: Readonly<Record<string, T>>,
  prefix: string,
  c: MhaConfig,
  n: number,
  d: number,
  keep?: T,
  karat?: { coef: T; w: T },
  /** Receives the attention probabilities P [B, h, N, N] (as `<prefix>attention`). */
  probe?: (name: string, value: T) => void,
): T {
  const hd = c.heads * c.keyDim;
  const x2 = ops.reshape(x, [-1, d]);
  const proj = (k: 'q' | 'k' | 'v') => {
    let t = ops.matMul(x2, w[`${prefix}w${k}`]!);
    if (c.useBias) t = ops.add(t, w[`${prefix}b${k}`]!);
    return ops.transpose(ops.reshape(t, [-1, n, c.heads, c.keyDim]), [0, 2, 1, 3]); // [B, h, N, dk]
  };
  const q = proj('q');
  const k = proj('k');
  const v = proj('v');
  const s = ops.mul(ops.matMul(q, k, false, true), ops.scalar(1 / Math.sqrt(c.keyDim))); // [B, h, N, N]
  // Allowed (query, key) pairs as a 0/1 tensor broadcastable to [B, h, N, N].
  let allowed: T | undefined;
  if (keep) allowed = ops.reshape(ops.step(keep), [-1, 1, 1, n]);
  if (c.causal) allowed = allowed ? ops.mul(allowed, causalMask(ops, n)) : causalMask(ops, n);
  let p: T;
  if (c.attention === 'fourierKArAt') {
    p = karatOperator(ops, s, karat!.coef, karat!.w, c.heads, n, c.karatGrid, c.karatBase);
    if (allowed) p = ops.mul(p, allowed);
  } else {
    // Masked scores are replaced (not offset), so they carry no gradient; an all-masked row is uniform.
    p = ops.softmax(
      allowed ? ops.add(ops.mul(s, allowed), ops.mul(ops.sub(allowed, ops.scalar(1)), ops.scalar(1e9))) : s,
    );
  }
  probe?.(`${prefix}attention`, p);
  const o = ops.reshape(ops.transpose(ops.matMul(p, v), [0, 2, 1, 3]), [-1, hd]);
  let y = ops.matMul(o, w[`${prefix}wo`]!);
  if (c.useBias) y = ops.add(y, w[`${prefix}bo`]!);
  return ops.reshape(y, [-1, n, d]);
}

/** Forward FLOPs per sample of the score and mixing matmuls (QKᵀ, P·V) and the softmax. */
export const attentionScoreFlops = (n: number, c: MhaConfig): number =>
  4 * n * n * c.heads * c.keyDim + 3 * n * n * c.heads;
