// CBAM (Woo et al. 2018, arXiv 1807.06521; the attention module of DCEAC, P12): the kernel against
// a Float64 forward written out by hand (shared MLP on GAP and GMP, sigmoid gate, channel-wise
// mean/max maps, zero-padded 'same' k×k convolution without bias, sigmoid gate), its spatial
// convolution's padding against tf.conv2d 'same' (odd and even k), the parameter count against
// the Keras per-layer formulas, and no leaked tensors. Gradients: the conformance harness runs the
// node's examples (src/testing/conformance.test.ts -t attention.cbam).
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import cbamDef, { cbamParams, cbamWidth } from '../../nodes/attention/cbam.ts';
import { tfOps } from '../compiler/tf-ops.ts';
import { analyse, analyseText } from '../core/analysis/analyse.ts';
import { createRng } from '../core/rng.ts';
import { loadRegistry } from '../node/discover-nodes.ts';
import { dcecVariant } from '../trainer/experiments/dceac-clustering.ts';
import { oneNodeGraph } from './harness.ts';

const registry = await loadRegistry();

beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.env().set('PROD', true);
});

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

interface Case {
  readonly b: number;
  readonly h: number;
  readonly w: number;
  readonly c: number;
  readonly reduction: number;
  readonly k: number;
}

function draw(cs: Case, seed: number) {
  const rng = createRng(seed);
  const r = cbamWidth(cs.c, cs.reduction);
  const n = (len: number) => Array.from({ length: len }, () => rng.normal());
  return {
    r,
    x: n(cs.b * cs.h * cs.w * cs.c),
    w1: n(cs.c * r),
    b1: n(r),
    w2: n(r * cs.c),
    b2: n(cs.c),
    ws: n(cs.k * cs.k * 2),
  };
}

/** The whole module in Float64, loop by loop. */
function reference(cs: Case, d: ReturnType<typeof draw>): number[] {
  const { b, h, w, c, k } = cs;
  const { r } = d;
  const at = (n: number, i: number, j: number, ch: number) => ((n * h + i) * w + j) * c + ch;
  const out = new Array<number>(d.x.length).fill(0);
  const mlp = (v: number[]) => {
    const hid = Array.from({ length: r }, (_, q) => {
      let t = d.b1[q]!;
      for (let ch = 0; ch < c; ch++) t += v[ch]! * d.w1[ch * r + q]!;
      return Math.max(0, t);
    });
    return Array.from({ length: c }, (_, ch) => {
      let t = d.b2[ch]!;
      for (let q = 0; q < r; q++) t += hid[q]! * d.w2[q * c + ch]!;
      return t;
    });
  };
  const before = Math.floor((k - 1) / 2);
  for (let n = 0; n < b; n++) {
    const avg = new Array<number>(c).fill(0);
    const mx = new Array<number>(c).fill(Number.NEGATIVE_INFINITY);
    for (let i = 0; i < h; i++)
      for (let j = 0; j < w; j++)
        for (let ch = 0; ch < c; ch++) {
          avg[ch]! += d.x[at(n, i, j, ch)]! / (h * w);
          mx[ch] = Math.max(mx[ch]!, d.x[at(n, i, j, ch)]!);
        }
    const ma = mlp(avg);
    const mm = mlp(mx);
    const gate = ma.map((v, ch) => sigmoid(v + mm[ch]!));
    const x1 = (i: number, j: number, ch: number) => d.x[at(n, i, j, ch)]! * gate[ch]!;
    // Channel-wise mean (map 0) and max (map 1) of x1.
    const maps = (i: number, j: number): [number, number] => {
      let s = 0;
      let m = Number.NEGATIVE_INFINITY;
      for (let ch = 0; ch < c; ch++) {
        s += x1(i, j, ch);
        m = Math.max(m, x1(i, j, ch));
      }
      return [s / c, m];
    };
    for (let i = 0; i < h; i++)
      for (let j = 0; j < w; j++) {
        let t = 0;
        for (let u = 0; u < k; u++)
          for (let v = 0; v < k; v++) {
            const ii = i + u - before;
            const jj = j + v - before;
            if (ii < 0 || ii >= h || jj < 0 || jj >= w) continue; // zero padding
            const pm = maps(ii, jj);
            for (let q = 0; q < 2; q++) t += d.ws[(u * k + v) * 2 + q]! * pm[q]!;
          }
        const g = sigmoid(t);
        for (let ch = 0; ch < c; ch++) out[at(n, i, j, ch)] = x1(i, j, ch) * g;
      }
  }
  return out;
}

function run(cs: Case, d: ReturnType<typeof draw>): number[] {
  const { b, h, w, c, k } = cs;
  return tf.tidy(() =>
    Array.from(
      cbamDef
        .kernel!.call(
          tfOps,
          [tf.tensor(d.x, [b, h, w, c])],
          {
            mlp1_kernel: tf.tensor(d.w1, [c, d.r]),
            mlp1_bias: tf.tensor(d.b1, [d.r]),
            mlp2_kernel: tf.tensor(d.w2, [d.r, c]),
            mlp2_bias: tf.tensor(d.b2, [c]),
            spatial_kernel: tf.tensor(d.ws, [k, k, 2, 1]),
          },
          { reduction: cs.reduction, kernelSize: k },
          { training: true },
        )
        .dataSync(),
    ),
  );
}

