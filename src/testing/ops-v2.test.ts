// The ops added for data and heads v2 (stopGradient, randomNormal, gather, topK, topKIndices,
// floor): values against plain JS, gradients against their definitions, and the tracer's output
// shapes and printed helpers.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { tfOps as ops } from '../compiler/tf-ops.ts';
import { Namer } from '../core/codegen/print.ts';
import { traceFunction } from '../core/codegen/trace.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.env().set('PROD', true);
});

const rows = [
  [0.3, -1.2, 2.5, 0.9, 2.4],
  [-0.7, 1.1, 0.2, -2.0, 1.0],
];

describe('ops v2 on tfjs', () => {
  it('stopGradient passes values and blocks the gradient: d/dx Σ stop(x)·x = x', () => {
    const x = tf.tensor2d(rows);
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(ops.stopGradient(v), v)))(x);
    expect(Array.from(g.dataSync())).toEqual(Array.from(x.dataSync()));
    expect(Array.from(ops.stopGradient(x).dataSync())).toEqual(Array.from(x.dataSync()));
    tf.dispose([x, g]);
  });

  it('randomNormal has mean 0 and sd 1 (20,000 draws, 5 standard errors)', () => {
    const v = ops.randomNormal([200, 100]);
    expect(v.shape).toEqual([200, 100]);
    const d = Array.from(v.dataSync());
    const mean = d.reduce((a, b) => a + b, 0) / d.length;
    const sd = Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / d.length);
    expect(Math.abs(mean)).toBeLessThan(5 / Math.sqrt(d.length));
    expect(Math.abs(sd - 1)).toBeLessThan(5 * Math.sqrt(0.5 / d.length));
    v.dispose();
  });

  it('gather picks entries along an axis (float indices), and its gradient counts the picks', () => {
    const x = tf.tensor2d(rows);
    const idx = tf.tensor1d([4, 0, 4]);
    const y = ops.gather(x, idx, 1);
    expect(y.arraySync()).toEqual(rows.map((r) => [r[4], r[0], r[4]].map((v) => Math.fround(v!))));
    const g = tf.grad((v: tf.Tensor) => tf.sum(ops.gather(v, idx, 1)))(x);
    expect(g.arraySync()).toEqual([
      [1, 0, 0, 0, 2],
      [1, 0, 0, 0, 2],
    ]);
    tf.dispose([x, idx, y, g]);
  });

  it('topK / topKIndices = a descending sort’s first k; the gradient of Σ topK marks those entries', () => {
    const x = tf.tensor2d(rows);
    const k = 3;
    const order = rows.map((r) =>
      r
        .map((v, i) => [v, i] as const)
        .sort((a, b) => b[0] - a[0])
        .slice(0, k),
    );
    const values = ops.topK(x, k);
    expect(values.shape).toEqual([2, k]);
    expect(values.arraySync()).toEqual(order.map((r) => r.map(([v]) => Math.fround(v))));
    expect(ops.topKIndices(x, k).arraySync()).toEqual(order.map((r) => r.map(([, i]) => i)));
    const g = tf.grad((v: tf.Tensor) => tf.sum(ops.topK(v, k)))(x);
    expect(g.arraySync()).toEqual(
      rows.map((r, b) => r.map((_v, i) => (order[b]!.some(([, j]) => j === i) ? 1 : 0))),
    );
    tf.dispose([x, values, g]);
  });

  it('floor matches Math.floor, with a zero gradient', () => {
    const x = tf.tensor2d(rows);
    expect(ops.floor(x).arraySync()).toEqual(rows.map((r) => r.map((v) => Math.floor(v))));
    const g = tf.grad((v: tf.Tensor) => tf.sum(ops.floor(v)))(x);
    expect(Array.from(g.dataSync()).every((v) => v === 0)).toBe(true);
    tf.dispose([x, g]);
  });
});

describe('ops v2 in the tracer (export)', () => {
  it('infers shapes through every new op and prints its helpers', () => {
    const { lines, helpers } = traceFunction(
      'test',
      [{ name: 'x', shape: [null, 5] }],
      (o, [x]) => {
        const top = o.topK(x!, 3); // [B, 3]
        const idx = o.topKIndices(x!, 3); // [B, 3]
        const picked = o.gather(x!, o.floor(o.slice(idx, [0, 0], [1, 1])), 1); // [B, 1, 1]
        const noise = o.randomNormal([...o.shape(top)]);
        expect(o.shape(picked).slice(1)).toEqual([1, 1]);
        return o.add(o.stopGradient(o.add(top, noise)), o.sum(picked));
      },
      { indent: 2, width: 110, namer: new Namer() },
    );
    const text = lines.join('\n');
    expect(helpers.sort()).toEqual(['stopGradient', 'topK', 'topKIndices']);
    for (const call of [
      'topK(x, 3)',
      'topKIndices(x, 3)',
      'tf.floor(',
      'tf.cast(',
      'tf.gather(',
      // seeded from the layer's draw stream, as the app's seededOps draws it
      "tf.randomNormal([x.shape[0]!, 3], 0, 1, 'float32', (this.seed + Math.imul(++this.draws, 0x9e3779b9)) >>> 0,)",
      'stopGradient(',
    ])
      expect(
        text
          .replace(/\(\s+/g, '(')
          .replace(/,\s+/g, ', ')
          .replace(/,\s*\)/g, ',)'),
      ).toContain(call);
  });
});
