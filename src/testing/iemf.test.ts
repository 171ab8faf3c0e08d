// IEMF (He et al. 2025, arXiv 2505.10176): κ and ME against hand-computed cue strengths; FiLM and
// gated fusion against their formulas by hand; Modality drop / split against the head applied by
// hand with the other modality zeroed; on the shipped template, the κ-scaled learning rate moves only
// the fusion group (a first Adam step of the fusion weights is κ times the plain one, every other
// weight bit-identical to plain joint training); the audioVisual data is seeded and has the
// designed fraction of both-weak samples.
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileIR } from '../compiler/compile.ts';
import { tfOps } from '../compiler/tf-ops.ts';
import { analyse } from '../core/analysis/analyse.ts';
import { AUDIO_WIDTH, audioPrototypes } from '../core/datasets/audio-visual.ts';
import { findDataset } from '../core/datasets/index.ts';
import type { GraphDoc } from '../core/doc/schema.ts';
import { lowerGraph } from '../core/lower.ts';
import { resolveParams } from '../core/params.ts';
import { createRng } from '../core/rng.ts';
import { loadRegistry } from '../node/discover-nodes.ts';
import {
  enhancementCurve,
  epochsToReach,
  plainVariant,
} from '../trainer/experiments/iemf-audiovisual-fusion.ts';
import { feedsFor, toTensors } from '../trainer/feeds.ts';
import { train } from '../trainer/loop.ts';

const registry = await loadRegistry();
const TEMPLATE = readFileSync(
  new URL('../../templates/iemf-audiovisual-fusion.graph.json', import.meta.url),
  'utf8',
);

beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.env().set('PROD', true);
});

const compile = (doc: GraphDoc | string) => {
  const a = analyse(typeof doc === 'string' ? (JSON.parse(doc) as GraphDoc) : doc, registry);
  const { ir, diagnostics } = lowerGraph(a, registry);
  if (!ir) throw new Error(diagnostics.map((d) => d.message).join('; '));
  return compileIR(ir, registry, { seed: 3 });
};

const softmaxRow = (z: readonly number[]) => {
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};

async function loadAV(seed: number, over: Record<string, unknown> = {}) {
  const ds = findDataset('audioVisual')!;
  return ds.load(resolveParams(ds.params, over).values, createRng(seed), {
    mnistDigit: () => Promise.reject(new Error('unused')),
  });
}

describe('metrics.iemfKappa', () => {
  const head = registry.get('metrics.iemfKappa')!.metric!;
  const fused = [
    [2, 0, -1],
    [0.5, 1.5, 0],
    [0, 0, 3],
  ];
  const target = [0, 1, 2];
  /** s = mean_b softmax(o_b)[y_b], by hand. */
  const strength = (o: number[][]) =>
    o.reduce((acc, row, b) => acc + softmaxRow(row)[target[b]!]!, 0) / o.length;
  const run = (a: number[][], v: number[][], params: Record<string, unknown> = {}) => {
    const values = resolveParams(registry.get('metrics.iemfKappa')!.params, params).values;
    return tf.tidy(
      () =>
        head.call!(
          tfOps,
          {
            fused: tf.tensor2d(fused),
            a: tf.tensor2d(a),
            v: tf.tensor2d(v),
            target: tf.tensor1d(target, 'int32'),
          },
          values,
        ).dataSync()[0]!,
    );
  };
  const weakA = [
    [0, 0.2, 0],
    [0.3, 0, 0],
    [0, 0.1, 0],
  ];
  const weakV = [
    [0.4, 0, 0],
    [0, 0.2, 0],
    [0.1, 0, 0],
  ];

  it('ME = (s_AV − max(s_A, s_V)) / max(s_A, s_V) and κ = clip(1 + ME, 0.5, 3), by hand', () => {
    const sAV = strength(fused);
    const best = Math.max(strength(weakA), strength(weakV));
    const me = (sAV - best) / best;
    expect(me).toBeGreaterThan(0.5); // weak unimodal cues: a strong enhancement
    expect(run(weakA, weakV, { report: 'enhancement' })).toBeCloseTo(me, 5);
    expect(run(weakA, weakV)).toBeCloseTo(Math.min(3, Math.max(0.5, 1 + me)), 5);
  });

  it('κ is clipped: to κ_max when the unimodal cues are near chance, to κ_min when they beat the fused one', () => {
    const flat = fused.map(() => [0, 0, 0]);
    // s_A = s_V = 1/3, s_AV ≈ 0.77 → 1 + ME ≈ 2.3: a lower κ_max clips it.
    expect(run(flat, flat, { kappaMax: 2 })).toBeCloseTo(2, 6);
    const sharp = target.map((t) => [0, 1, 2].map((c) => (c === t ? 8 : 0)));
    // A unimodal response far stronger than the fused one: 1 + ME < 0.5 → κ_min.
    const sAV = strength(fused);
    const best = strength(sharp);
    expect(1 + (sAV - best) / best).toBeLessThan(1);
    expect(run(sharp, flat, { kappaMin: 0.9 })).toBeCloseTo(0.9, 6);
    expect(run(sharp, flat)).toBeCloseTo(Math.max(0.5, 1 + (sAV - best) / best), 5);
  });

  it("'ratioToMean': κ = s_AV / mean(s_A, s_V), by hand", () => {
    const want = strength(fused) / ((strength(weakA) + strength(weakV)) / 2);
    expect(run(weakA, weakV, { formula: 'ratioToMean', kappaMax: 10 })).toBeCloseTo(want, 5);
  });

  it('refuses κ_min above κ_max, naming the field', () => {
    const doc = JSON.parse(TEMPLATE) as GraphDoc;
    doc.nodes.kappa!.params = { kappaMin: 4, kappaMax: 3 };
    const d = analyse(doc, registry).diagnostics.find((x) => x.nodeId === 'kappa');
    expect(d?.message).toMatch(/κ_min 4 is above κ_max 3/);
  });
});

