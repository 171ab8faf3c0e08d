// Dropout masks come from the layer's seeded draws: the same graph seed gives the same masks (runs
// are reproducible), every training call draws a new mask (tfjs's dropout with a fixed seed reuses
// one), and the masks keep the promised statistics (inverted dropout's mean, alpha dropout's mean 0
// and variance 1 on N(0, 1) input).
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CompiledModel, compileIR } from '../compiler/compile.ts';
import { analyse } from '../core/analysis/analyse.ts';
import { lowerGraph } from '../core/lower.ts';
import { loadRegistry } from '../node/discover-nodes.ts';
import { oneNodeGraph } from './harness.ts';

const registry = await loadRegistry();
beforeAll(async () => {
  await tf.setBackend('cpu');
});

const N = 20000;

function compiled(type: string, rate: number, seed: number): CompiledModel {
  const a = analyse(
    oneNodeGraph(registry.get(type)!, { inputs: { x: { shape: [1, N] } }, params: { rate } }),
    registry,
  );
  return compileIR(lowerGraph(a, registry).ir!, registry, { seed });
}

/** Outputs of `calls` training-mode calls on the same input. */
function draws(c: CompiledModel, x: tf.Tensor, calls: number): Float32Array[] {
  const layer = c.layers.get('node')!;
  return Array.from({ length: calls }, () =>
    tf.tidy(() => (layer.apply(x, { training: true }) as tf.Tensor).dataSync() as Float32Array),
  );
}

describe.each(['layers.dropout', 'layers.alphaDropout'])('%s masks', (type) => {
  it('same seed → same sequence of masks; each call a new mask; another seed → other masks', () => {
    const x = tf.ones([1, N]);
    const [a, b, c] = [compiled(type, 0.3, 5), compiled(type, 0.3, 5), compiled(type, 0.3, 6)];
    const [a1, a2] = draws(a, x, 2);
    const [b1, b2] = draws(b, x, 2);
    const [c1] = draws(c, x, 1);
    expect(Array.from(a1!)).toEqual(Array.from(b1!));
    expect(Array.from(a2!)).toEqual(Array.from(b2!));
    const differ = (p: Float32Array, q: Float32Array) => p.filter((v, i) => v !== q[i]).length / N;
    // Two independent masks at rate 0.3 disagree on 2·0.3·0.7 = 42 % of the units.
    expect(differ(a1!, a2!)).toBeGreaterThan(0.38);
    expect(differ(a1!, c1!)).toBeGreaterThan(0.38);
    for (const m of [a, b, c]) m.dispose();
    x.dispose();
  });

  it('is the identity at inference', () => {
    const m = compiled(type, 0.3, 5);
    const x = tf.randomNormal([1, N], 0, 1, 'float32', 1);
    const y = m.layers.get('node')!.apply(x, { training: false }) as tf.Tensor;
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(y, x))).dataSync()[0])).toBe(0);
    tf.dispose([x, y]);
    m.dispose();
  });
});

describe('mask statistics', () => {
  it('layers.dropout: drops a fraction rate and scales the rest by 1/(1 − rate)', () => {
    const m = compiled('layers.dropout', 0.25, 3);
    const [y] = draws(m, tf.ones([1, N]), 1);
    const kept = y!.filter((v) => v !== 0);
    expect(Math.abs(1 - kept.length / N - 0.25)).toBeLessThan(0.015); // ±5σ of a binomial
    expect(kept.every((v) => Math.abs(v - 4 / 3) < 1e-6)).toBe(true);
    m.dispose();
  });

  it('layers.alphaDropout at rate 0.1 keeps mean 0 ± 0.02 and variance 1 ± 0.05 on N(0, 1)', () => {
    const m = compiled('layers.alphaDropout', 0.1, 3);
    const x = tf.randomNormal([1, N], 0, 1, 'float32', 2);
    const [y] = draws(m, x, 1);
    const mean = y!.reduce((s, v) => s + v, 0) / N;
    const variance = y!.reduce((s, v) => s + (v - mean) ** 2, 0) / N;
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
    x.dispose();
    m.dispose();
  });

  it('leaves no tensors behind', () => {
    const m = compiled('layers.dropout', 0.5, 3);
    const x = tf.ones([1, N]);
    const before = tf.memory().numTensors;
    draws(m, x, 3);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    m.dispose();
  });
});
