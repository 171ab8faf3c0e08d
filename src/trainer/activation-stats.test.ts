// The per-node activation view (inspect 'activations'): statistics of conv1's output for one
// validation sample against the layer applied on its own and the figures recomputed here in
// Float64; channel thumbnails are the map's channels; bad nodes are named; no tensor leaks.
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { locate } from '../core/datasets/locate.ts';
import { resolveParams } from '../core/params.ts';
import { createRng } from '../core/rng.ts';
import { loadRegistry } from '../node/discover-nodes.ts';
import { build } from './experiments/_kan-shared.ts';
import { activationStats } from './inspect.ts';

const registry = await loadRegistry();
const TEMPLATE = readFileSync(
  new URL('../../templates/grad-cam-explainer.graph.json', import.meta.url),
  'utf8',
);
let built: ReturnType<typeof build>;
let data: Awaited<ReturnType<typeof locate.load>>;

beforeAll(async () => {
  await tf.setBackend('cpu');
  built = build(TEMPLATE, registry, 2);
  data = await locate.load(
    resolveParams(locate.params, { samples: 24 }).values as never,
    createRng(2),
    {} as never,
  );
});
afterAll(() => built.compiled.dispose());

describe('activationStats', () => {
  it("conv1's output for a validation sample: mean, std, zeros, range, histogram and channels match a Float64 recount", async () => {
    const before = tf.memory().numTensors;
    const s = await activationStats(built.compiled, data, 'conv1', 3);
    expect(tf.memory().numTensors).toBe(before);
    // The layer on its own, fed the sample's pixels.
    const ref = tf.tidy(() => {
      const x = tf.tensor(data.val.x.subarray(3 * 784, 4 * 784), [1, 28, 28, 1]);
      return Array.from((built.compiled.layers.get('conv1')!.apply(x) as tf.Tensor).dataSync());
    });
    expect(s.shape).toEqual([28, 28, 8]);
    expect(s.sample).toBe(3);
    const n = ref.length;
    const mean = ref.reduce((a, b) => a + b, 0) / n;
    const std = Math.sqrt(ref.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
    expect(s.mean).toBeCloseTo(mean, 5);
    expect(s.std).toBeCloseTo(std, 5);
    expect(s.fractionZero).toBeCloseTo(ref.filter((v) => v === 0).length / n, 6);
    expect(s.fractionZero).toBeGreaterThan(0); // ReLU: some units are off
    expect(s.min).toBeCloseTo(Math.min(...ref), 5);
    expect(s.max).toBeCloseTo(Math.max(...ref), 5);
    expect(s.histogram.counts.reduce((a, b) => a + b, 0)).toBe(n);
    // The first bin holds every exact zero (min is 0 after ReLU).
    expect(s.histogram.counts[0]).toBeGreaterThanOrEqual(ref.filter((v) => v === 0).length);
    expect(s.channels?.maps).toHaveLength(8);
    const ch5 = s.channels!.maps[5]!;
    for (const p of [0, 100, 783]) expect(ch5[p]).toBeCloseTo(ref[p * 8 + 5]!, 5);
  });

  it('a dense output has no thumbnails; an unknown node is named', async () => {
    const s = await activationStats(built.compiled, data, 'logits', 0);
    expect(s.shape).toEqual([4]);
    expect(s.channels).toBeUndefined();
    await expect(activationStats(built.compiled, data, 'nope', 0)).rejects.toThrow(
      /'nope' is not a node of the model/,
    );
  });
});
