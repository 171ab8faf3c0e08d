// P37 diffusion features classifier (Mukhopadhyay, Gwilliam et al. 2023): the DDPM schedule and
// q(x_t | x_0) against the closed forms computed here by hand, the time embedding against
// swish(W·[sin, cos] + b), adaptive average pooling against PyTorch's cell rule (and tf.avgPool
// where the cells tile), the probe-phase override (fixed t*) switching without a rebuild, and the
// template's phases: the DDPM phase leaves the probe untouched, the probe phase leaves the U-Net
// bit-identical; bad params are refused naming the field.
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { adaptiveAvgPool } from '../../nodes/layers/adaptive-average-pooling2d.ts';
import { compileIR } from '../compiler/compile.ts';
import { tfOps } from '../compiler/tf-ops.ts';
import { analyse, analyseText } from '../core/analysis/analyse.ts';
import type { LoadedDataset } from '../core/datasets/dataset-def.ts';
import type { GraphDoc } from '../core/doc/schema.ts';
import { lowerGraph } from '../core/lower.ts';
import { createRng } from '../core/rng.ts';
import { loadRegistry } from '../node/discover-nodes.ts';
import { linearProbe } from '../trainer/experiments/diffusion-features-classifier.ts';
import { train } from '../trainer/loop.ts';
import { oneNodeGraph } from './harness.ts';

const registry = await loadRegistry();
const TEMPLATE = readFileSync(
  new URL('../../templates/diffusion-features-classifier.graph.json', import.meta.url),
  'utf8',
);

beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.env().set('PROD', true);
});

const compile = (doc: GraphDoc, seed = 3) => {
  const { ir, diagnostics } = lowerGraph(analyse(doc, registry), registry);
  if (!ir) throw new Error(diagnostics.map((d) => d.message).join('; '));
  return compileIR(ir, registry, { seed });
};

/** ᾱ_t by hand: Π_{s ≤ t} (1 − β_s), β_s = β_1 + (β_T − β_1)(s − 1)/(T − 1). */
const alphaBar = (t: number, T: number, b1: number, bT: number) => {
  let a = 1;
  for (let s = 1; s <= t; s++) a *= 1 - (b1 + ((bT - b1) * (s - 1)) / (T - 1));
  return a;
};

const qGraph = (params: Record<string, unknown>, shape = [4, 4, 1]) =>
  oneNodeGraph(registry.get('diffusion.qSample')!, { inputs: { x0: { shape: [2, ...shape] } }, params });

