// Every whole-split metric's `finalizeOps` (what the TypeScript exporter prints) equals its plain
// `finalize` (what the trainer reports) on totals summed over random batches, and on the empty
// split (all totals 0); its batch `fn` is finalize of that batch's stats.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { tfOps } from '../compiler/tf-ops.ts';
import { resolveParams } from '../core/params.ts';
import { createRng } from '../core/rng.ts';
import { loadRegistry } from '../node/discover-nodes.ts';

const registry = await loadRegistry();
const splitMetrics = registry.all().filter((d) => d.metric?.split?.finalizeOps);

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A batch for the metric: multi-hot targets for one-hot heads, class indices otherwise. */
function batch(target: 'index' | 'onehot', seed: number): { pred: tf.Tensor; target: tf.Tensor } {
  const rng = createRng(seed);
  const b = 9;
  const l = 5;
  const pred = tf.softmax(
    tf.tensor2d(
      Array.from({ length: b * l }, () => 2 * rng.normal()),
      [b, l],
    ),
  );
  const t =
    target === 'onehot'
      ? tf.tensor2d(
          Array.from({ length: b * l }, () => (rng.next() < 0.3 ? 1 : 0)),
          [b, l],
        )
      : tf.tensor1d(
          Array.from({ length: b }, () => Math.floor(rng.next() * l)),
          'int32',
        );
  return { pred, target: t };
}

describe('whole-split metrics: finalizeOps = finalize', () => {
  it('covers the built-in split metrics', () => {
    expect(splitMetrics.map((d) => d.type)).toEqual(
      expect.arrayContaining([
        'metrics.f1',
        'metrics.dice',
        'metrics.jaccard',
        'metrics.hammingLoss',
        'metrics.expectedCalibrationError',
      ]),
    );
  });

  it.each(splitMetrics.map((d) => [d.type, d] as const))('%s', (_type, def) => {
    const metric = def.metric!;
    const split = metric.split!;
    for (const values of [{}, { average: 'macro' }, { threshold: 0.3 }, { bins: 4 }]) {
      const known = Object.fromEntries(Object.entries(values).filter(([k]) => k in def.params));
      const params = resolveParams(def.params, known).values as never;
      const sums: number[] = [];
      for (const seed of [1, 2, 3]) {
        const { pred, target } = batch(metric.target, seed);
        const stats = Array.from(split.stats(tfOps, { pred, target }, params).dataSync());
        // A batch's fn is finalize of its own stats.
        const one = metric.fn(tfOps, pred, target, params);
        expect(one.dataSync()[0]).toBeCloseTo(split.finalize(stats, params), 5);
        for (const [i, v] of stats.entries()) sums[i] = (sums[i] ?? 0) + v;
        tf.dispose([pred, target, one]);
      }
      for (const totals of [sums, sums.map(() => 0)]) {
        const got = tf.tidy(() => split.finalizeOps!(tfOps, tf.tensor1d(totals), params).dataSync()[0]!);
        expect(got, JSON.stringify({ known, totals })).toBeCloseTo(split.finalize(totals, params), 5);
      }
    }
  });
});
