// P16 (hierarchical-poly-layerwise): the fit nodes' closed forms against hand-computed values, the
// hierPoly generator (seeded determinism, p = (xᵀAx − tr A)/√2 recomputed independently, E[p] = 0
// since E[xᵀAx] = tr A, Var p = ‖A‖²_F = 1), and the template's four fit phases through the trainer:
// randomFeatures' mean equals the Float64 mean of its features on the first half, ŷ's ridge equals an
// independent Gauss–Jordan solve on the second half's expansion, no tensor leaks.

import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileIR } from '../compiler/compile.ts';
import { analyseText } from '../core/analysis/analyse.ts';
import { loadBinding } from '../core/datasets/binding.ts';
import { drawSymmetric, hierP, hierPoly } from '../core/datasets/hier-poly.ts';
import { columnStats, featureMean } from '../core/fits.ts';
import { matrix } from '../core/linalg/ridge.ts';
import { lowerGraph } from '../core/lower.ts';
import { createRng } from '../core/rng.ts';
import { nodeDatasetIO } from '../node/dataset-io.ts';
import { loadRegistry } from '../node/discover-nodes.ts';
import { train } from '../trainer/loop.ts';

const registry = await loadRegistry();

beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.env().set('PROD', true);
});

describe('random features / standardize closed forms', () => {
  it('featureMean: column means of ReLU(XW), computed by hand', () => {
    // XW rows: [1, −1, 2], [0.5, 1, −1], [0.5, −2, 3] → ReLU means [2/3, 1/3, 5/3].
    const x = matrix([1, 0, 0, 1, 1, -1], 3, 2);
    const w = Float64Array.from([1, -1, 2, 0.5, 1, -1]);
    const m = featureMean(x, w, 3, 'relu');
    expect([...m].map((v) => Number(v.toFixed(12)))).toEqual(
      [2 / 3, 1 / 3, 5 / 3].map((v) => Number(v.toFixed(12))),
    );
    const t = featureMean(x, w, 3, 'tanh');
    expect(t[1]).toBeCloseTo((Math.tanh(-1) + Math.tanh(1) + Math.tanh(-2)) / 3, 12);
  });

  it('columnStats: mean and population std (+ eps under the root), by hand', () => {
    const { mean, std } = columnStats(matrix([1, 2, 3, 2, 5, 2], 3, 2), 1e-4);
    expect([...mean]).toEqual([3, 2]);
    expect(std[0]).toBeCloseTo(Math.sqrt(8 / 3 + 1e-4), 12);
    expect(std[1]).toBeCloseTo(Math.sqrt(1e-4), 12);
  });
});

describe('hierPoly', () => {
  const params = { dim: 5, train: 20000, test: 10, gain: 2 };

  it('is deterministic per seed and differs between seeds', async () => {
    const a = await hierPoly.load(params, createRng(7), nodeDatasetIO);
    const b = await hierPoly.load(params, createRng(7), nodeDatasetIO);
    const c = await hierPoly.load(params, createRng(8), nodeDatasetIO);
    expect(a.train.x).toEqual(b.train.x);
    expect(a.train.fields!.p).toEqual(b.train.fields!.p);
    expect(a.val.y).toEqual(b.val.y);
    expect(a.train.x).not.toEqual(c.train.x);
  });

  it('p = (xᵀAx − tr A)/√2 with A symmetric, ‖A‖_F = 1; y = tanh(2p); E[p] = 0, Var p = 1', async () => {
    const d = params.dim;
    const data = await hierPoly.load(params, createRng(3), nodeDatasetIO);
    // A is the generator's first draw: recompute it from the same seed.
    const a = drawSymmetric(d, createRng(3));
    let f = 0;
    for (let i = 0; i < d; i++)
      for (let j = 0; j < d; j++) {
        expect(a[i * d + j]).toBe(a[j * d + i]);
        f += a[i * d + j]! ** 2;
      }
    expect(f).toBeCloseTo(1, 12);
    const n = data.train.count;
    const pv = data.train.fields!.p!;
    let mean = 0;
    let sq = 0;
    for (let r = 0; r < n; r++) {
      const x = Array.from(data.train.x.subarray(r * d, (r + 1) * d));
      // Independent form: Σ_i A_ii (x_i² − 1) + 2 Σ_{i<j} A_ij x_i x_j.
      let q = 0;
      for (let i = 0; i < d; i++) {
        q += a[i * d + i]! * (x[i]! ** 2 - 1);
        for (let j = i + 1; j < d; j++) q += 2 * a[i * d + j]! * x[i]! * x[j]!;
      }
      if (r < 50) {
        expect(pv[r]).toBeCloseTo(q / Math.SQRT2, 5);
        expect(hierP(a, x, d)).toBeCloseTo(q / Math.SQRT2, 10);
        expect(data.train.y[r]).toBeCloseTo(Math.tanh(2 * pv[r]!), 6);
      }
      mean += pv[r]! / n;
      sq += pv[r]! ** 2 / n;
    }
    // Sampling sd of the mean ≈ 1/√20000 = 0.007; of the variance ≈ √(Var p²/n) ≲ 0.03.
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(sq - mean ** 2 - 1)).toBeLessThan(0.12);
  });
});