describe('diffusion.qSample', () => {
  it('fixed t and ε: x_t = √ᾱ_t·x_0 + √(1 − ᾱ_t)·ε with ε the seeded field, t = t*', () => {
    const before = tf.memory().numTensors;
    const params = {
      steps: 100,
      betaStart: 0.001,
      betaEnd: 0.2,
      tMode: 'fixed',
      t: 20,
      noise: 'fixed',
      noiseSeed: 9,
    };
    const c = compile(qGraph(params));
    const rng = createRng(4);
    const x0 = Array.from({ length: 32 }, () => rng.next() * 2 - 1);
    const field = (() => {
      const r = createRng(9);
      return Array.from({ length: 16 }, () => r.normal());
    })();
    const ab = alphaBar(20, 100, 0.001, 0.2);
    const [xt, eps, t] = tf.tidy(() => {
      const outs = c.run({ in_x0: tf.tensor(x0, [2, 4, 4, 1]) }, { training: true });
      return ['node:xt', 'node:eps', 'node:t'].map((k) => Array.from(outs.get(k)!.dataSync()));
    });
    expect(ab).toBeGreaterThan(0.6);
    expect(ab).toBeLessThan(0.7);
    x0.forEach((x, i) => {
      const e = field[i % 16]!;
      expect(eps![i]).toBeCloseTo(e, 5);
      expect(xt![i]).toBeCloseTo(Math.sqrt(ab) * x + Math.sqrt(1 - ab) * e, 5);
    });
    expect(t).toEqual([20, 20]);
    c.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('t = 0 is the clean image', () => {
    const c = compile(qGraph({ tMode: 'fixed', t: 0, noise: 'random' }));
    const x = tf.tensor(
      Array.from({ length: 32 }, (_, i) => i / 32 - 0.5),
      [2, 4, 4, 1],
    );
    const xt = tf.tidy(() => c.run({ in_x0: x }, { training: true }).get('node:xt')!.dataSync());
    expect(Array.from(xt)).toEqual(Array.from(x.dataSync()));
    x.dispose();
    c.dispose();
  });

  it('random: t ~ U{1..T} per example, ε ~ N(0, 1), and x_t follows both', () => {
    const T = 10;
    const c = compile(qGraph({ steps: T, betaStart: 0.01, betaEnd: 0.3 }, [8, 8, 1]), 5);
    const n = 2000;
    const rng = createRng(6);
    const x0 = tf.tensor(
      Float32Array.from({ length: n * 64 }, () => rng.next() * 2 - 1),
      [n, 8, 8, 1],
    );
    const [xt, eps, t] = tf.tidy(() => {
      const outs = c.run({ in_x0: x0 }, { training: true });
      return ['node:xt', 'node:eps', 'node:t'].map((k) => outs.get(k)!.dataSync());
    });
    const counts = new Array(T + 1).fill(0);
    for (const s of t!) {
      expect(Number.isInteger(s) && s >= 1 && s <= T).toBe(true);
      counts[s]++;
    }
    // Each of the T steps drawn ≈ n/T = 200 times (±5 sd of a binomial is ±67).
    for (let s = 1; s <= T; s++) expect(Math.abs(counts[s] - n / T)).toBeLessThan(67);
    let m = 0;
    let v = 0;
    for (const e of eps!) m += e / eps!.length;
    for (const e of eps!) v += (e - m) ** 2 / eps!.length;
    expect(Math.abs(m)).toBeLessThan(0.01);
    expect(Math.abs(v - 1)).toBeLessThan(0.02);
    const x = x0.dataSync();
    for (let i = 0; i < n * 64; i += 97) {
      const ab = alphaBar(t![Math.floor(i / 64)]!, T, 0.01, 0.3);
      expect(xt![i]).toBeCloseTo(Math.sqrt(ab) * x[i]! + Math.sqrt(1 - ab) * eps![i]!, 4);
    }
    x0.dispose();
    c.dispose();
  });

  it('runtime override: fixed t* set and reset without a rebuild', () => {
    const c = compile(qGraph({ steps: 100 }));
    const x = tf.ones([2, 4, 4, 1]);
    const tOut = () =>
      Array.from(tf.tidy(() => c.run({ in_x0: x }, { training: false }).get('node:t')!.dataSync()));
    c.setRuntimeParams('node', { tMode: 'fixed', t: 60 });
    expect(tOut()).toEqual([60, 60]);
    c.resetRuntimeParams('node');
    expect(tOut().every((s) => s >= 1 && s <= 100)).toBe(true);
    x.dispose();
    c.dispose();
  });

  it('refuses t past T and a decreasing β, naming the field', () => {
    const bad = (params: Record<string, unknown>) =>
      analyse(qGraph(params), registry).diagnostics.map((d) => `${d.code} ${d.field ?? ''} ${d.message}`);
    expect(bad({ steps: 10, t: 11, tMode: 'fixed' }).join()).toMatch(
      /param\/out-of-range t .*t = 11 is past the last step T = 10/,
    );
    expect(bad({ betaStart: 0.2, betaEnd: 0.1 }).join()).toMatch(/betaEnd .*below βstart/);
  });
});

describe('diffusion.timeEmbedding', () => {
  it('= swish(W·[sin(tω), cos(tω)] + b), ω_k = 10000^(−k/(d/2))', () => {
    const before = tf.memory().numTensors;
    const def = registry.get('diffusion.timeEmbedding')!;
    const c = compile(oneNodeGraph(def, { inputs: { t: { shape: [3, 1] } }, params: { dim: 6, units: 4 } }));
    const ts = [0, 7, 93];
    const [W, b] = c.weights(['node']).map((w) => w.read().arraySync()) as [number[][], number[]];
    const got = tf.tidy(() =>
      c
        .run({ in_t: tf.tensor(ts, [3, 1]) }, { training: false })
        .get('node')!
        .arraySync(),
    ) as number[][];
    ts.forEach((t, r) => {
      const w = [0, 1, 2].map((k) => 10000 ** (-k / 3));
      const feat = [...w.map((o) => Math.sin(t * o)), ...w.map((o) => Math.cos(t * o))];
      for (let u = 0; u < 4; u++) {
        const z = feat.reduce((s, f, i) => s + f * W[i]![u]!, b[u]!);
        expect(got[r]![u]).toBeCloseTo(z / (1 + Math.exp(-z)), 5);
      }
    });
    c.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses an odd dim and a t that is not [B, 1]', () => {
    const def = registry.get('diffusion.timeEmbedding')!;
    const msgs = (shape: number[], dim: number) =>
      analyse(oneNodeGraph(def, { inputs: { t: { shape } }, params: { dim } }), registry)
        .diagnostics.map((d) => d.message)
        .join();
    expect(msgs([2, 1], 5)).toMatch(/dim = 5 must be even/);
    expect(msgs([2, 3], 4)).toMatch(/must be \[B, 1\]/);
  });
});

describe('layers.adaptiveAveragePooling2d', () => {
  it('averages PyTorch’s cells [⌊iH/n⌋, ⌈(i+1)H/n⌉) (5×3 → 2×2, overlapping rows)', () => {
    const rng = createRng(2);
    const [H, W, C] = [5, 3, 2];
    const v = Array.from({ length: H * W * C }, () => rng.next());
    const at = (h: number, w: number, c: number) => v[(h * W + w) * C + c]!;
    const got = tf.tidy(() => adaptiveAvgPool(tfOps, tf.tensor(v, [1, H, W, C]), 2, 2).dataSync());
    // Rows {0,1,2} and {2,3,4}; columns {0,1} and {1,2}.
    const rows = [
      [0, 1, 2],
      [2, 3, 4],
    ];
    const cols = [
      [0, 1],
      [1, 2],
    ];
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 2; j++)
        for (let c = 0; c < C; c++) {
          let s = 0;
          for (const h of rows[i]!) for (const w of cols[j]!) s += at(h, w, c);
          expect(got[(i * 2 + j) * C + c]).toBeCloseTo(s / 6, 6);
        }
  });

  it('equals tf.avgPool where the cells tile (8×8 → 2×2 = 4×4 windows)', () => {
    const x = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 1);
    const diff = tf.tidy(
      () =>
        tf
          .max(tf.abs(tf.sub(adaptiveAvgPool(tfOps, x, 2, 2), tf.avgPool(x as tf.Tensor4D, 4, 4, 'valid'))))
          .dataSync()[0]!,
    );
    expect(diff).toBeLessThan(1e-6);
    x.dispose();
  });

  it('refuses an output larger than the input, with the fix', () => {
    const def = registry.get('layers.adaptiveAveragePooling2d')!;
    const d = analyse(
      oneNodeGraph(def, { inputs: { x: { shape: [1, 3, 3, 2] } }, params: { outputSize: [4, 2] } }),
      registry,
    ).diagnostics[0]!;
    expect(d.message).toMatch(/outputSize \[4, 2\] exceeds the 3×3 input/);
    expect(d.fix).toEqual({ kind: 'set-param', nodeId: 'node', field: 'outputSize', value: [3, 2] });
  });
});

