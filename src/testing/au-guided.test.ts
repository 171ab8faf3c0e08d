// P43 (AU-guided interpretable FER, Belharbi et al. 2024): the channel-mean layer attention and the
// AU alignment loss against Float64 re-computations (area downsampling, cosine, standardisation) and
// the loss gradient against a central finite difference; the auFaces generator (seeded, heat-map
// peaks on the label's AU landmarks, the shortcut only in training); and the shipped template runs
// at inference without its training-only heat-map input.
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { tfOps } from '../compiler/tf-ops.ts';
import { AU_CODEBOOK, AU_FACES_SIZE, AU_LANDMARKS, auFaces } from '../core/datasets/au-faces.ts';
import { modelOutputKeys } from '../core/ir.ts';
import { resolveParams } from '../core/params.ts';
import { createRng } from '../core/rng.ts';
import { loadRegistry } from '../node/discover-nodes.ts';
import { build } from '../trainer/experiments/_kan-shared.ts';

const registry = await loadRegistry();
const TEMPLATE = readFileSync(
  new URL('../../templates/au-guided-interpretable-cnn.graph.json', import.meta.url),
  'utf8',
);

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const rng = createRng(9);
const rand = (n: number) => Array.from({ length: n }, () => rng.normal());

describe('primitives.channelMean', () => {
  const kernel = registry.get('primitives.channelMean')!.kernel!;
  const [B, H, W, C] = [2, 3, 4, 5];
  const x = rand(B * H * W * C);
  const byHand = (from: number, to: number) =>
    Array.from({ length: B * H * W }, (_, p) => {
      let s = 0;
      for (let k = from; k < to; k++) s += x[p * C + k]!;
      return s / (to - from);
    });
  for (const [channels, from, to] of [
    ['all', 0, C],
    ['firstHalf', 0, 2],
    ['secondHalf', 2, C],
  ] as const)
    it(`${channels}: the mean of channels [${from}, ${to}) at every position, shape [B, H, W, 1]`, () => {
      const before = tf.memory().numTensors;
      const [shape, got] = tf.tidy(() => {
        const y = kernel.call(tfOps, [tf.tensor4d(x, [B, H, W, C])], {}, { channels }, {
          training: false,
        } as never) as tf.Tensor;
        return [y.shape, Array.from(y.dataSync())] as const;
      });
      expect(shape).toEqual([B, H, W, 1]);
      const want = byHand(from, to);
      for (const [i, v] of got.entries()) expect(v).toBeCloseTo(want[i]!, 5);
      expect(tf.memory().numTensors).toBe(before);
    });
});

describe('losses.auAlign', () => {
  const head = registry.get('losses.auAlign')!.loss!;
  const [B, h, w, f] = [3, 2, 2, 2];
  const [H, W] = [h * f, w * f];
  const att = rand(B * h * w);
  const heat = Array.from({ length: B * H * W }, () => rng.next());
  /** Float64: area mean of the heat map over f×f blocks, then 1 − cos per sample, batch mean. */
  const reference = (a: readonly number[], type: 'cosine' | 'stdCosine') => {
    let total = 0;
    for (let b = 0; b < B; b++) {
      let av = a.slice(b * h * w, (b + 1) * h * w);
      if (type === 'stdCosine') {
        const m = av.reduce((s, v) => s + v, 0) / av.length;
        const sd = Math.sqrt(av.reduce((s, v) => s + (v - m) ** 2, 0) / av.length);
        av = av.map((v) => (v - m) / (sd + 1e-4));
      }
      const md = Array.from({ length: h * w }, (_, p) => {
        const [i, j] = [Math.floor(p / w), p % w];
        let s = 0;
        for (let di = 0; di < f; di++)
          for (let dj = 0; dj < f; dj++) s += heat[b * H * W + (i * f + di) * W + j * f + dj]!;
        return s / (f * f);
      });
      const dot = av.reduce((s, v, k) => s + v * md[k]!, 0);
      const na = Math.sqrt(av.reduce((s, v) => s + v * v, 0));
      const nm = Math.sqrt(md.reduce((s, v) => s + v * v, 0));
      total += 1 - dot / (na * nm + 1e-8);
    }
    return total / B;
  };
  const lossOf = (a: tf.Tensor, type: 'cosine' | 'stdCosine') =>
    head.call!(tfOps, { attention: a, heatmap: tf.tensor4d(heat, [B, H, W, 1]) }, { type, weight: 1 });

  for (const type of ['cosine', 'stdCosine'] as const)
    it(`${type}: equals the Float64 area-downsampled 1 − cos; the gradient matches a central difference`, () => {
      const before = tf.memory().numTensors;
      const [got, grad] = tf.tidy(() => {
        const a = tf.tensor4d(att, [B, h, w, 1]);
        return [
          lossOf(a, type).dataSync()[0]!,
          Array.from(
            tf
              .grad((t: tf.Tensor) => lossOf(t, type))(a)
              .dataSync(),
          ),
        ] as const;
      });
      expect(tf.memory().numTensors).toBe(before);
      expect(got).toBeCloseTo(reference(att, type), 5);
      const eps = 1e-4;
      for (const k of [0, 5, 11]) {
        const up = att.map((v, i) => (i === k ? v + eps : v));
        const dn = att.map((v, i) => (i === k ? v - eps : v));
        expect(grad[k]!).toBeCloseTo((reference(up, type) - reference(dn, type)) / (2 * eps), 3);
      }
    });

  it('is 0 for an attention proportional to the downsampled heat map, and rejects sizes that do not divide', () => {
    const a = tf.tidy(() => tf.tensor4d(heat, [B, H, W, 1]).reshape([B, h, f, w, f, 1]).mean([2, 4]).mul(3));
    expect(tf.tidy(() => lossOf(a, 'cosine').dataSync()[0]!)).toBeCloseTo(0, 5);
    a.dispose();
    expect(() =>
      registry.get('losses.auAlign')!.infer!({
        inputs: {
          attention: { shape: [null, 3, 3, 1], dtype: 'float32' },
          heatmap: { shape: [null, 8, 8, 1], dtype: 'float32' },
        },
        params: { type: 'cosine', weight: 1 },
      } as never),
    ).toThrow(/integer multiple/);
  });
});

