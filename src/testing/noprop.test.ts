// NoProp-DT (Li, Teh & Pascanu 2025): the schedule's closed forms, the KL terms against float64
// by hand, block-local gradients on the shipped template (∂L_t/∂θ_s = 0 for s ≠ t), inference that
// never reads the labels, and the diagnostic for a training-only input needed at inference.
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { alphaBar, chainStep, denoiseWeight, snr } from '../../nodes/noprop/_schedule.ts';
import { compileIR } from '../compiler/compile.ts';
import { tfOps } from '../compiler/tf-ops.ts';
import { analyse, analyseText } from '../core/analysis/analyse.ts';
import { loadBinding } from '../core/datasets/binding.ts';
import type { GraphDoc } from '../core/doc/schema.ts';
import { lowerGraph } from '../core/lower.ts';
import { createRng } from '../core/rng.ts';
import { nodeDatasetIO } from '../node/dataset-io.ts';
import { loadRegistry } from '../node/discover-nodes.ts';
import { feedsFor, sliceRows, toTensors } from '../trainer/feeds.ts';
import { runHeads } from '../trainer/heads.ts';

const registry = await loadRegistry();
const TEMPLATE = readFileSync(
  new URL('../../templates/noprop-dt-digits.graph.json', import.meta.url),
  'utf8',
);
const T = 10;

beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.env().set('PROD', true);
});

