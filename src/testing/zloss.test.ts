// Z-loss (de Brébisson & Vincent 2016): shift/scale invariance L(o) = L(3o + 7), and its value
// against the formula computed by hand in float64.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { tfOps } from '../compiler/tf-ops.ts';
import { createRng } from '../core/rng.ts';
import { loadRegistry } from '../node/discover-nodes.ts';

const registry = await loadRegistry();
const zloss = registry.get('losses.zLossSpherical')!.loss!;

beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.env().set('PROD', true);
});

const B = 16;
const D = 10;

function randomOutputs(seed: number): { o: number[][]; t: number[] } {
  const rng = createRng(seed);
  return {
    o: Array.from({ length: B }, () => Array.from({ length: D }, () => 2 * rng.normal())),
    t: Array.from({ length: B }, () => Math.floor(rng.next() * D)),
  };
}

const loss = (o: number[][], t: number[], a: number, b: number) =>
  tf.tidy(
    () =>
      zloss.fn(tfOps, tf.tensor2d(o), tf.tensor1d(t, 'int32'), { a, b, weight: 1 } as never).dataSync()[0]!,
  );

/** The paper's formula in float64: z-normalise over classes, (1/a)·softplus(a(b − z_c)), mean over rows. */
function byHand(o: number[][], t: number[], a: number, b: number): number {
  let total = 0;
  for (const [i, row] of o.entries()) {
    const mu = row.reduce((s, v) => s + v, 0) / D;
    const sigma = Math.sqrt(row.reduce((s, v) => s + (v - mu) ** 2, 0) / D + 1e-8);
    const zc = (row[t[i]!]! - mu) / sigma;
    total += Math.log1p(Math.exp(a * (b - zc))) / a;
  }
  return total / o.length;
}

describe('losses.zLossSpherical', () => {
  for (const [a, b] of [
    [1, 1.5],
    [1, 0],
    [4, 2],
  ] as const)
    it(`L(o) = L(3o + 7) within 1e-5 and equals the formula (a=${a}, b=${b})`, () => {
      for (const seed of [1, 2, 3]) {
        const { o, t } = randomOutputs(seed);
        const l = loss(o, t, a, b);
        expect(
          Math.abs(
            l -
              loss(
                o.map((r) => r.map((v) => 3 * v + 7)),
                t,
                a,
                b,
              ),
          ),
        ).toBeLessThan(1e-5);
        expect(l).toBeCloseTo(byHand(o, t, a, b), 5);
      }
    });

  it('is not invariant to a per-class change (it depends on which class is true)', () => {
    const { o, t } = randomOutputs(4);
    const shifted = o.map((r) => r.map((v, k) => (k === 0 ? v + 3 : v)));
    expect(Math.abs(loss(o, t, 1, 1.5) - loss(shifted, t, 1, 1.5))).toBeGreaterThan(1e-3);
  });
});
