// Weight initialisers have the variance their names promise: Var(w)·fan = the variance-scaling
// target (LeCun 1/fan_in, He 2/fan_in, Glorot 2/(fan_in + fan_out)), for normal and uniform, through
// the specs the compiler and the exported code share. tfjs's own *Normal initialisers miss it by
// the 2σ truncation (≈ 0.774), which the SELU fixed point does not survive.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeInitializer } from '../compiler/kernel-layer.ts';
import { initializerSpec, TRUNCATED_NORMAL_STD, weightInitializerSpec } from '../core/codegen/tfjs-config.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Sample variance (mean not assumed 0) of one initialiser's draw for `shape`. */
function sampleVariance(init: ReturnType<typeof makeInitializer>, shape: number[]): number {
  return tf.tidy(() => {
    const w = init.apply(shape, 'float32') as tf.Tensor;
    return tf.moments(w).variance.dataSync()[0]!;
  });
}

// Target Var(w) from the fans: fan_in = rows · receptive field, fan_out = cols · receptive field.
const TARGETS: Readonly<Record<string, (fanIn: number, fanOut: number) => number>> = {
  leCunNormal: (fi) => 1 / fi,
  leCunUniform: (fi) => 1 / fi,
  heNormal: (fi) => 2 / fi,
  heUniform: (fi) => 2 / fi,
  glorotNormal: (fi, fo) => 2 / (fi + fo),
  glorotUniform: (fi, fo) => 2 / (fi + fo),
};

const SHAPES: readonly { shape: number[]; fanIn: number; fanOut: number }[] = [
  { shape: [256, 300], fanIn: 256, fanOut: 300 }, // dense kernel
  { shape: [3, 3, 64, 96], fanIn: 9 * 64, fanOut: 9 * 96 }, // conv2d kernel
];

describe('variance-scaling initialisers', () => {
  for (const [name, target] of Object.entries(TARGETS))
    for (const { shape, fanIn, fanOut } of SHAPES)
      it(`${name} ${JSON.stringify(shape)}: Var(w) within 2 % of its target`, () => {
        const v = sampleVariance(makeInitializer(initializerSpec(name, 7)), shape);
        expect(Math.abs(v / target(fanIn, fanOut) - 1)).toBeLessThan(0.02);
      });

  it('kernel weights declared with a normal init get the exact variance too', () => {
    const v = sampleVariance(makeInitializer(weightInitializerSpec('heNormal', 3)), [200, 400]);
    expect(Math.abs((v * 200) / 2 - 1)).toBeLessThan(0.02);
  });

  it('the correction is the 2σ-truncated normal’s std, from the closed form', () => {
    // Var of N(0, 1) truncated to [−2, 2] = 1 − 2·2·φ(2) / (Φ(2) − Φ(−2)); Φ by Simpson's rule.
    const phi = (x: number) => Math.exp((-x * x) / 2) / Math.sqrt(2 * Math.PI);
    const n = 2000;
    let mass = phi(-2) + phi(2);
    for (let i = 1; i < n; i++) mass += (i % 2 ? 4 : 2) * phi(-2 + (4 * i) / n);
    mass *= 4 / n / 3;
    expect(Math.sqrt(1 - (4 * phi(2)) / mass)).toBeCloseTo(TRUNCATED_NORMAL_STD, 9);
  });

  it('tfjs’s own leCunNormal is short by that factor (why we do not use it)', () => {
    const v = sampleVariance(tf.initializers.leCunNormal({ seed: 7 }), [256, 300]);
    expect(v * 256).toBeCloseTo(TRUNCATED_NORMAL_STD ** 2, 1);
    expect(v * 256).toBeLessThan(0.8);
  });

  it('the same seed gives the same weights', () => {
    const a = tf.tidy(() => makeInitializer(initializerSpec('leCunNormal', 5)).apply([8, 8]).dataSync());
    const b = tf.tidy(() => makeInitializer(initializerSpec('leCunNormal', 5)).apply([8, 8]).dataSync());
    expect(Array.from(a)).toEqual(Array.from(b));
  });
});
