// The MIP hypernetwork nodes (Ortiz, Guttag, Dalca 2023): values against brute-force loops, gradients
// against finite differences, θ₀'s segment-wise initialisation against its closed form (in the app
// and in the exported PyTorch module), the encoding's constant norm, and the random λ's contract.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileIR } from '../compiler/compile.ts';
import { seededOps, tfOps } from '../compiler/tf-ops.ts';
import { analyse } from '../core/analysis/analyse.ts';
import { generatePyModel } from '../core/codegen/pytorch-model.ts';
import { findDataset } from '../core/datasets/index.ts';
import type { GraphDoc } from '../core/doc/schema.ts';
import { lowerGraph } from '../core/lower.ts';
import { resolveParams } from '../core/params.ts';
import { createRng } from '../core/rng.ts';
import { loadRegistry } from '../node/discover-nodes.ts';
import { gradientError } from './harness.ts';

const registry = await loadRegistry();
const kernelOf = (type: string) => registry.get(type)!.kernel!;
const headOf = (type: string) => registry.get(type)!.loss!;
const paramsOf = (type: string, raw: Record<string, unknown>) =>
  resolveParams(registry.get(type)!.params, raw).values as never;

beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.env().set('PROD', true);
});

const rng = createRng(35);
const randn = (n: number) => Array.from({ length: n }, () => rng.normal());

