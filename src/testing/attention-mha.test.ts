// Independent checks of the attention kernels: multi-head attention (with causal and padding
// masks) and the Fourier-KArAt operator against naive loop implementations.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { tfOps } from '../compiler/tf-ops.ts';
import { karatOperator, type MhaConfig, multiHeadAttention } from '../core/attention/mha.ts';
import { createRng } from '../core/rng.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const rng = createRng(5);
const rand = (n: number) => Array.from({ length: n }, () => 2 * rng.next() - 1);
/** Row-major nested access helpers. */
const at2 = (a: number[], cols: number) => (i: number, j: number) => a[i * cols + j]!;

describe('multi-head attention = naive loops', () => {
  const [B, N, D, H, K] = [2, 4, 5, 2, 3];
  const x = rand(B * N * D);
  const w = {
    wq: rand(D * H * K),
    wk: rand(D * H * K),
    wv: rand(D * H * K),
    wo: rand(H * K * D),
    bq: rand(H * K),
    bk: rand(H * K),
    bv: rand(H * K),
    bo: rand(D),
  };
  const keep = [1, 1, 0, 1, 1, 0, 1, 1];

  function naive(causal: boolean, mask: number[] | undefined): number[] {
    const out: number[] = [];
    const X = (b: number, n: number, d: number) => x[(b * N + n) * D + d]!;
    const proj = (W: number[], bias: number[], b: number, n: number, c: number) => {
      let s = bias[c]!;
      for (let d = 0; d < D; d++) s += X(b, n, d) * at2(W, H * K)(d, c);
      return s;
    };
    for (let b = 0; b < B; b++)
      for (let i = 0; i < N; i++) {
        const merged: number[] = [];
        for (let h = 0; h < H; h++) {
          const q = Array.from({ length: K }, (_, k) => proj(w.wq, w.bq, b, i, h * K + k));
          const scores: number[] = [];
          const ok: boolean[] = [];
          for (let j = 0; j < N; j++) {
            let s = 0;
            for (let k = 0; k < K; k++) s += q[k]! * proj(w.wk, w.bk, b, j, h * K + k);
            scores.push(s / Math.sqrt(K));
            ok.push((!causal || j <= i) && (!mask || mask[b * N + j] === 1));
          }
          const live = scores.map((s, j) => (ok[j] ? s : Number.NEGATIVE_INFINITY));
          const m = Math.max(...live);
          const e = live.map((s) =>
            ok.some(Boolean) ? (s === Number.NEGATIVE_INFINITY ? 0 : Math.exp(s - m)) : 1,
          );
          const z = e.reduce((a, c) => a + c, 0);
          for (let k = 0; k < K; k++) {
            let v = 0;
            for (let j = 0; j < N; j++) v += (e[j]! / z) * proj(w.wv, w.bv, b, j, h * K + k);
            merged.push(v);
          }
        }
        for (let d = 0; d < D; d++) {
          let s = w.bo[d]!;
          for (let c = 0; c < H * K; c++) s += merged[c]! * at2(w.wo, D)(c, d);
          out.push(s);
        }
      }
    return out;
  }

  const cfg = (causal: boolean): MhaConfig => ({
    heads: H,
    keyDim: K,
    useBias: true,
    causal,
    attention: 'softmax',
    karatGrid: 3,
    karatRank: 4,
    karatBase: 'zero',
  });

  function kernel(causal: boolean, mask: number[] | undefined): number[] {
    return tf.tidy(() => {
      const ws = {
        wq: tf.tensor2d(w.wq, [D, H * K]),
        wk: tf.tensor2d(w.wk, [D, H * K]),
        wv: tf.tensor2d(w.wv, [D, H * K]),
        wo: tf.tensor2d(w.wo, [H * K, D]),
        bq: tf.tensor1d(w.bq),
        bk: tf.tensor1d(w.bk),
        bv: tf.tensor1d(w.bv),
        bo: tf.tensor1d(w.bo),
      };
      const keepT = mask ? tf.tensor2d(mask, [B, N]) : undefined;
      return Array.from(
        multiHeadAttention(tfOps, tf.tensor3d(x, [B, N, D]), ws, '', cfg(causal), N, D, keepT).dataSync(),
      );
    });
  }

  it.each([
    ['no mask', false, undefined],
    ['causal', true, undefined],
    ['padding mask', false, keep],
    ['causal + padding mask', true, keep],
  ] as const)('%s', (_name, causal, mask) => {
    const want = naive(causal, mask as number[] | undefined);
    const got = kernel(causal, mask as number[] | undefined);
    expect(got.length).toBe(want.length);
    got.forEach((v, i) => {
      expect(v).toBeCloseTo(want[i]!, 4);
    });
  });
});

describe('Fourier-KArAt operator = naive loops', () => {
  it('matches W·Φ̂(S_k) per head and row', () => {
    const [B, H, N, G, R] = [2, 2, 3, 2, 4];
    const s = rand(B * H * N * N);
    const coef = rand(H * N * 2 * G * R); // [h, N·2G, r], index (q·2G + c)
    const wm = rand(H * R * N); // [h, r, N]
    for (const base of ['zero', 'silu'] as const) {
      const got = tf.tidy(() =>
        Array.from(
          karatOperator(
            tfOps,
            tf.tensor4d(s, [B, H, N, N]),
            tf.tensor3d(coef, [H, N * 2 * G, R]),
            tf.tensor3d(wm, [H, R, N]),
            H,
            N,
            G,
            base,
          ).dataSync(),
        ),
      );
      let idx = 0;
      for (let b = 0; b < B; b++)
        for (let h = 0; h < H; h++)
          for (let k = 0; k < N; k++) {
            const score = (q: number) => s[((b * H + h) * N + k) * N + q]!;
            const phi: number[] = [];
            for (let p = 0; p < R; p++) {
              let v = 0;
              for (let q = 0; q < N; q++) {
                if (base === 'silu') v += score(q) / (1 + Math.exp(-score(q)));
                for (let m = 1; m <= G; m++) {
                  const a = coef[(h * N * 2 * G + q * 2 * G + (m - 1)) * R + p]!;
                  const bb = coef[(h * N * 2 * G + q * 2 * G + G + (m - 1)) * R + p]!;
                  v += a * Math.cos(m * score(q)) + bb * Math.sin(m * score(q));
                }
              }
              phi.push(v);
            }
            for (let j = 0; j < N; j++) {
              let v = 0;
              for (let p = 0; p < R; p++) v += phi[p]! * wm[(h * R + p) * N + j]!;
              expect(got[idx++]!).toBeCloseTo(v, 4);
            }
          }
    }
  });
});