/** Gauss–Jordan solve of [X, 1]ᵀ[X, 1] + diag(λ…λ, 0) against [X, 1]ᵀy (independent of ridgeFit). */
function ridgeRef(x: number[][], y: number[], lambda: number): number[] {
  const d = x[0]!.length + 1;
  const a = Array.from({ length: d }, () => new Array<number>(d + 1).fill(0));
  for (const [r, row] of x.entries()) {
    const z = [...row, 1];
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) a[i]![j]! += z[i]! * z[j]!;
      a[i]![d]! += z[i]! * y[r]!;
    }
  }
  for (let i = 0; i < d - 1; i++) a[i]![i]! += lambda;
  for (let c = 0; c < d; c++) {
    let piv = c;
    for (let r = c + 1; r < d; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[piv]![c]!)) piv = r;
    [a[c], a[piv]] = [a[piv]!, a[c]!];
    for (let r = 0; r < d; r++) {
      if (r === c) continue;
      const f = a[r]![c]! / a[c]![c]!;
      for (let k = c; k <= d; k++) a[r]![k]! -= f * a[c]![k]!;
    }
  }
  return a.map((row, i) => row[d]! / row[i]!);
}

describe('hierarchical-poly-layerwise template', () => {
  it('four fit phases on the halves set F’s mean, z, the standardiser and ŷ in closed form; no leaks', async () => {
    const text = readFileSync(
      new URL('../../templates/hierarchical-poly-layerwise.graph.json', import.meta.url),
      'utf8',
    );
    const doc = JSON.parse(text);
    // A small copy: 400 rows in halves of 200, narrow layers.
    doc.training.dataset.params = { dim: 3, train: 400, test: 50, gain: 2 };
    doc.training.dataset.subsets = [
      { name: 'firstHalf', rows: [0, 200] },
      { name: 'secondHalf', rows: [200, 400] },
    ];
    doc.nodes.input.params.shape = [3];
    doc.nodes.feat.params.units = 12;
    doc.nodes.expand.params.units = 6;
    const a = analyseText(JSON.stringify(doc), registry);
    expect(a.diagnostics).toEqual([]);
    const ir = lowerGraph(a, registry).ir!;
    expect(ir.training!.phases.map((p) => [p.kind, p.fit, p.data?.subset])).toEqual([
      ['fit', ['feat'], 'firstHalf'],
      ['fit', ['z'], 'firstHalf'],
      ['fit', ['std', 'yhat'], 'secondHalf'],
      ['fit', ['base'], undefined],
    ]);
    const data = await loadBinding(ir.training!.dataset, createRng(4), nodeDatasetIO);
    const compiled = compileIR(ir, registry, { seed: 4 });
    const before = tf.memory().numTensors;
    const r = await train(compiled, registry, data, ir.training!, { validate: false });
    expect(r.status).toBe('done');
    expect(tf.memory().numTensors).toBe(before);

    const w = (id: string) => compiled.weights([id]).map((v) => Float64Array.from(v.read().dataSync()));
    const [kernel, mu] = w('feat');
    const first = matrix(Float64Array.from(data.train.x.subarray(0, 200 * 3)), 200, 3);
    const want = featureMean(first, kernel!, 12, 'relu');
    for (let u = 0; u < 12; u++) expect(mu![u]).toBeCloseTo(want[u]!, 5);
    // W ~ N(0, 1/d): frozen, drawn at build (not zero).
    expect(kernel!.some((v) => v !== 0)).toBe(true);

    // The model's inner values on the second half: F, z, standardised z, the expansion.
    const [hs, zs, es, yh] = tf.tidy(() => {
      const x = tf.tensor2d(data.train.x.subarray(200 * 3), [200, 3]);
      const outs = compiled.run({ input: x }, { training: false });
      return ['feat', 'z', 'expand', 'yhat'].map((id) => outs.get(id)!.arraySync() as number[][]);
    });
    const ySecond = Array.from(data.train.y.subarray(200));
    // The standardiser saw z on the second half: its mean/std are z's there.
    const [m, s] = w('std');
    const zc = zs!.map((row) => row[0]!);
    const zm = zc.reduce((p, v) => p + v, 0) / 200;
    expect(m![0]).toBeCloseTo(zm, 4);
    expect(s![0]).toBeCloseTo(Math.sqrt(zc.reduce((p, v) => p + (v - zm) ** 2, 0) / 200 + 1e-8), 4);
    // ŷ's ridge equals the Gauss–Jordan normal equations on the expansion rows (λ on W only).
    const ref = ridgeRef(es!, ySecond, doc.nodes.yhat.params.lambda);
    const [yk, yb] = w('yhat');
    for (let i = 0; i < 6; i++) expect(yk![i]).toBeCloseTo(ref[i]!, 3);
    expect(yb![0]).toBeCloseTo(ref[6]!, 3);
    expect(yh!.length).toBe(200);
    expect(hs![0]!.length).toBe(12);
    compiled.dispose();
  });
});