describe('fusion nodes against their formulas by hand', () => {
  const rng = createRng(9);
  const mat = (r: number, c: number) =>
    Array.from({ length: r }, () => Array.from({ length: c }, () => rng.normal()));
  const dot = (x: number[], W: number[][], j: number) => x.reduce((acc, xi, i) => acc + xi * W[i]![j]!, 0);
  const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

  it('FiLM: y = (a·W_γ + b_γ) ⊙ v + a·W_β + b_β', () => {
    const [B, Da, D] = [3, 4, 5];
    const a = mat(B, Da);
    const v = mat(B, D);
    const Wg = mat(Da, D);
    const Wb = mat(Da, D);
    const bg = mat(1, D)[0]!;
    const bb = mat(1, D)[0]!;
    const got = tf.tidy(() =>
      (
        registry.get('fusion.filmFusion')!.kernel!.call(
          tfOps,
          [tf.tensor2d(a), tf.tensor2d(v)],
          {
            gamma_kernel: tf.tensor2d(Wg),
            gamma_bias: tf.tensor1d(bg),
            beta_kernel: tf.tensor2d(Wb),
            beta_bias: tf.tensor1d(bb),
          },
          {},
          { training: false },
        ) as tf.Tensor
      ).arraySync(),
    ) as number[][];
    for (let b = 0; b < B; b++)
      for (let j = 0; j < D; j++)
        expect(got[b]![j]!).toBeCloseTo(
          (dot(a[b]!, Wg, j) + bg[j]!) * v[b]![j]! + dot(a[b]!, Wb, j) + bb[j]!,
          4,
        );
  });

  it('gated: g = σ([a ‖ v]·W + b), y = g ⊙ a + (1 − g) ⊙ v', () => {
    const [B, D] = [3, 4];
    const a = mat(B, D);
    const v = mat(B, D);
    const W = mat(2 * D, D);
    const bias = mat(1, D)[0]!;
    const got = tf.tidy(() =>
      (
        registry
          .get('fusion.gatedFusion')!
          .kernel!.call(
            tfOps,
            [tf.tensor2d(a), tf.tensor2d(v)],
            { kernel: tf.tensor2d(W), bias: tf.tensor1d(bias) },
            {},
            { training: false },
          ) as tf.Tensor
      ).arraySync(),
    ) as number[][];
    for (let b = 0; b < B; b++)
      for (let j = 0; j < D; j++) {
        const g = sigmoid(dot([...a[b]!, ...v[b]!], W, j) + bias[j]!);
        expect(got[b]![j]!).toBeCloseTo(g * a[b]![j]! + (1 - g) * v[b]![j]!, 4);
      }
  });

  it('gated fusion refuses features of different widths, naming the fix', () => {
    const doc = JSON.parse(TEMPLATE) as GraphDoc;
    doc.nodes.gate = { type: 'fusion.gatedFusion', v: 1, params: {} };
    doc.edges.g1 = { from: { node: 'audio1', port: 'y' }, to: { node: 'gate', port: 'a' } };
    doc.edges.g2 = { from: { node: 'image2', port: 'y' }, to: { node: 'gate', port: 'v' } };
    const d = analyse(doc, registry).diagnostics.find((x) => x.nodeId === 'gate');
    expect(d?.message).toMatch(/a has 64 and v has 32/);
  });
});

