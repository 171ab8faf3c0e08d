import { describe, expect, it } from 'vitest';
import { createRng } from '../rng.ts';
import { covariance, pca } from './pca.ts';
import type { Matrix } from './ridge.ts';

/** Reference: cyclic Jacobi eigen-decomposition of a symmetric d × d matrix (Float64), independent of power iteration. */
function jacobiEigen(a0: Float64Array, d: number): { values: number[]; vectors: number[][] } {
  const a = Float64Array.from(a0);
  const v = new Float64Array(d * d);
  for (let i = 0; i < d; i++) v[i * d + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < d; p++) for (let q = p + 1; q < d; q++) off += a[p * d + q]! ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < d; p++)
      for (let q = p + 1; q < d; q++) {
        const apq = a[p * d + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * d + q]! - a[p * d + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < d; k++) {
          const akp = a[k * d + p]!;
          const akq = a[k * d + q]!;
          a[k * d + p] = c * akp - s * akq;
          a[k * d + q] = s * akp + c * akq;
        }
        for (let k = 0; k < d; k++) {
          const apk = a[p * d + k]!;
          const aqk = a[q * d + k]!;
          a[p * d + k] = c * apk - s * aqk;
          a[q * d + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < d; k++) {
          const vkp = v[k * d + p]!;
          const vkq = v[k * d + q]!;
          v[k * d + p] = c * vkp - s * vkq;
          v[k * d + q] = s * vkp + c * vkq;
        }
      }
  }
  const order = [...Array(d).keys()].sort((i, j) => a[j * d + j]! - a[i * d + i]!);
  return {
    values: order.map((i) => a[i * d + i]!),
    vectors: order.map((i) => Array.from({ length: d }, (_, k) => v[k * d + i]!)),
  };
}

/** n rows in d dims with distinct variances along a random rotation. */
function sample(n: number, d: number, seed: number): Matrix {
  const rng = createRng(seed);
  const scales = Array.from({ length: d }, (_, j) => 3 * 0.7 ** j);
  const data = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const z = scales.map((s) => s * rng.normal());
    // mix with a fixed dense matrix so the axes are not the coordinate axes
    for (let j = 0; j < d; j++) {
      let s = 5 * (j % 3);
      for (let k = 0; k < d; k++) s += z[k]! * Math.cos(0.37 * (j + 1) * (k + 2));
      data[i * d + j] = s;
    }
  }
  return { data, rows: n, cols: d };
}

describe('pca (power iteration + deflation) against a Float64 Jacobi eigen reference', () => {
  it('covariance equals the direct two-pass formula', () => {
    const x: Matrix = { data: Float64Array.from([1, 2, 3, 5, 4, 1, 0, 0]), rows: 4, cols: 2 };
    const { mean, cov } = covariance(x);
    expect(Array.from(mean)).toEqual([2, 2]);
    // by hand: deviations (-1,0),(1,3),(2,-1),(-2,-2): Σxx=10, Σyy=14, Σxy=3-2+4=5, /3
    expect(cov[0]).toBeCloseTo(10 / 3, 12);
    expect(cov[3]).toBeCloseTo(14 / 3, 12);
    expect(cov[1]).toBeCloseTo(5 / 3, 12);
    expect(cov[2]).toBeCloseTo(5 / 3, 12);
  });

  it('2-D closed form: λ = (a+c)/2 ± √(((a−c)/2)² + b²)', () => {
    const x: Matrix = { data: Float64Array.from([1, 2, 3, 5, 4, 1, 0, 0]), rows: 4, cols: 2 };
    const r = pca(x, 2);
    const [a, b, c] = [10 / 3, 5 / 3, 14 / 3];
    const m = (a + c) / 2;
    const rad = Math.sqrt(((a - c) / 2) ** 2 + b * b);
    expect(r.variances[0]).toBeCloseTo(m + rad, 10);
    expect(r.variances[1]).toBeCloseTo(m - rad, 10);
  });

  it('top-10 of a 24-D cloud: eigenvalues, directions (|cos| ≈ 1) and scores match Jacobi', () => {
    const d = 24;
    const x = sample(400, d, 7);
    const r = pca(x, 10);
    const ref = jacobiEigen(covariance(x).cov, d);
    for (let j = 0; j < 10; j++) {
      expect(Math.abs(r.variances[j]! - ref.values[j]!) / ref.values[j]!).toBeLessThan(1e-8);
      let dot = 0;
      for (let k = 0; k < d; k++) dot += r.components[j * d + k]! * ref.vectors[j]![k]!;
      expect(Math.abs(dot)).toBeGreaterThan(1 - 1e-6);
    }
    // scores: Z = (X − μ)V, their sample variance is λ
    for (let j = 0; j < 10; j++) {
      let s = 0;
      for (let i = 0; i < x.rows; i++) s += r.scores.data[i * 10 + j]! ** 2;
      expect(s / (x.rows - 1) / r.variances[j]!).toBeCloseTo(1, 8);
    }
    expect(r.scores.cols).toBe(10);
  });

  it('caps k at d and rejects k < 1', () => {
    const x = sample(20, 3, 1);
    expect(pca(x, 10).variances.length).toBe(3);
    expect(() => pca(x, 0)).toThrow(/k must be a positive integer/);
  });
});
