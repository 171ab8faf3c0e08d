// The activationMax tool (multifaceted AM): the unit's activation rises monotonically over the ascent
// steps, the blur kernel and centre mask against closed forms, the diversity and quantile helpers
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
  centreMask,
  gaussianTaps,
  meanPairwiseCosineDistance,
  quantile,
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
  it('blur: an impulse becomes the outer product of the normalised Gaussian taps', () => {
    const sigma = 0.8;
    const taps = [-2, -1, 0, 1, 2].map((d) => Math.exp(-(d * d) / (2 * sigma * sigma)));
    const z = taps.reduce((s, v) => s + v, 0);
    expect(gaussianTaps(sigma).reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
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
