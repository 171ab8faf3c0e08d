// Segment-wise weight initialisation: one weight whose last axis is cut into segments, each drawn by
// its own initialiser with fans from the tensor it stands for (a hypernetwork's θ₀ bias holds every
// primary kernel and bias). Checked against the closed-form variances in the app's compiler.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeInitializer } from '../compiler/kernel-layer.ts';
import { weightInitializerSpec } from '../core/codegen/tfjs-config.ts';
import type { WeightInit } from '../core/ops.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// θ of a 64→128→32 primary MLP laid out kernel, bias, kernel, bias — plus two plain segments.
const INIT: WeightInit = {
  segments: [
    { size: 64 * 128, init: 'heNormal', fanShape: [64, 128] },
    { size: 128, init: 'zeros' },
    { size: 128 * 32, init: { varianceScaling: { scale: 1, mode: 'fanOut' } }, fanShape: [128, 32] },
    { size: 32, init: { constant: 0.5 } },
    { size: 6000, init: { uniform: [-0.3, 0.3] } },
  ],
};
const P = 64 * 128 + 128 + 128 * 32 + 32 + 6000;
/** Start, end and the closed-form variance (or exact value) of each segment. */
const EXPECTED = [
  { from: 0, to: 8192, variance: 2 / 64 },
  { from: 8192, to: 8320, value: 0 },
  { from: 8320, to: 12416, variance: 1 / 32 },
  { from: 12416, to: 12448, value: 0.5 },
  { from: 12448, to: P, variance: 0.3 ** 2 / 3 },
];

const variance = (xs: ArrayLike<number>): { mean: number; variance: number } => {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  const mean = s / xs.length;
  let v = 0;
  for (let i = 0; i < xs.length; i++) v += (xs[i]! - mean) ** 2;
  return { mean, variance: v / xs.length };
};

const draw = (init: WeightInit, shape: number[], seed: number): Float32Array =>
  tf.tidy(
    () =>
      makeInitializer(weightInitializerSpec(init, seed)).apply(shape, 'float32').dataSync() as Float32Array,
  );

describe('segment-wise initialisation (app compiler)', () => {
  it('gives every segment the variance (or value) of its own initialiser and fan shape', () => {
    const before = tf.memory().numTensors;
    const w = draw(INIT, [P], 11);
    expect(tf.memory().numTensors).toBe(before);
    expect(w.length).toBe(P);
    for (const e of EXPECTED) {
      const seg = w.subarray(e.from, e.to);
      if (e.value !== undefined) {
        expect([...seg].every((v) => v === e.value)).toBe(true);
        continue;
      }
      const m = variance(seg);
      // Sampling error of a variance over n ≥ 4096 draws is ≤ √(2/n) ≈ 2.2 %: 12 % is > 5 SE.
      expect(m.variance / e.variance!).toBeGreaterThan(0.88);
      expect(m.variance / e.variance!).toBeLessThan(1.12);
      expect(Math.abs(m.mean)).toBeLessThan(4 * Math.sqrt(e.variance! / seg.length));
    }
    // Uniform stays inside its bounds.
    expect(Math.max(...w.subarray(12448).map(Math.abs))).toBeLessThanOrEqual(0.3);
  });

  it('cuts the last axis of a 2-D weight: fans default to the segment itself', () => {
    const w = draw(
      {
        segments: [
          { size: 96, init: 'glorotUniform' },
          { size: 32, init: 'ones' },
        ],
      },
      [64, 128],
      3,
    );
    const left: number[] = [];
    for (let r = 0; r < 64; r++) {
      for (let c = 0; c < 96; c++) left.push(w[r * 128 + c]!);
      for (let c = 96; c < 128; c++) expect(w[r * 128 + c]).toBe(1);
    }
    // Glorot uniform on [64, 96]: Var = 2 / (fan_in + fan_out) = 2 / 160.
    const v = variance(left).variance / (2 / 160);
    expect(v).toBeGreaterThan(0.9);
    expect(v).toBeLessThan(1.1);
  });

  it('is seeded: the same seed repeats, and segments of one weight draw independently', () => {
    const init: WeightInit = {
      segments: [
        { size: 50, init: 'heNormal', fanShape: [5, 10] },
        { size: 50, init: 'heNormal', fanShape: [5, 10] },
      ],
    };
    const a = draw(init, [100], 5);
    expect([...draw(init, [100], 5)]).toEqual([...a]);
    expect([...a.subarray(0, 50)]).not.toEqual([...a.subarray(50)]);
    expect([...draw(init, [100], 6)]).not.toEqual([...a]);
  });

  it('refuses segments that do not tile the weight, saying why', () => {
    expect(() => draw({ segments: [{ size: 10, init: 'zeros' }] }, [12], 1)).toThrow(
      /segment sizes add up to 10, but the weight's last axis has 12 entries/,
    );
    expect(() => draw({ segments: [{ size: 12, init: 'heNormal', fanShape: [3, 5] }] }, [12], 1)).toThrow(
      /segment 0 has 12 entries but its fanShape \[3, 5\] holds 15/,
    );
  });
});