describe('attention.cbam', () => {
  const cases: Case[] = [
    { b: 1, h: 3, w: 3, c: 4, reduction: 2, k: 3 },
    { b: 2, h: 3, w: 4, c: 5, reduction: 2, k: 2 },
    { b: 2, h: 2, w: 3, c: 3, reduction: 8, k: 7 },
  ];
  it.each(cases)('equals the Float64 forward by hand (%o) to 1e-5, no leaked tensors', (cs) => {
    const d = draw(cs, 7 + cs.k);
    const want = reference(cs, d);
    const before = tf.memory().numTensors;
    const got = run(cs, d);
    expect(tf.memory().numTensors).toBe(before);
    expect(got.length).toBe(want.length);
    let worst = 0;
    for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
    expect(worst).toBeLessThan(1e-5);
    // The output must depend on both gates: it is not x·M_c alone nor x alone.
    expect(want.some((v, i) => Math.abs(v - d.x[i]!) > 1e-3)).toBe(true);
  });

  it.each([3, 4, 7])("pads the spatial conv as tf.conv2d 'same' does (k = %i)", (k) => {
    const cs: Case = { b: 2, h: 5, w: 4, c: 6, reduction: 3, k };
    const d = draw(cs, 40 + k);
    // Same module from tfjs layers ops: the gate's conv is tf.conv2d(…, 'same').
    const want = tf.tidy(() => {
      const x = tf.tensor4d(d.x, [cs.b, cs.h, cs.w, cs.c]);
      const mlp = (v: tf.Tensor2D) =>
        tf.add(
          tf.matMul(
            tf.relu(tf.add(tf.matMul(v, tf.tensor2d(d.w1, [cs.c, d.r])), d.b1)),
            tf.tensor2d(d.w2, [d.r, cs.c]),
          ),
          d.b2,
        );
      const mc = tf.sigmoid(
        tf.add(mlp(tf.mean(x, [1, 2]) as tf.Tensor2D), mlp(tf.max(x, [1, 2]) as tf.Tensor2D)),
      );
      const x1 = tf.mul(x, tf.reshape(mc, [-1, 1, 1, cs.c])) as tf.Tensor4D;
      const pooled = tf.concat([tf.mean(x1, 3, true), tf.max(x1, 3, true)], 3) as tf.Tensor4D;
      const ms = tf.sigmoid(tf.conv2d(pooled, tf.tensor4d(d.ws, [k, k, 2, 1]), 1, 'same'));
      return Array.from(tf.mul(x1, ms).dataSync());
    });
    const got = run(cs, d);
    for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i]!, 5);
  });

  it('counts parameters as Keras does: Dense(C→R) + Dense(R→C) + Conv2D(2→1, k×k, no bias)', () => {
    const keras = (c: number, r: number, k: number) => c * r + r + (r * c + c) + k * k * 2 * 1;
    expect(cbamWidth(32, 8)).toBe(4);
    expect(cbamWidth(3, 8)).toBe(1);
    expect(cbamWidth(10, 3)).toBe(3);
    expect(cbamParams(32, 8, 7)).toBe(keras(32, 4, 7));
    expect(cbamParams(32, 8, 7)).toBe(390);
    const a = analyse(
      oneNodeGraph(cbamDef, {
        inputs: { x: { shape: [2, 7, 7, 32] } },
        params: { reduction: 8, kernelSize: 7 },
      }),
      registry,
    );
    expect(a.diagnostics).toEqual([]);
    expect(a.totalParams).toBe(390);
  });

  it('refuses a map without spatial axes, naming the port', () => {
    const a = analyse(oneNodeGraph(cbamDef, { inputs: { x: { shape: [2, 8] } } }), registry);
    expect(a.diagnostics.map((x) => x.message).join(' ')).toMatch(/CBAM needs a feature map \[B, H, W, C\]/);
  });
});

describe('dceac-clustering: the DCEC twin the experiment builds', () => {
  const text = readFileSync(new URL('../../templates/dceac-clustering.graph.json', import.meta.url), 'utf8');
  it('drops only the CBAM node, feeding the latent maps straight to flatten (390 fewer params)', () => {
    const dceac = analyseText(text, registry);
    const twin = dcecVariant(text);
    const dcec = analyse(twin, registry);
    expect(dceac.diagnostics).toEqual([]);
    expect(dcec.diagnostics).toEqual([]);
    expect(
      Object.values(JSON.parse(text).nodes).filter((n) => (n as { type: string }).type === 'attention.cbam'),
    ).toHaveLength(1);
    expect(Object.values(twin.nodes).some((n) => n.type === 'attention.cbam')).toBe(false);
    expect(Object.keys(twin.nodes).length).toBe(Object.keys(JSON.parse(text).nodes).length - 1);
    expect(Object.values(twin.edges).some((e) => e.from.node === 'c3' && e.to.node === 'flat')).toBe(true);
    expect(dceac.totalParams - dcec.totalParams).toBe(cbamParams(32, 8, 7));
    expect(dceac.totalParams).toBe(JSON.parse(text).meta.expected.params);
  });
});
