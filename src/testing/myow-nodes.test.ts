// MYOW nodes (P22) against independent references: byolCosine = 2 − 2·cos in Float64, viewMiner's
// pick = the nearest other row by cosine (brute force in Float64), one of the k nearest while
// training; batchConcat/batchSplit invert each other.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { tfOps } from '../compiler/tf-ops.ts';
import { createRng } from '../core/rng.ts';
import { loadRegistry } from '../node/discover-nodes.ts';

const registry = await loadRegistry();
beforeAll(async () => {
  await tf.setBackend('cpu');
});

const rng = createRng(11);
const rows = (n: number, d: number) =>
  Array.from({ length: n }, () => Array.from({ length: d }, () => rng.normal()));
const cos = (a: number[], b: number[]) => {
  const dot = a.reduce((s, v, i) => s + v * b[i]!, 0);
  const na = Math.sqrt(a.reduce((s, v) => s + v * v, 0));
  const nb = Math.sqrt(b.reduce((s, v) => s + v * v, 0));
  return dot / (na * nb);
};

describe('losses.byolCosine', () => {
  it('equals mean(2 − 2·cos) computed in Float64; 0 for aligned rows, 4 for opposite ones', () => {
    const def = registry.get('losses.byolCosine')!;
    const q = rows(5, 4);
    const z = rows(5, 4);
    const want = q.reduce((s, r, i) => s + 2 - 2 * cos(r, z[i]!), 0) / 5;
    const loss = (a: number[][], b: number[][]) =>
      tf.tidy(
        () =>
          (
            def.loss!.call!(
              tfOps,
              { pred: tf.tensor2d(a), target: tf.tensor2d(b) },
              {} as never,
              {} as never,
            ) as tf.Tensor
          ).dataSync()[0]!,
      );
    expect(loss(q, z)).toBeCloseTo(want, 5);
    expect(
      loss(
        q,
        q.map((r) => r.map((v) => 3 * v)),
      ),
    ).toBeCloseTo(0, 5);
    expect(
      loss(
        q,
        q.map((r) => r.map((v) => -v)),
      ),
    ).toBeCloseTo(4, 5);
  });
});

describe('primitives.viewMiner', () => {
  const def = registry.get('primitives.viewMiner')!;
  const mine = (q: number[][], values: number[][], k: number, training: boolean) =>
    tf.tidy(
      () =>
        (
          def.kernel!.call(
            tfOps,
            [tf.tensor2d(q), tf.tensor2d(q), tf.tensor2d(values)],
            {},
            { k, excludeSelf: true } as never,
            {
              training,
            },
          ) as tf.Tensor
        ).arraySync() as number[][],
    );

  it('at inference each row gets the values of its nearest OTHER row by cosine (brute force reference)', () => {
    const q = rows(7, 3);
    const values = q.map((_, i) => [i, 10 * i]);
    const got = mine(q, values, 3, false);
    q.forEach((r, i) => {
      let best = -1;
      let bestCos = -2;
      q.forEach((o, j) => {
        if (j !== i && cos(r, o) > bestCos) [best, bestCos] = [j, cos(r, o)];
      });
      expect(got[i]).toEqual([best, 10 * best]);
    });
  });

  it('while training it picks one of the k nearest other rows, and over many draws more than one of them', () => {
    const q = rows(6, 3);
    const values = q.map((_, i) => [i]);
    const picked = new Set<number>();
    for (let t = 0; t < 40; t++) {
      const got = mine(q, values, 2, true);
      const nearest = q
        .map((o, j) => [j, cos(q[0]!, o)] as const)
        .filter(([j]) => j !== 0)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 2)
        .map(([j]) => j);
      expect(nearest).toContain(got[0]![0]);
      picked.add(got[0]![0]!);
    }
    expect(picked.size).toBe(2);
  });
});

describe('batchConcat / batchSplit', () => {
  it('split(index i of 3) of concat(a, b, c) gives back each view exactly', () => {
    const cat = registry.get('primitives.batchConcat')!;
    const split = registry.get('primitives.batchSplit')!;
    const views = [rows(2, 3), rows(2, 3), rows(2, 3)];
    tf.tidy(() => {
      const y = cat.kernel!.call(
        tfOps,
        views.map((v) => tf.tensor2d(v)),
        {},
        {} as never,
        { training: false },
      ) as tf.Tensor;
      expect(y.shape).toEqual([6, 3]);
      views.forEach((v, i) => {
        const part = split.kernel!.call(tfOps, [y], {}, { parts: 3, index: i } as never, {
          training: false,
        }) as tf.Tensor;
        expect(part.arraySync()).toEqual(Array.from(tf.tensor2d(v).arraySync() as number[][]));
      });
    });
  });
});
