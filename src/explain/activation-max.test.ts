// The activationMax tool (multifaceted AM): the unit's activation rises monotonically over the ascent
// steps, the blur kernel (discrete Gaussian, against a Bessel integral) and the scaled blur schedule's
// total variance and centre mask against closed forms, the diversity and quantile helpers
// against hand values, the facet figures against an independent forward pass, no leaked tensors,
// and `netwright analyse --tool activationMax --out` writing the images as PGM.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileIR } from '../compiler/compile.ts';
import { analyse } from '../core/analysis/analyse.ts';
import { loadBinding } from '../core/datasets/binding.ts';
import { loadDatasetSpec } from '../core/datasets/load-spec.ts';
import type { GraphDoc } from '../core/doc/schema.ts';
import { lowerGraph } from '../core/lower.ts';
import { resolveParams } from '../core/params.ts';
import { createRng } from '../core/rng.ts';
import { nodeDatasetIO } from '../node/dataset-io.ts';
import { loadRegistry } from '../node/discover-nodes.ts';
import { runCliCaptured as cli } from '../testing/harness.ts';
import { train } from '../trainer/loop.ts';
import {
  activationMaxTool,
  ascend,
  blur,
  blurScale,
  blurSigmas,
  centreMask,
  gaussianTaps,
  meanPairwiseCosineDistance,
  quantile,
  tapsVariance,
} from './activation-max.ts';
import { analysisContext } from './context.ts';

const registry = await loadRegistry();

beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.env().set('PROD', true);
});

/** The template, with a small data split (and optionally 1 epoch) for speed. */
function templateDoc(): GraphDoc {
  const d = JSON.parse(
    readFileSync(new URL('../../templates/multifaceted-am.graph.json', import.meta.url), 'utf8'),
  );
  d.training.dataset.params.trainSize = 200;
  d.training.dataset.params.valSize = 120;
  d.training.epochs = 1;
  return d;
}

async function setup(trained = false) {
  const a = analyse(templateDoc(), registry);
  expect(a.diagnostics.filter((x) => x.severity === 'error')).toEqual([]);
  const ir = lowerGraph(a, registry).ir!;
  const compiled = compileIR(ir, registry, { seed: 3 });
  const data = await loadBinding(ir.training!.dataset, createRng(1), nodeDatasetIO);
  if (trained)
    await train(compiled, registry, data, ir.training!, {
      epochs: 2,
      loadDataset: (spec) => loadDatasetSpec(spec, 1, nodeDatasetIO),
      seed: 1,
      validate: false,
    });
  return { compiled, data };
}

type AmParams = Parameters<typeof activationMaxTool.run>[2];
const params = (over: Record<string, unknown>) =>
  resolveParams(activationMaxTool.params, over).values as AmParams;