describe('hyper.dense', () => {
  const B = 3;
  const M = 4;
  const N = 2;
  const U = 3;
  const OFFSET = 5;
  const P = OFFSET + N * U + U + 2;
  const params = paramsOf('hyper.dense', { units: U, offset: OFFSET });
  const run = (x: tf.Tensor, theta: tf.Tensor) =>
    kernelOf('hyper.dense').call(tfOps, [x, theta], {}, params, { training: false }) as tf.Tensor;

  it('equals the per-sample matrix product read from θ (brute force)', () => {
    const x = randn(B * M * N);
    const theta = randn(B * P);
    const y = tf.tidy(() => run(tf.tensor(x, [B, M, N]), tf.tensor(theta, [B, P])).dataSync());
    for (let b = 0; b < B; b++)
      for (let m = 0; m < M; m++)
        for (let j = 0; j < U; j++) {
          let want = theta[b * P + OFFSET + N * U + j]!;
          for (let i = 0; i < N; i++) want += x[(b * M + m) * N + i]! * theta[b * P + OFFSET + i * U + j]!;
          expect(y[(b * M + m) * U + j]).toBeCloseTo(want, 5);
        }
  });

  it('has gradients in x and θ equal to finite differences, and leaks nothing', () => {
    const before = tf.memory().numTensors;
    const x = tf.tensor(randn(B * M * N), [B, M, N]);
    const theta = tf.tensor(randn(B * P), [B, P]);
    const w = tf.tensor(randn(B * M * U), [B, M, U]); // a random projection makes a scalar
    const dx = gradientError((v) => tf.sum(tf.mul(run(v, theta), w)) as tf.Scalar, x, rng, 12);
    const dt = gradientError((v) => tf.sum(tf.mul(run(x, v), w)) as tf.Scalar, theta, rng, 12);
    expect(dx).toBeLessThan(1e-2);
    expect(dt).toBeLessThan(1e-2);
    tf.dispose([x, theta, w]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('names the fix when θ is too short for its slice', () => {
    const doc = graph({
      nodes: {
        x: { type: 'io.input', v: 1, params: { shape: [4, 2] } },
        t: { type: 'io.input', v: 1, params: { shape: [10] } },
        d: { type: 'hyper.dense', v: 1, params: { units: 3, offset: 4 } },
      },
      edges: {
        a: { from: { node: 'x', port: 'y' }, to: { node: 'd', port: 'x' } },
        b: { from: { node: 't', port: 'y' }, to: { node: 'd', port: 'theta' } },
      },
    });
    const d = analyse(doc, registry).diagnostics.find((g) => g.nodeId === 'd');
    expect(d?.message).toMatch(/reads θ\[4 : 13\].*θ has 10 entries: lower the offset/);
  });
});

/** A tensor whose neighbours along axis 1 differ by at least 0.1 (no |·| kink within ±eps). */
function gridSignal(b: number, n: number): number[] {
  const out: number[] = [];
  for (let s = 0; s < b; s++) {
    let v = rng.normal();
    for (let i = 0; i < n; i++) {
      out.push(v);
      v += (rng.next() < 0.5 ? -1 : 1) * (0.1 + rng.next());
    }
  }
  return out;
}

const tvBrute = (v: readonly number[], b: number, n: number): number[] =>
  Array.from({ length: b }, (_s, s) => {
    let t = 0;
    for (let i = 0; i + 1 < n; i++) t += Math.abs(v[s * n + i + 1]! - v[s * n + i]!);
    return t / (n - 1);
  });

describe('losses.totalVariation and losses.lossMix', () => {
  const B = 4;
  const N = 7;
  const tv = headOf('losses.totalVariation');
  const mix = headOf('losses.lossMix');

  it('total variation equals the brute-force mean |ŷ_{i+1} − ŷ_i|, gradient = finite differences', () => {
    const before = tf.memory().numTensors;
    const v = gridSignal(B, N);
    const pred = tf.tensor(v, [B, N, 1]);
    const got = tf.tidy(() => tv.call!(tfOps, { pred }, {} as never).dataSync()[0]!);
    const want = tvBrute(v, B, N).reduce((a, c) => a + c, 0) / B;
    expect(got).toBeCloseTo(want, 5);
    expect(
      gradientError((x) => tv.call!(tfOps, { pred: x }, {} as never) as tf.Scalar, pred, rng, 12, 1e-3),
    ).toBeLessThan(1e-2);
    pred.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('loss mix is (1 − λ)·MSE + λ·TV per sample (brute force), MSE at λ = 0 and TV at λ = 1', () => {
    const v = gridSignal(B, N);
    const y = randn(B * N);
    const lam = [0, 1, 0.3, 0.8];
    const value = (l: readonly number[]) =>
      tf.tidy(
        () =>
          mix.call!(
            tfOps,
            { pred: tf.tensor(v, [B, N, 1]), target: tf.tensor(y, [B, N, 1]), lambda: tf.tensor(l, [B, 1]) },
            {} as never,
          ).dataSync()[0]!,
      );
    const tvs = tvBrute(v, B, N);
    const mse = Array.from({ length: B }, (_s, s) => {
      let e = 0;
      for (let i = 0; i < N; i++) e += (v[s * N + i]! - y[s * N + i]!) ** 2;
      return e / N;
    });
    const want = lam.reduce((a, l, s) => a + (1 - l) * mse[s]! + l * tvs[s]!, 0) / B;
    expect(value(lam)).toBeCloseTo(want, 5);
    expect(value([0, 0, 0, 0])).toBeCloseTo(mse.reduce((a, c) => a + c, 0) / B, 5);
    expect(value([1, 1, 1, 1])).toBeCloseTo(tvs.reduce((a, c) => a + c, 0) / B, 5);
  });
});

describe('hyper.encoding and primitives.randomScalar', () => {
  it('cos|sin has norm √k for every z (magnitude invariance); z|1−z sums to k', () => {
    const z = Array.from({ length: 5 * 3 }, () => rng.next());
    const enc = (mode: string) =>
      tf.tidy(() =>
        (
          kernelOf('hyper.encoding').call(
            tfOps,
            [tf.tensor(z, [5, 3])],
            {},
            paramsOf('hyper.encoding', { mode }),
            {
              training: false,
            },
          ) as tf.Tensor
        ).arraySync(),
      ) as number[][];
    for (const row of enc('cosSin')) expect(Math.hypot(...row)).toBeCloseTo(Math.sqrt(3), 5);
    for (const row of enc('zOneMinusZ')) expect(row.reduce((a, c) => a + c, 0)).toBeCloseTo(3, 5);
  });

  it('draws λ in [lo, hi] while training (one per batch, or per sample) and gives value at inference', () => {
    const x = tf.zeros([64, 2]);
    let seed = 0;
    const draw = (raw: Record<string, unknown>, training: boolean) =>
      tf.tidy(
        () =>
          (
            kernelOf('primitives.randomScalar').call(
              seededOps(() => ++seed),
              [x],
              {},
              paramsOf('primitives.randomScalar', raw),
              { training },
            ) as tf.Tensor
          ).dataSync() as Float32Array,
      );
    const batch = draw({ lo: 0.2, hi: 0.7, per: 'batch' }, true);
    expect(batch.length).toBe(64);
    expect(new Set(batch).size).toBe(1);
    expect(batch[0]).toBeGreaterThanOrEqual(0.2);
    expect(batch[0]).toBeLessThanOrEqual(0.7);
    const sample = draw({ lo: 0.2, hi: 0.7, per: 'sample' }, true);
    expect(new Set(sample).size).toBeGreaterThan(50);
    expect(Math.min(...sample)).toBeGreaterThanOrEqual(0.2);
    expect(Math.max(...sample)).toBeLessThanOrEqual(0.7);
    expect([...draw({ value: 0.25 }, false)].every((v) => v === 0.25)).toBe(true);
    x.dispose();
  });
});

function graph(part: Pick<GraphDoc, 'nodes' | 'edges'>): GraphDoc {
  return { format: 'netwright.graph', formatVersion: 2, meta: { title: 'test' }, layout: {}, ...part };
}

// θ₀ of a 3-64-64-2 primary net behind a 16-feature hypernetwork layer.
const PRIMARY = [3, 64, 64, 2];
const H = 16;
const outputGraph = (mip: boolean) =>
  graph({
    nodes: {
      h: { type: 'io.input', v: 1, params: { shape: [H] } },
      theta: { type: 'hyper.output', v: 1, params: { primary: PRIMARY, mip } },
    },
    edges: { a: { from: { node: 'h', port: 'y' }, to: { node: 'theta', port: 'h' } } },
  });
/** Segments of θ: [start, end, closed-form variance or 0 for exact zeros]. */
const THETA_SEGMENTS: [number, number, number][] = [];
{
  let at = 0;
  for (let l = 1; l < PRIMARY.length; l++) {
    const n = PRIMARY[l - 1]! * PRIMARY[l]!;
    THETA_SEGMENTS.push([at, at + n, 2 / PRIMARY[l - 1]!], [at + n, at + n + PRIMARY[l]!, 0]);
    at += n + PRIMARY[l]!;
  }
}
const P = THETA_SEGMENTS.at(-1)![1];

function checkTheta(bias: ArrayLike<number>, kernel: ArrayLike<number>): void {
  expect(bias.length).toBe(P);
  for (const [from, to, variance] of THETA_SEGMENTS) {
    const seg = Array.from({ length: to - from }, (_v, i) => bias[from + i]!);
    if (variance === 0) {
      expect(seg.every((v) => v === 0)).toBe(true);
      continue;
    }
    const v = seg.reduce((a, c) => a + c * c, 0) / seg.length;
    // ≥ 192 draws: the variance's sampling error is ≤ √(2/192) ≈ 10 %; 35 % is > 3 SE.
    expect(v / variance).toBeGreaterThan(0.65);
    expect(v / variance).toBeLessThan(1.35);
  }
  // Kernel Kaiming-normal fan_out, gain 1: Var = 1 / P.
  const kv = Array.from(kernel).reduce((a, c) => a + c * c, 0) / kernel.length;
  expect(kv * P).toBeGreaterThan(0.95);
  expect(kv * P).toBeLessThan(1.05);
}

describe('hyper.output θ₀ (segment-wise initialisation)', () => {
  it('app: the bias holds Kaiming-normal primary kernels and zero biases, the kernel Var = 1/P', () => {
    const ir = lowerGraph(analyse(outputGraph(true), registry), registry).ir!;
    const compiled = compileIR(ir, registry, { seed: 4 });
    const weights = compiled.layers.get('theta')!.weights;
    const byName = Object.fromEntries(weights.map((w) => [w.name.split('/').at(-1)!, w.read().dataSync()]));
    checkTheta(byName.bias!, byName.kernel!);
    compiled.dispose();
  });

  it('PyTorch export: model.py initialises θ₀ the same way', () => {
    const ir = lowerGraph(analyse(outputGraph(true), registry), registry).ir!;
    const py = generatePyModel(ir, registry);
    const dir = mkdtempSync(join(tmpdir(), 'mip-py-'));
    writeFileSync(join(dir, 'model.py'), py.source);
    const script = [
      'import json, sys, torch',
      `sys.path.insert(0, ${JSON.stringify(dir)})`,
      'import model',
      'torch.manual_seed(0)',
      `m = model.${py.className}()`,
      'state = {k: v.detach().reshape(-1) for k, v in m.state_dict().items()}',
      'bias = next(v for k, v in state.items() if k.startswith("theta") and k.endswith("bias"))',
      'kernel = next(v for k, v in state.items() if k.startswith("theta") and k.endswith("kernel"))',
      'print(json.dumps({"bias": bias.tolist(), "kernel": kernel.tolist()}))',
    ].join('\n');
    const r = spawnSync('/usr/bin/python3', ['-c', script], { encoding: 'utf8', maxBuffer: 64 << 20 });
    expect(r.stderr).not.toMatch(/Error/);
    const state = JSON.parse(r.stdout) as { bias: number[]; kernel: number[] };
    checkTheta(state.bias, state.kernel);
  });
});

describe('noisySineGrid dataset', () => {
  it('holds the sorted grid, the clean curve sin(3πx)(1 − x²) as a field, and targets with noise sd σ', async () => {
    const ds = findDataset('noisySineGrid')!;
    const data = await ds.load(
      resolveParams(ds.params, { samples: 50, points: 64, noise: 0.3 }).values,
      createRng(9),
      { mnistDigit: () => Promise.reject(new Error('unused')) },
    );
    const { x, y, count, fields } = data.train;
    let sq = 0;
    for (let s = 0; s < count; s++)
      for (let i = 0; i < 64; i++) {
        const xi = -1 + (2 * i) / 63;
        expect(x[s * 64 + i]).toBeCloseTo(xi, 6);
        expect(fields!.clean![s * 64 + i]).toBeCloseTo(Math.sin(3 * Math.PI * xi) * (1 - xi * xi), 6);
        sq += (y[s * 64 + i]! - fields!.clean![s * 64 + i]!) ** 2;
      }
    // 40 × 64 noise draws: the sd's sampling error is ≈ 1.1 %; 6 % is > 5 SE.
    expect(Math.sqrt(sq / (count * 64)) / 0.3).toBeGreaterThan(0.94);
    expect(Math.sqrt(sq / (count * 64)) / 0.3).toBeLessThan(1.06);
  });
});