describe('the template: unimodal responses and the κ-scaled fusion group', () => {
  it('o_A and o_V are the same head applied with the other modality’s features zeroed (by hand)', async () => {
    const data = await loadAV(1);
    const compiled = compile(TEMPLATE);
    const rows = toTensors(data, 'val');
    const before = tf.memory().numTensors;
    const [got, want] = tf.tidy(() => {
      const outs = compiled.run(feedsFor(compiled.ir, rows), { training: false });
      const fA = outs.get('audio2')!.slice([0, 0], [8, -1]);
      const fV = outs.get('image2')!.slice([0, 0], [8, -1]);
      const [Wf, bf] = compiled.weights(['fusion']).map((w) => w.read());
      const [Wh, bh] = compiled.weights(['head']).map((w) => w.read());
      const head = (x: tf.Tensor) => tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x, Wf!), bf!)), Wh!), bh!);
      const zero = (t: tf.Tensor) => tf.zerosLike(t);
      const wantAll = [
        head(tf.concat([fA, fV], 1)),
        head(tf.concat([fA, zero(fV)], 1)),
        head(tf.concat([zero(fA), fV], 1)),
      ].map((t) => t.arraySync());
      const gotAll = ['split:fused', 'split:a', 'split:v'].map((k) =>
        outs.get(k)!.slice([0, 0], [8, -1]).arraySync(),
      );
      return [gotAll, wantAll];
    }) as unknown as [number[][][], number[][][]];
    expect(tf.memory().numTensors).toBe(before);
    for (let k = 0; k < 3; k++)
      for (let b = 0; b < 8; b++)
        for (let c = 0; c < 10; c++) expect(got[k]![b]![c]!).toBeCloseTo(want[k]![b]![c]!, 4);
    // The model output is the fused response, one row per sample.
    const same = tf.tidy(() => {
      const outs = compiled.run(feedsFor(compiled.ir, rows), { training: false });
      const out = outs.get('output')!;
      return (
        out.shape[0] === data.val.count && tf.equal(out, outs.get('split:fused')!).all().dataSync()[0] === 1
      );
    });
    expect(same).toBe(true);
    rows.dispose();
    compiled.dispose();
  });

  it('one Adam step: the fusion weights move κ × the plain step; every other weight is bit-identical', async () => {
    const data = await loadAV(2);
    const step = async (doc: GraphDoc | string) => {
      const compiled = compile(doc);
      const initial = new Map(
        compiled.variables([]).map((v) => [v.name, v.dataSync().slice() as Float32Array]),
      );
      let lr: Record<string, number> = {};
      const r = await train(compiled, registry, data, compiled.ir.training!, {
        epochs: 1,
        maxBatchesPerEpoch: 1,
        seed: 4,
        validate: false,
        onEpoch: (e) => {
          lr = { ...e.lr, kappa: e.train.metrics.kappa! };
        },
      });
      expect(r.status).toBe('done');
      const groupOf = new Map(
        compiled.ir.nodes.flatMap((n) =>
          compiled.variables([n.group ?? '']).map((v) => [v.name, n.group ?? '']),
        ),
      );
      // By position: the two compiled models number their tfjs variable names differently.
      const delta = new Map(
        compiled.variables([]).map((v, k) => [
          k,
          {
            name: v.name,
            group: groupOf.get(v.name)!,
            d: (v.dataSync() as Float32Array).map((x, i) => x - initial.get(v.name)![i]!),
          },
        ]),
      );
      compiled.dispose();
      return { delta, lr };
    };
    const iemf = await step(TEMPLATE);
    const plain = await step(plainVariant(TEMPLATE));
    const kappa = iemf.lr.kappa!;
    expect(kappa).toBeGreaterThanOrEqual(0.5);
    expect(kappa).toBeLessThanOrEqual(3);
    // The report's effective rate of the fusion group is the base rate × κ of the batch; the
    // other group keeps its base rate; plain training has base rates only.
    expect(iemf.lr.fusion!).toBeCloseTo(1e-3 * kappa, 9);
    expect(iemf.lr['encoders-head']).toBe(1e-3);
    expect(plain.lr.fusion).toBe(1e-3);
    let fusionVars = 0;
    for (const [k, { name, group, d }] of iemf.delta) {
      const p = plain.delta.get(k)!.d;
      if (group === 'fusion') {
        fusionVars++;
        // Adam's first step is lr · ĝ/(|ĝ| + ε): κ times the rate, κ times the step.
        for (let i = 0; i < d.length; i++) expect(d[i]!).toBeCloseTo(kappa * p[i]!, 6);
        expect(d.some((x) => x !== 0)).toBe(true);
      } else expect(Array.from(d), `${name} (${group})`).toEqual(Array.from(p));
    }
    expect(fusionVars).toBe(2);
  });

  it('the inverse-effectiveness curve: ME of the bin means per tercile of max(s_A, s_V), by hand', () => {
    const s = {
      av: Float32Array.from([0.3, 0.5, 0.6, 0.8, 0.9, 0.95]),
      a: Float32Array.from([0.1, 0.2, 0.5, 0.3, 0.9, 0.6]),
      v: Float32Array.from([0.2, 0.1, 0.2, 0.6, 0.4, 0.92]),
    };
    // max = 0.2, 0.2 | 0.5, 0.6 | 0.9, 0.92 (already sorted).
    const c = enhancementCurve(s);
    expect(c.m.map((x) => +x.toFixed(6))).toEqual([0.2, 0.55, 0.91]);
    expect(c.me[0]).toBeCloseTo((0.4 - 0.2) / 0.2, 6);
    expect(c.me[1]).toBeCloseTo((0.7 - 0.55) / 0.55, 6);
    expect(c.me[2]).toBeCloseTo((0.925 - 0.91) / 0.91, 6);
    expect(epochsToReach([0.1, 0.5, 0.7, 0.69], 0.7)).toBe(3);
    expect(epochsToReach([0.1], 0.7)).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('audioVisual dataset', () => {
  it('is seeded: the same seed gives the same data, another seed other noise', async () => {
    const [a, b, c] = await Promise.all([loadAV(5), loadAV(5), loadAV(6)]);
    expect(a.train.x).toEqual(b.train.x);
    expect(a.train.fields!.audio).toEqual(b.train.fields!.audio);
    expect(a.val.y).toEqual(b.val.y);
    expect(a.train.fields!.audio).not.toEqual(c.train.fields!.audio);
    expect(a.train.count).toBe(1400);
    expect(a.val.count).toBe(400);
    // Stratified: 40 test samples per class.
    for (let k = 0; k < 10; k++) expect(a.val.y.filter((y) => y === k).length).toBe(40);
  });

  it('about 1/3 of the samples have both cues weak, and the cues are weak independently', async () => {
    const d = await loadAV(7);
    const rows = [
      ...Array.from({ length: d.train.count }, (_, i) => [d.train.fields!.strong!, i] as const),
      ...Array.from({ length: d.val.count }, (_, i) => [d.val.fields!.strong!, i] as const),
    ];
    const n = rows.length;
    const bothWeak = rows.filter(([s, i]) => s[2 * i] === 0 && s[2 * i + 1] === 0).length / n;
    const weakA = rows.filter(([s, i]) => s[2 * i] === 0).length / n;
    const weakV = rows.filter(([s, i]) => s[2 * i + 1] === 0).length / n;
    // Binomial sd over 1 800 samples ≈ 0.011: 4 sd.
    expect(Math.abs(bothWeak - 1 / 3)).toBeLessThan(0.045);
    expect(Math.abs(weakA - Math.sqrt(1 / 3))).toBeLessThan(0.05);
    expect(Math.abs(weakV - Math.sqrt(1 / 3))).toBeLessThan(0.05);
  });

  it('without noise, audio = gain · prototype of the class and the image = gain · digit', async () => {
    const d = await loadAV(8, { noiseA: 0, noiseV: 0, weakGain: 0.2 });
    const proto = audioPrototypes(42);
    const digits = await findDataset('digits8')!.load({ valFraction: 0.2, flat: true }, createRng(1), {
      mnistDigit: () => Promise.reject(new Error('unused')),
    });
    const pixelSums = new Set(
      Array.from({ length: digits.train.count }, (_, i) =>
        digits.train.x
          .slice(i * 64, i * 64 + 64)
          .reduce((a, b) => a + b, 0)
          .toFixed(4),
      ),
    );
    let matched = 0;
    for (let i = 0; i < 50; i++) {
      const y = d.train.y[i]!;
      const [sa, sv] = [d.train.fields!.strong![2 * i]!, d.train.fields!.strong![2 * i + 1]!];
      const gA = sa ? 1 : 0.2;
      const gV = sv ? 1 : 0.2;
      for (let j = 0; j < AUDIO_WIDTH; j++)
        expect(d.train.fields!.audio![i * AUDIO_WIDTH + j]!).toBeCloseTo(gA * proto[y * AUDIO_WIDTH + j]!, 5);
      const sum = d.train.x.slice(i * 64, i * 64 + 64).reduce((a, b) => a + b, 0) / gV;
      if (pixelSums.has(sum.toFixed(4))) matched++;
    }
    // Images are digits8 digits times their gain (those in digits8's own training split match).
    expect(matched).toBeGreaterThan(25);
  });
});
