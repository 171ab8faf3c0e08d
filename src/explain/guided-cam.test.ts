// Guided backpropagation and guided Grad-CAM (P41 §3.1): the image gradient with the guided ReLU
// rule dx = dy·[x > 0]·[dy > 0], against a Float64 reverse pass written out by hand for
// conv(ReLU) → flatten → dense; the Relu gradient is restored afterwards.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { locate } from '../core/datasets/locate.ts';
import { resolveParams } from '../core/params.ts';
import { createRng } from '../core/rng.ts';
import { loadRegistry } from '../node/discover-nodes.ts';
import { build, sequential } from '../trainer/experiments/_kan-shared.ts';
import { gradCam, guidedBackprop, guidedGradCam } from './cam.ts';
import { analysisContext } from './context.ts';
import { gradCamTool } from './tools.ts';

const registry = await loadRegistry();

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const S = 16;
const F = 3;
const doc = () =>
  sequential(
    [S, S, 1],
    [
      ['layers.conv2d', { filters: F, kernelSize: [3, 3], padding: 'same', activation: 'relu' }],
      ['layers.flatten', {}],
      ['layers.dense', { units: 4 }],
    ],
    { loss: 'losses.categoricalCrossentropy', lossParams: { fromLogits: true } },
    {
      dataset: { name: 'locate', params: { samples: 24, size: S } },
      optimizer: { type: 'optimizers.adam', params: { learningRate: 0.01 } },
      batchSize: 8,
      epochs: 1,
      seed: 1,
    },
  );