describe('auFaces dataset', () => {
  const load = (seed: number, raw: Record<string, unknown> = {}) =>
    auFaces.load(
      resolveParams(auFaces.params, { samples: 400, ...raw }).values as never,
      createRng(seed),
      {} as never,
    );

  it('is seeded; every heat map peaks (value 1, clipped) at its label’s AU landmarks and is small elsewhere', async () => {
    const [a, b, c] = await Promise.all([load(3), load(3), load(4)]);
    expect(Array.from(a.train.x)).toEqual(Array.from(b.train.x));
    expect(Array.from(a.train.x)).not.toEqual(Array.from(c.train.x));
    const n = AU_FACES_SIZE;
    const m = a.train.fields!.au!;
    for (let i = 0; i < 40; i++) {
      const y = a.train.y[i]!;
      const map = m.subarray(i * n * n, (i + 1) * n * n);
      // The face shifts by at most 1 px: the max over the 3×3 window around each landmark is ≈ 1.
      for (const au of AU_CODEBOOK[y]!)
        for (const [r, col] of AU_LANDMARKS[au]!.at) {
          let best = 0;
          for (let dr = -1; dr <= 1; dr++)
            for (let dc = -1; dc <= 1; dc++) best = Math.max(best, map[(r + dr) * n + col + dc]!);
          expect(best).toBeGreaterThan(0.99);
        }
      expect(map[0]).toBeLessThan(1e-3); // corner: far from every landmark
    }
  });

  it('the background names the class in ≈ 90 % + 10 %/4 of training images and ≈ 25 % of validation images', async () => {
    const d = await load(5, { samples: 2000, noise: 0 });
    const rate = (s: typeof d.train) => {
      let hit = 0;
      for (let i = 0; i < s.count; i++) {
        const corner = s.x[i * AU_FACES_SIZE * AU_FACES_SIZE]!;
        if (Math.abs(corner - 0.1 * s.y[i]!) < 1e-6) hit++;
      }
      return hit / s.count;
    };
    expect(rate(d.train)).toBeGreaterThan(0.88);
    expect(rate(d.train)).toBeLessThan(0.96);
    expect(rate(d.val)).toBeGreaterThan(0.18);
    expect(rate(d.val)).toBeLessThan(0.32);
  });
});

describe('au-guided-interpretable-cnn template', () => {
  it('runs at inference without its training-only heat map (the input and its readers are skipped)', () => {
    const b = build(TEMPLATE, registry, 1);
    expect(b.params).toBe(16500);
    expect(modelOutputKeys(b.compiled.ir)).toContain('logits');
    const x = tf.randomUniform([2, 32, 32, 1]);
    const m = tf.randomUniform([2, 32, 32, 1]);
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const v = b.compiled.run({ input: x }, { training: false });
      expect(v.get('logits')!.shape).toEqual([2, 4]);
      expect(v.has('au')).toBe(false);
      expect(v.get('att2')).toBeDefined(); // reads conv3 only: not skipped
      const fed = b.compiled.run({ input: x, au: m }, { training: false });
      expect(fed.get('au')).toBe(m);
    });
    expect(tf.memory().numTensors).toBe(before);
    // A required (not training-only) input still fails clearly when unfed.
    expect(() => b.compiled.run({ au: m }, { training: false })).toThrow(/no data fed to input 'input'/);
    tf.dispose([x, m]);
    b.compiled.dispose();
  });
});