describe('schedule', () => {
  it('ᾱ rises from noise (t = 0) to clean (t = T); SNR is clamped at 100', () => {
    expect(alphaBar(0, T)).toBeCloseTo(1e-5, 12);
    expect(alphaBar(T, T)).toBeCloseTo(1 - 1e-5, 12);
    for (let t = 1; t <= T; t++) expect(alphaBar(t, T)).toBeGreaterThan(alphaBar(t - 1, T));
    expect(snr(T, T)).toBe(100);
    // f(t) = cos²(((t/T + s)/(1 + s))·π/2) at t = 5, by hand.
    const f = (u: number) => Math.cos(((u / T + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
    expect(alphaBar(5, T)).toBeCloseTo(1 - f(5) / f(0), 14);
    expect(denoiseWeight(3, T, 0.1)).toBeCloseTo(0.5 * T * 0.1 * (snr(3, T) - snr(2, T)), 12);
  });
  it('the chain step keeps q(z_t | y): mean a + b√ᾱ_{t−1} = √ᾱ_t, variance b²(1 − ᾱ_{t−1}) + c = 1 − ᾱ_t', () => {
    for (let t = 1; t <= T; t++) {
      const { a, b, c } = chainStep(t, T);
      expect(a + b * Math.sqrt(alphaBar(t - 1, T))).toBeCloseTo(Math.sqrt(alphaBar(t, T)), 10);
      expect(b * b * (1 - alphaBar(t - 1, T)) + c).toBeCloseTo(1 - alphaBar(t, T), 10);
    }
  });
});

describe('losses.nopropKl', () => {
  const head = registry.get('losses.nopropKl')!.loss!;
  const rng = createRng(4);
  const [B, C, D] = [5, 3, 4];
  const probs = Array.from({ length: B }, () => Array.from({ length: C }, () => rng.next()));
  const W = Array.from({ length: C }, () => Array.from({ length: D }, () => rng.normal()));
  const y = Array.from({ length: B }, () => rng.int(C));
  const call = (t: number) =>
    tf.tidy(() => {
      const table = tf.tile(tf.tensor3d([W]), [B, 1, 1]);
      const inputs = {
        table,
        target: tf.tensor2d(y, [B, 1], 'int32'),
        ...(t > 0 ? { probs: tf.tensor2d(probs) } : {}),
      };
      return head.call!(tfOps, inputs, { t, steps: T, eta: 0.1, weight: 1 } as never).dataSync()[0]!;
    });
  it('t ≥ 1: ½·T·η·ΔSNR · mean ‖p·W − u_y‖², by hand', () => {
    let sum = 0;
    for (let b = 0; b < B; b++)
      for (let j = 0; j < D; j++) {
        const pred = probs[b]!.reduce((s, p, c) => s + p * W[c]![j]!, 0);
        sum += (pred - W[y[b]!]![j]!) ** 2;
      }
    const want = 0.5 * T * 0.1 * (snr(4, T) - snr(3, T)) * (sum / B);
    expect(call(4)).toBeCloseTo(want, 3);
  });
  it('t = 0: KL(N(√ᾱ₀u_y, (1 − ᾱ₀)I) ‖ N(0, I)), by the Gaussian KL formula', () => {
    const a0 = alphaBar(0, T);
    let kl = 0;
    for (const c of y) {
      const mu2 = W[c]!.reduce((s, v) => s + a0 * v * v, 0);
      const v = 1 - a0;
      kl += 0.5 * (D * v + mu2 - D - D * Math.log(v));
    }
    expect(call(0)).toBeCloseTo(kl / B, 6);
  });
});

describe('the noprop-dt-digits template', () => {
  const build = (doc: GraphDoc | string) => {
    const a = typeof doc === 'string' ? analyseText(doc, registry) : analyse(doc, registry);
    return compileIR(lowerGraph(a, registry).ir!, registry, { seed: 1 });
  };

  it('trains each block only through its own term: ∂L_t/∂θ_s = 0 for s ≠ t', async () => {
    const compiled = build(TEMPLATE);
    const doc = JSON.parse(TEMPLATE) as GraphDoc;
    const ds = await loadBinding(doc.training!.dataset, createRng(1), nodeDatasetIO);
    const data = toTensors(ds, 'train');
    const rows = sliceRows(data, 0, 16);
    const before = tf.memory().numTensors;
    const all = compiled.variables([]);
    const blockOf = new Map<string, number>();
    for (let s = 1; s <= T; s++) for (const v of compiled.variables([`block${s}`])) blockOf.set(v.name, s);
    for (const t of [1, 6, T]) {
      const { grads, value } = tf.variableGrads(() => {
        const outs = compiled.run(feedsFor(compiled.ir, rows), { training: true });
        return runHeads(compiled.ir, registry, outs, rows.y, 10).terms.get(`kl${t}`)!;
      }, all);
      let own = 0;
      for (const [name, g] of Object.entries(grads)) {
        const size = tf.tidy(() => tf.max(tf.abs(g)).dataSync()[0]!);
        if (blockOf.get(name) === t) own = Math.max(own, size);
        else if (blockOf.has(name)) expect(size, `∂L_${t}/∂${name}`).toBe(0);
      }
      expect(own).toBeGreaterThan(0);
      tf.dispose([value, ...Object.values(grads)]);
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([rows.x, rows.y, ...rows.fields.values()]);
    data.dispose();
    compiled.dispose();
  });

  it('predicts without reading the labels (deterministic chain: any labels give the same output)', async () => {
    const doc = JSON.parse(TEMPLATE) as GraphDoc;
    for (const rec of Object.values(doc.nodes))
      if (rec.type === 'noprop.latent') rec.params = { ...rec.params, stochastic: false };
    const compiled = build(doc);
    const ds = await loadBinding(doc.training!.dataset, createRng(1), nodeDatasetIO);
    const data = toTensors(ds, 'val');
    const out = (labels: tf.Tensor) =>
      tf.tidy(() => {
        const feeds = { input: tf.slice(data.x, 0, 8), labels };
        return Array.from(compiled.run(feeds, { training: false }).get('head')!.dataSync());
      });
    const a = out(tf.zeros([8, 1], 'int32'));
    const b = out(tf.fill([8, 1], 7, 'int32'));
    expect(b).toEqual(a);
    data.dispose();
    compiled.dispose();
  });

  it('has no training-only diagnostic; labels wired into a plain layer on the way to the output get one', () => {
    expect(analyseText(TEMPLATE, registry).diagnostics.map((d) => d.code)).not.toContain(
      'data/training-only-at-inference',
    );
    const doc = JSON.parse(TEMPLATE) as GraphDoc;
    doc.nodes.leak = { type: 'layers.dense', v: 1, params: { units: 10 } };
    doc.nodes.mix = { type: 'layers.add', v: 1, params: {} };
    doc.edges = Object.fromEntries(
      Object.entries(doc.edges).filter(([, e]) => !(e.from.node === 'head' && e.to.node === 'output')),
    );
    doc.edges.l1 = { from: { node: 'labels', port: 'y' }, to: { node: 'leak', port: 'x' } };
    doc.edges.l2 = { from: { node: 'leak', port: 'y' }, to: { node: 'mix', port: 'x1' } };
    doc.edges.l3 = { from: { node: 'head', port: 'y' }, to: { node: 'mix', port: 'x2' } };
    doc.edges.l4 = { from: { node: 'mix', port: 'y' }, to: { node: 'output', port: 'x' } };
    const d = analyse(doc, registry).diagnostics.find((x) => x.code === 'data/training-only-at-inference');
    expect(d?.nodeId).toBe('labels');
    expect(d?.message).toMatch(/Input 'labels' is training-only/);
    expect(d?.message).toMatch(/Output 'output'/);
  });
});