describe('activationMax helpers', () => {
  it("blur: an impulse becomes the outer product of Lindeberg's discrete Gaussian taps", () => {
    const sigma = 0.8;
    const t = sigma * sigma;
    // Independent reference: e^{−t}·I_n(t) = (1/π)∫₀^π e^{t(cos θ − 1)} cos(nθ) dθ (trapezoid rule,
    // spectrally accurate for this periodic integrand), truncated to |n| ≤ 2 and renormalised.
    const bessel = (n: number) => {
      const m = 2000;
      let s = 0;
      for (let k = 0; k <= m; k++) {
        const th = (Math.PI * k) / m;
        s += (k === 0 || k === m ? 0.5 : 1) * Math.exp(t * (Math.cos(th) - 1)) * Math.cos(n * th);
      }
      return s / m;
    };
    const taps = [2, 1, 0, 1, 2].map(bessel);
    const z = taps.reduce((s, v) => s + v, 0);
    const g = gaussianTaps(sigma);
    for (let i = 0; i < 5; i++) expect(g[i]).toBeCloseTo(taps[i]! / z, 10);
    expect(g.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
    // untruncated, the discrete Gaussian's variance is t; the 5 taps keep most of it
    expect(tapsVariance(g)).toBeGreaterThan(0.9 * t);
    expect(tapsVariance(g)).toBeLessThan(t);
    // sub-pixel σ: the variance is σ² (sampled Gaussian taps would give e^{−1/(2σ²)} ≈ 0 here)
    for (const s of [0.02, 0.06, 0.2]) expect(tapsVariance(gaussianTaps(s)) / (s * s)).toBeCloseTo(1, 2);
    expect(gaussianTaps(0)).toEqual([0, 0, 1, 0, 0]);
    const img = new Float32Array(9 * 9);
    img[4 * 9 + 4] = 1;
    const before = tf.memory().numTensors;
    const x = tf.tensor4d(img, [1, 9, 9, 1]);
    const y = blur(x, sigma);
    const out = y.dataSync();
    x.dispose();
    y.dispose();
    expect(tf.memory().numTensors).toBe(before);
    for (let i = 0; i < 9; i++)
      for (let j = 0; j < 9; j++) {
        const di = i - 4;
        const dj = j - 4;
        const want = Math.abs(di) <= 2 && Math.abs(dj) <= 2 ? (taps[di + 2]! * taps[dj + 2]!) / (z * z) : 0;
        expect(out[i * 9 + j]).toBeCloseTo(want, 6);
      }
  });

  it('the blur schedule scaled by W/blurRefSide gives the intended total blur: variances of successive blurs add', () => {
    // Reference schedule (227 px): T = 200, a blur after steps t_k = 4k + 3 (k = 0 … 49), σ linear 1 → 0.3
    // in t/199. Closed form Σσ_k² = 50a² + 2ac·Σt_k + c²·Σt_k², a = 1, c = −0.7/199, Σt_k = 5050,
    // Σt_k² = 16·Σk² + 24·Σk + 9·50 = 676 650.
    const a = 1;
    const c = -0.7 / 199;
    const refVar = 50 * a * a + 2 * a * c * 5050 + c * c * 676650;
    const ref = blurSigmas({ steps: 200, blurEvery: 4, sigmaFrom: 1, sigmaTo: 0.3 });
    expect(ref.length).toBe(50);
    expect(ref.reduce((s, v) => s + v * v, 0)).toBeCloseTo(refVar, 9);
    // Scaled to a 14-px image, as the tool does with the default blurRefSide 227.
    const scale = blurScale(14, 227);
    expect(scale).toBeCloseTo(14 / 227, 15);
    expect(blurScale(14, 0)).toBe(1);
    const sig = blurSigmas({ steps: 200, blurEvery: 4, sigmaFrom: scale, sigmaTo: 0.3 * scale });
    const want = scale * scale * refVar;
    expect(sig.reduce((s, v) => s + v * v, 0)).toBeCloseTo(want, 12);
    // the total blur is the same fraction of the side as in the reference (≈ 2.1 %), not 34 % of it
    expect(Math.sqrt(want) / 14).toBeCloseTo(Math.sqrt(refVar) / 227, 12);
    expect(Math.sqrt(refVar) / 227).toBeCloseTo(0.02106, 4);
    // Apply the 50 blurs to an impulse (15 × 15, centre 7, 7) and measure the variance of the result
    // along each axis in Float64: it must be the closed-form Σσ² (successive Gaussian blurs compose
    // into one of the summed variance).
    const img = new Float32Array(15 * 15);
    img[7 * 15 + 7] = 1;
    const before = tf.memory().numTensors;
    let x = tf.tensor4d(img, [1, 15, 15, 1]);
    for (const s of sig) {
      const y = blur(x, s);
      x.dispose();
      x = y;
    }
    const out = x.dataSync();
    x.dispose();
    expect(tf.memory().numTensors).toBe(before);
    let mass = 0;
    let vi = 0;
    let vj = 0;
    for (let i = 0; i < 15; i++)
      for (let j = 0; j < 15; j++) {
        const v = out[i * 15 + j]!;
        mass += v;
        vi += (i - 7) ** 2 * v;
        vj += (j - 7) ** 2 * v;
      }
    expect(mass).toBeCloseTo(1, 5);
    expect(vi / mass / want).toBeCloseTo(1, 2);
    expect(vj / mass / want).toBeCloseTo(1, 2);
    // Unscaled (σ in px of the 14-px image): the realised variance is the sum of the 5-tap kernels'
    // variances, ≥ 90 % of the intended 22.8 px² (the truncation at |n| ≤ 2 trims σ ≈ 1).
    const realised = ref.reduce((s, v) => s + tapsVariance(gaussianTaps(v)), 0);
    expect(realised / refVar).toBeGreaterThan(0.9);
    expect(realised / refVar).toBeLessThan(1);
  });

  it('centre mask: radius r·W/2 around the centre, whole inscribed disc at r = 1', () => {
    const m = centreMask(14, 14, 1);
    // pixel centres within 7 of (6.5, 6.5): count by brute force in Float64
    let n = 0;
    for (let i = 0; i < 14; i++) for (let j = 0; j < 14; j++) if ((i - 6.5) ** 2 + (j - 6.5) ** 2 <= 49) n++;
    expect(m.reduce((s, v) => s + v, 0)).toBe(n);
    expect(m[0]).toBe(0); // corner
    expect(m[6 * 14 + 6]).toBe(1);
    const small = centreMask(14, 14, 0.4); // radius 2.8: only the central disc
    expect(small.reduce((s, v) => s + v, 0)).toBeLessThan(n / 4);
  });

  it('diversity and quantile against hand values', () => {
    const a = Float32Array.from([1, 0, 0]);
    const b = Float32Array.from([0, 1, 0]);
    const c = Float32Array.from([1, 1, 0]);
    expect(meanPairwiseCosineDistance([a, a])).toBeCloseTo(0, 12);
    expect(meanPairwiseCosineDistance([a, b])).toBeCloseTo(1, 12);
    // pairs: (a,b) 1, (a,c) 1 − 1/√2, (b,c) 1 − 1/√2
    expect(meanPairwiseCosineDistance([a, b, c])).toBeCloseTo((1 + 2 * (1 - Math.SQRT1_2)) / 3, 6);
    expect(quantile([4, 1, 3, 2, 5], 0.5)).toBe(3);
    expect(quantile([0, 10], 0.99)).toBeCloseTo(9.9, 12);
  });
});

describe('activationMax tool', () => {
  it("the unit's activation rises monotonically over the ascent steps (no blur), and between blurs with blur", async () => {
    const { compiled, data } = await setup(true);
    const ctx = analysisContext(compiled, data, { classes: 'true', samples: 40 });
    const x0 = tf.tidy(() => (ctx.feeds[ctx.imageInput] as tf.Tensor4D).slice([0, 0, 0, 0], [3, 14, 14, 1]));
    const before = tf.memory().numTensors;
    const base = { steps: 40, lr: 0.05, l2: 1e-3, sigmaFrom: 1, sigmaTo: 0.3, radiusFrom: 0.4, lo: 0, hi: 1 };
    const plain = ascend(ctx, 'logits', 7, x0, { ...base, blurEvery: 0 });
    plain.x.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(plain.trace.length).toBe(41);
    for (let b = 0; b < 3; b++) {
      for (let t = 1; t < plain.trace.length; t++)
        expect(plain.trace[t]![b]!).toBeGreaterThanOrEqual(plain.trace[t - 1]![b]! - 1e-5);
      expect(plain.trace[40]![b]!).toBeGreaterThan(plain.trace[0]![b]! + 1e-3);
    }
    // The trace is a_u itself: compare the start with an independent forward pass.
    const direct = tf.tidy(() =>
      compiled
        .run({ [ctx.imageInput]: x0 }, { training: false })
        .get('logits')!
        .slice([0, 7], [3, 1])
        .dataSync(),
    );
    for (let b = 0; b < 3; b++) expect(plain.trace[0]![b]).toBeCloseTo(direct[b]!, 4);
    const blurred = ascend(ctx, 'logits', 7, x0, { ...base, blurEvery: 4 });
    blurred.x.dispose();
    for (let b = 0; b < 3; b++) {
      // between blurs (steps 4k+1 … 4k+3 are plain ascent steps) it rises monotonically
      for (let t = 1; t < blurred.trace.length; t++)
        if (t % 4 !== 0)
          expect(blurred.trace[t]![b]!).toBeGreaterThanOrEqual(blurred.trace[t - 1]![b]! - 1e-5);
    }
    x0.dispose();
    ctx.dispose();
    compiled.dispose();
  });

  it('returns K facets, the noise contrast and figures consistent with a separate forward pass; no leaks', async () => {
    const { compiled, data } = await setup();
    const ctx = analysisContext(compiled, data, { classes: 'true', samples: 120 });
    const before = tf.memory().numTensors;
    const r = await activationMaxTool.run(ctx, 'logits', params({ unit: 7, facets: 3, topN: 60, steps: 12 }));
    expect(tf.memory().numTensors).toBe(before);
    const logits = tf.tidy(() =>
      compiled.run(ctx.feeds, { training: false }).get('logits')!.slice([0, 7], [120, 1]).dataSync(),
    );
    const sorted = Array.from(logits).sort((a, b) => b - a);
    expect(r.figures['a_u max (real images)']).toBeCloseTo(sorted[0]!, 4);
    // p99 of 120 values, linear interpolation: position 0.99·119 = 117.81 in ascending order
    const asc = [...sorted].reverse();
    expect(r.figures['a_u p99 (real images)']).toBeCloseTo(asc[117]! + 0.81 * (asc[118]! - asc[117]!), 4);
    const imgs = r.views.filter((v) => v.kind === 'images');
    expect(imgs.map((v) => (v.kind === 'images' ? v.images.length : 0))).toEqual([3, 3, 3, 8]);
    const facets = imgs[0]!;
    if (facets.kind !== 'images') throw new Error('unreachable');
    expect([facets.height, facets.width, facets.channels]).toEqual([14, 14, 1]);
    for (const im of facets.images) for (const v of im) expect(v >= 0 && v <= 1).toBe(true);
    // the shown top images are the real top rows, in order
    const top = imgs[3]!;
    expect(top.kind === 'images' && top.values?.map((v) => Number(v.toFixed(4)))).toEqual(
      sorted.slice(0, 8).map((v) => Number(v.toFixed(4))),
    );
    expect(r.figures['facet diversity']).toBeCloseTo(
      meanPairwiseCosineDistance(facets.images.map((im) => Float32Array.from(im))),
      3,
    );
    expect(r.figures['a_u facet min']).toBeCloseTo(Math.min(...(facets.values ?? [])), 6);
    // default blurRefSide 227 on a 14-px image: σ scaled by 14/227
    expect(r.figures['blur σ scale (W / blurRefSide)']).toBeCloseTo(14 / 227, 12);
    ctx.dispose();
    compiled.dispose();
  });

  it('reports a bad unit, too few rows and a bad features node as analyse/... messages', async () => {
    const { compiled, data } = await setup();
    const ctx = analysisContext(compiled, data, { classes: 'true', samples: 10 });
    const before = tf.memory().numTensors;
    await expect(activationMaxTool.run(ctx, 'logits', params({ unit: 10, steps: 1 }))).rejects.toThrow(
      /analyse\/params: activationMax param 'unit' is 10, but node 'logits' has units 0 to 9/,
    );
    await expect(activationMaxTool.run(ctx, 'logits', params({ facets: 12, steps: 1 }))).rejects.toThrow(
      /analyse\/rows: 10 top images cannot make 12 facets/,
    );
    await expect(
      activationMaxTool.run(ctx, 'logits', params({ features: 'nope', steps: 1 })),
    ).rejects.toThrow(/analyse\/params: activationMax param 'features' names no node/);
    expect(tf.memory().numTensors).toBe(before);
    ctx.dispose();
    compiled.dispose();
  });

  it('runs from `netwright analyse --tool activationMax --out` and writes the images as PGM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nw-am-'));
    const d = templateDoc();
    d.analyses = [
      { tool: 'activationMax', node: 'logits', params: { unit: 7, facets: 2, topN: 20, steps: 4 } },
    ];
    const path = join(dir, 'g.graph.json');
    writeFileSync(path, JSON.stringify(d));
    const out = join(dir, 'am');
    const r = await cli('analyse', path, '--tool', 'activationMax', '--samples', '30', '--out', out);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Multifaceted activation maximisation on node 'logits'/);
    expect(r.stdout).toMatch(/facet diversity: /);
    const files = readdirSync(out).sort();
    expect(files).toEqual([
      'images0-0.pgm',
      'images0-1.pgm',
      'images1-0.pgm',
      'images1-1.pgm',
      'images2-0.pgm',
      'images2-1.pgm',
      ...Array.from({ length: 8 }, (_, i) => `images3-${i}.pgm`),
    ]);
    const pgm = readFileSync(join(out, 'images0-0.pgm'));
    expect(pgm.subarray(0, 13).toString()).toBe('P5\n14 14\n255\n');
    expect(pgm.length).toBe(13 + 14 * 14);
  });
});
