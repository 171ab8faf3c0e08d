// Param specs and shape checks shared by the attention nodes.
import { reject } from '../diagnostics.ts';
import { p } from '../params.ts';
import type { TensorType } from '../tensor-type.ts';
import { ATTENTION_OPS, KARAT_BASES, type MhaConfig } from './mha.ts';

export const mhaParams = {
  numHeads: p.int({ default: 4, min: 1, max: 64, doc: 'Number of attention heads h.' }),
  keyDim: p.int({ default: 8, min: 1, max: 1024, doc: 'Size d_k of each head (queries, keys and values).' }),
  useBias: p.bool({ default: true, doc: 'Biases on the Q, K, V and output projections.' }),
  causal: p.bool({ default: false, doc: 'Causal mask: token i attends only to tokens j ≤ i.' }),
  attention: p.enum(
    ATTENTION_OPS,
    'softmax',
    'Score operator: softmax, or the learnable Fourier-KArAt operator (needs a known token count).',
  ),
  karatGrid: p.int({ default: 3, min: 1, max: 16, doc: 'Fourier-KArAt: frequencies G.' }),
  karatRank: p.int({ default: 12, min: 1, max: 256, doc: 'Fourier-KArAt: rank r of the low-rank operator.' }),
  karatBase: p.enum(KARAT_BASES, 'zero', 'Fourier-KArAt: base activation b(x) (zero performed best).'),
};

export const mhaConfig = (v: {
  numHeads: number;
  keyDim: number;
  useBias: boolean;
  causal: boolean;
  attention: MhaConfig['attention'];
  karatGrid: number;
  karatRank: number;
  karatBase: MhaConfig['karatBase'];
}): MhaConfig => ({
  heads: v.numHeads,
  keyDim: v.keyDim,
  useBias: v.useBias,
  causal: v.causal,
  attention: v.attention,
  karatGrid: v.karatGrid,
  karatRank: v.karatRank,
  karatBase: v.karatBase,
});

/** Requires a token sequence [B, N, D] with known D (and N when `needN`); returns [N, D]. */
export function tokens(x: TensorType, title: string, needN = false): [number | null, number] {
  if (x.shape.length !== 3)
    reject('shape/rank-mismatch', `${title} needs tokens [B, N, D], got rank ${x.shape.length}.`, {
      port: 'x',
    });
  const [, n, d] = x.shape;
  if (d === null || d === undefined)
    reject('shape/unknown-dim', `${title} needs a known feature size D.`, { port: 'x' });
  if (needN && (n === null || n === undefined))
    reject('shape/unknown-dim', `${title} needs a known number of tokens N.`, { port: 'x' });
  return [n ?? null, d as number];
}

/** An optional key mask [B, N]; checks it against x's N. */
export function checkMask(mask: TensorType | undefined, n: number | null, title: string): boolean {
  if (!mask || mask.shape.length === 0) return false;
  if (mask.shape.length !== 2 || (n !== null && mask.shape[1] !== null && mask.shape[1] !== n))
    reject('shape/mismatch', `${title}: the mask must be [B, ${n ?? 'N'}] (1 keep, 0 pad).`, {
      port: 'mask',
    });
  return true;
}