/** ∂y_c/∂x in Float64 for one image: guided (ReLU passes dy·[z>0]·[dy>0]) or plain (dy·[z>0]). */
function reference(b: ReturnType<typeof build>, x: Float32Array, c: number, guided: boolean): number[] {
  const [k, bias] = b.compiled.layers
    .get('n0')!
    .getWeights()
    .map((t) => Float64Array.from(t.dataSync()));
  const w = Float64Array.from(b.compiled.layers.get('n2')!.getWeights()[0]!.dataSync());
  const at = (r: number, cc: number) => (r >= 0 && r < S && cc >= 0 && cc < S ? x[r * S + cc]! : 0);
  const gz = new Float64Array(S * S * F);
  for (let r = 0; r < S; r++)
    for (let cc = 0; cc < S; cc++)
      for (let f = 0; f < F; f++) {
        let z = bias![f]!;
        for (let i = 0; i < 3; i++)
          for (let j = 0; j < 3; j++) z += at(r + i - 1, cc + j - 1) * k![(i * 3 + j) * F + f]!;
        const idx = (r * S + cc) * F + f;
        const dy = w[idx * 4 + c]!;
        gz[idx] = z > 0 && (!guided || dy > 0) ? dy : 0;
      }
  const dx = new Array<number>(S * S).fill(0);
  for (let r = 0; r < S; r++)
    for (let cc = 0; cc < S; cc++)
      for (let i = 0; i < 3; i++)
        for (let j = 0; j < 3; j++) {
          const [pr, pc] = [r - i + 1, cc - j + 1];
          if (pr < 0 || pr >= S || pc < 0 || pc >= S) continue;
          for (let f = 0; f < F; f++)
            dx[r * S + cc]! += gz[(pr * S + pc) * F + f]! * k![(i * 3 + j) * F + f]!;
        }
  return dx;
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

describe('guided backpropagation', () => {
  it('equals the hand-written Float64 guided reverse pass; the plain gradient is restored afterwards', () => {
    const b = build(doc(), registry, 4);
    const x = tf.randomUniform([2, S, S, 1], -1, 1, 'float32', 3) as tf.Tensor4D;
    const classes = new Int32Array([1, 3]);
    const before = tf.memory().numTensors;
    const g = guidedBackprop(b.compiled, { input: x }, 'input', 'n2', classes);
    const gd = g.dataSync();
    g.dispose();
    // The ordinary gradient after the call: ReLU's own gradient is back (and the fused conv too).
    const plain = tf.tidy(() =>
      tf
        .grad((img: tf.Tensor) =>
          (b.compiled.run({ input: img }, { training: false }).get('n2') as tf.Tensor)
            .mul(tf.oneHot(tf.tensor1d(classes, 'int32'), 4).toFloat())
            .sum(),
        )(x)
        .dataSync(),
    );
    expect(tf.memory().numTensors).toBe(before);
    const xs = x.dataSync() as Float32Array;
    for (let n = 0; n < 2; n++) {
      const img = xs.slice(n * S * S, (n + 1) * S * S);
      const want = reference(b, img, classes[n]!, true);
      const wantPlain = reference(b, img, classes[n]!, false);
      const scale = Math.max(...want.map(Math.abs));
      expect(scale).toBeGreaterThan(0);
      expect(maxAbsDiff(gd.slice(n * S * S, (n + 1) * S * S), want)).toBeLessThan(1e-5 * Math.max(1, scale));
      expect(maxAbsDiff(plain.slice(n * S * S, (n + 1) * S * S), wantPlain)).toBeLessThan(
        1e-5 * Math.max(1, scale),
      );
      // The guided rule matters here: it differs from the plain gradient.
      expect(maxAbsDiff(want, wantPlain)).toBeGreaterThan(1e-3 * scale);
    }
    x.dispose();
    b.compiled.dispose();
  });

  it('guided Grad-CAM = guided backprop (channel sum) ⊙ the bilinearly upsampled map', () => {
    const b = build(doc(), registry, 6);
    const x = tf.randomUniform([2, S, S, 1], -1, 1, 'float32', 5) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const gc = gradCam(b.compiled, { input: x }, 'n0', 'n2', new Int32Array([0, 2]));
    const gb = guidedBackprop(b.compiled, { input: x }, 'input', 'n2', gc.classes);
    const out = guidedGradCam(gb, gc.cams);
    // Same size here (no pooling): the upsampling is the identity, so the product is elementwise.
    const [cam, g, o] = [gc.cams.dataSync(), gb.dataSync(), out.dataSync()];
    expect(out.shape).toEqual([2, S, S]);
    expect(
      maxAbsDiff(
        o,
        Array.from(cam, (v, i) => v * g[i]!),
      ),
    ).toBeLessThan(1e-6);
    tf.dispose([gc.cams, gc.alpha, gb, out]);
    expect(tf.memory().numTensors).toBe(before);
    expect(() => guidedBackprop(b.compiled, { input: x }, 'nope', 'n2', gc.classes)).toThrow(
      /analyse\/guided/,
    );
    x.dispose();
    b.compiled.dispose();
  });

  it('the gradCam tool with guided = true shows |guided Grad-CAM| divided by its max, without leaking', async () => {
    const b = build(doc(), registry, 7);
    const data = await locate.load(
      resolveParams(locate.params, { samples: 24, size: S }).values as never,
      createRng(2),
      {} as never,
    );
    const ctx = analysisContext(b.compiled, data, { samples: 3 });
    const before = tf.memory().numTensors;
    const params = resolveParams(gradCamTool.params, { guided: true, deletionSteps: 0 }).values as never;
    const r = await gradCamTool.run(ctx, 'n0', params);
    const heat = r.views.find((v) => v.kind === 'heatmaps');
    const maps = heat?.kind === 'heatmaps' ? heat.items.map((i) => Array.from(i.heat)) : [];
    expect(maps.length).toBe(3);
    // The expected maps: |guided backprop ⊙ CAM| / max, from the two functions directly.
    const gc = gradCam(b.compiled, ctx.feeds, 'n0', ctx.scores, ctx.classes);
    const gb = guidedBackprop(b.compiled, ctx.feeds, ctx.imageInput, ctx.scores, gc.classes);
    const want = tf.tidy(() => guidedGradCam(gb, gc.cams).abs().arraySync() as number[][][]);
    tf.dispose([gc.cams, gc.alpha, gb]);
    for (let i = 0; i < 3; i++) {
      const flat = want[i]!.flat();
      const top = Math.max(...flat);
      expect(Math.max(...maps[i]!)).toBeCloseTo(top > 0 ? 1 : 0, 5);
      expect(
        maxAbsDiff(
          maps[i]!,
          flat.map((v) => (top > 0 ? v / top : 0)),
        ),
      ).toBeLessThan(1e-5);
    }
    expect(tf.memory().numTensors).toBe(before);
    ctx.dispose();
    b.compiled.dispose();
  });
});
