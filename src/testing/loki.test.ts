// Loki (P29): the Fréchet-mean rule equals argmin_y Σ_i p_i d(y_i, y)² by brute force, the
// expected-squared-distance metric equals its definition, and gridCells' `cell` field is the cell
// of each row's point (rows aligned).
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { tfOps } from '../compiler/tf-ops.ts';
import { gridCells, observedCells } from '../core/datasets/grid-cells.ts';
import { createRng } from '../core/rng.ts';
import { loadRegistry } from '../node/discover-nodes.ts';

const registry = await loadRegistry();
const SIDE = 10;
const CELLS = observedCells(SIDE, 10);
const d2 = (a: number, b: number) =>
  (Math.floor(a / SIDE) - Math.floor(b / SIDE)) ** 2 + ((a % SIDE) - (b % SIDE)) ** 2;

beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.env().set('PROD', true);
});

describe('Loki', () => {
  it('frechetMean: argmax of the scores = argmin_y Σ p_i d(y_i, y)²; argmax mode = the top class’s cell', () => {
    const rng = createRng(3);
    const rows = Array.from({ length: 12 }, () => {
      const e = CELLS.map(() => Math.exp(2 * rng.normal()));
      const s = e.reduce((a, b) => a + b, 0);
      return e.map((v) => v / s);
    });
    const kernel = registry.get('layers.frechetMean')!.kernel!;
    const predict = (mode: string) =>
      tf.tidy(() =>
        Array.from(
          tf
            .argMax(
              kernel.call(
                tfOps,
                [tf.tensor2d(rows)],
                {},
                { side: SIDE, cells: CELLS.join(','), mode } as never,
                { training: false },
              ) as tf.Tensor,
              -1,
            )
            .dataSync(),
        ),
      );
    const brute = rows.map((p) => {
      let best = 0;
      let bestCost = Number.POSITIVE_INFINITY;
      for (let y = 0; y < SIDE * SIDE; y++) {
        const cost = p.reduce((a, pi, i) => a + pi * d2(CELLS[i]!, y), 0);
        if (cost < bestCost - 1e-9) [best, bestCost] = [y, cost];
      }
      return best;
    });
    expect(predict('frechet')).toEqual(brute);
    expect(predict('argmax')).toEqual(rows.map((p) => CELLS[p.indexOf(Math.max(...p))]));
    expect(brute.some((y) => !CELLS.includes(y))).toBe(true); // it does predict unobserved cells
  });

  it('expectedSquaredDistance = mean d(argmax, cell)²', () => {
    const rng = createRng(4);
    const scores = Array.from({ length: 9 }, () => Array.from({ length: SIDE * SIDE }, () => rng.normal()));
    const truth = scores.map(() => Math.floor(rng.next() * SIDE * SIDE));
    const metric = registry.get('metrics.expectedSquaredDistance')!.metric!;
    const v = tf.tidy(
      () =>
        metric
          .fn(tfOps, tf.tensor2d(scores), tf.tensor2d(truth, [truth.length, 1], 'int32'), {
            side: SIDE,
          } as never)
          .dataSync()[0]!,
    );
    const want = scores.reduce((a, s, i) => a + d2(s.indexOf(Math.max(...s)), truth[i]!), 0) / scores.length;
    expect(v).toBeCloseTo(want, 4);
  });

  it('gridCells: each row’s cell field is the cell of its point; training uses only observed cells', async () => {
    const ds = await gridCells.load(
      { side: SIDE, observed: 10, trainSamples: 300, valSamples: 300 },
      createRng(5),
      { mnistDigit: () => Promise.reject(new Error('unused')) },
    );
    for (const split of [ds.train, ds.val]) {
      const cell = split.fields!.cell!;
      for (let i = 0; i < split.count; i++) {
        expect(cell[i]).toBe(Math.floor(split.x[2 * i]!) * SIDE + Math.floor(split.x[2 * i + 1]!));
        if (split === ds.train) expect(CELLS[split.y[i]!]).toBe(cell[i]);
      }
    }
    expect([...ds.val.fields!.cell!].some((c) => !CELLS.includes(c))).toBe(true);
  });
});