describe('template diffusion-features-classifier', () => {
  it('parameter count = the Keras count by hand', () => {
    const a = analyseText(TEMPLATE, registry);
    expect(a.diagnostics).toEqual([]);
    const conv = (k: number, cin: number, cout: number) => k * k * cin * cout + cout;
    const dense = (i: number, o: number) => i * o + o;
    const [c1, c2, e] = [16, 32, 64];
    const block = (cin: number, c: number, skip: boolean) =>
      conv(3, cin, c) + dense(e, c) + conv(3, c, c) + (skip ? conv(1, cin, c) : 0);
    const unet =
      dense(32, e) +
      conv(3, 1, c1) +
      block(c1, c1, false) +
      conv(3, c1, c2) +
      block(c2, c2, false) +
      conv(2, c2, c1) +
      block(2 * c1, c1, true) +
      conv(3, c1, 1);
    const probe = 4 * 128 + dense(128, 10); // BatchNorm γ, β, moving mean and variance; the linear head
    expect(a.totalParams).toBe(unet + probe);
  });

  /** 64 seeded 8×8 images in [0, 1] with 10 classes. */
  function tinyDigits(): LoadedDataset {
    const rng = createRng(3);
    const count = 64;
    return {
      binding: { name: 'digits8', featureShape: [8, 8, 1], labels: { kind: 'class', numClasses: 10 } },
      train: {
        x: Float32Array.from({ length: count * 64 }, () => rng.next()),
        y: Int32Array.from({ length: count }, (_, i) => i % 10),
        count,
      },
      val: { x: new Float32Array(0), y: new Int32Array(0), count: 0 },
    };
  }

  it('phases: ddpm trains the U-Net only, probe trains the head only (the U-Net bit-identical)', async () => {
    const a = analyseText(TEMPLATE, registry);
    const { ir } = lowerGraph(a, registry);
    const c = compileIR(ir!, registry, { seed: 2 });
    const unetIds = Object.entries(a.doc!.nodes)
      .filter(([, n]) => n.group === 'unet')
      .map(([id]) => id);
    const snap = (ids: string[]) => c.weights(ids).map((w) => Array.from(w.read().dataSync()));
    const [ddpm, probe] = ir!.training!.phases;
    const data = tinyDigits();
    const u0 = snap(unetIds);
    const p0 = snap(['probe']);
    await train(
      c,
      registry,
      data,
      { ...ir!.training!, phases: [{ ...ddpm!, epochs: 1 }] },
      { seed: 1, validate: false },
    );
    const u1 = snap(unetIds);
    expect(u1).not.toEqual(u0);
    expect(snap(['probe'])).toEqual(p0);
    await train(
      c,
      registry,
      data,
      { ...ir!.training!, phases: [{ ...probe!, epochs: 1 }] },
      { seed: 1, validate: false },
    );
    expect(snap(unetIds)).toEqual(u1);
    expect(snap(['probe'])).not.toEqual(p0);
    // The probe phase's override: the U-Net sees t* = 5 (the model keeps the last phase's values).
    const t = tf.tidy(() =>
      c
        .run({ [ir!.inputs[0]!]: tf.zeros([2, 8, 8, 1]) }, { training: false })
        .get('q:t')!
        .dataSync(),
    );
    expect(Array.from(t)).toEqual([5, 5]);
    c.dispose();
  });

  it('linear probe: separable features → 1.0, no leaked tensors', () => {
    const before = tf.memory().numTensors;
    const rng = createRng(8);
    const make = (n: number) => {
      const y = Int32Array.from({ length: n }, (_, i) => i % 3);
      const x = tf.tensor2d(
        Array.from({ length: n }, (_, i) => [y[i]! * 3 + rng.next(), rng.next(), -y[i]! + rng.next()]),
      );
      return { x, y };
    };
    const tr = make(60);
    const va = make(30);
    expect(linearProbe(tr, va, 3, { steps: 200, learningRate: 0.1 })).toBe(1);
    tf.dispose([tr.x, va.x]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
