// The gradient patches of src/compiler/backend-patches.ts (Tile, Max, Min) against references
// written from the definitions: a tile's gradient sums dy over the repetitions; a max / min sends dy
// to every element equal to the reduced value (ties included).
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { installKernelPatches } from '../compiler/backend-patches.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
  installKernelPatches();
});

const close = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(1e-5);
};

describe('gradient patches', () => {
  it('Tile: dy summed over the repetitions', () => {
    const xs = [2, 1, 3];
    const reps = [2, 4, 1];
    const x = tf.randomUniform(xs);
    const dy = tf.randomUniform([4, 4, 3]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.tile(t, reps), dy)))(x);
    const d = dy.arraySync() as number[][][];
    const want: number[] = [];
    for (let i = 0; i < 2; i++)
      for (let k = 0; k < 3; k++) {
        let s = 0;
        for (let a = 0; a < 2; a++) for (let b = 0; b < 4; b++) s += d[a * 2 + i]![b]![k]!;
        want.push(s);
      }
    expect(g.shape).toEqual(xs);
    close(g.dataSync(), want);
    tf.dispose([x, dy, g]);
  });

  const reduce = { max: tf.max, min: tf.min };
  for (const op of ['max', 'min'] as const)
    it(`${op}: dy to the extreme elements, ties included`, () => {
      const x = tf.tensor3d([1, 5, 5, 2, 0, -3, 7, 7, 1, 2, 3, 4], [2, 2, 3]);
      const dy = tf.tensor3d([2, 3], [2, 1, 1]);
      const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(reduce[op](t, [1, 2], true), dy)))(x);
      const v = x.dataSync();
      const want = Array.from(v, (xi, i) => {
        const row = Array.from(v.slice(Math.floor(i / 6) * 6, Math.floor(i / 6) * 6 + 6));
        const ext = op === 'max' ? Math.max(...row) : Math.min(...row);
        return xi === ext ? (i < 6 ? 2 : 3) : 0;
      });
      close(g.dataSync(), want);
      // Reduction without keepDims (dy has the reduced rank).
      const g2 = tf.grad((t: tf.Tensor) => tf.sum(reduce[op](t, [2])))(x);
      expect(g2.shape).toEqual([2, 2, 3]);
      tf.dispose([x, dy, g, g2]);
    });
});
