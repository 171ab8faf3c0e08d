// The project's own Poisson solver (−Δu = f on (0, π)², zero Dirichlet, 5-point stencil, direct DST
// solve in float64) and the poissonSine dataset built on it: the discrete residual, second-order
// convergence to the continuous solution, and the stored pairs.
import { describe, expect, it } from 'vitest';
import { findDataset } from '../core/datasets/index.ts';
import { resolveParams } from '../core/params.ts';
import { gridSpacing, negLaplacian, solvePoisson } from '../core/pde/poisson.ts';
import { createRng } from '../core/rng.ts';

const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

describe('solvePoisson (5-point stencil, direct sine-transform solve)', () => {
  it('solves the discrete equation: residual −Δ_h u − f below 1e-6 for an arbitrary f', () => {
    for (const n of [7, 32, 33]) {
      const rng = createRng(n);
      // Not a sine series: white noise plus a spike, so nothing but the linear algebra is tested.
      const f = Float64Array.from({ length: n * n }, () => 3 * rng.normal());
      f[Math.floor(n / 2) * n + 1] = 50;
      const u = solvePoisson(f, n);
      expect(maxAbs(negLaplacian(u, n), f)).toBeLessThan(1e-6);
    }
  });

  it('converges to the continuous solution at second order (f = 2·sin x·sin y → u = sin x·sin y)', () => {
    const error = (n: number) => {
      const h = gridSpacing(n);
      const exact = Float64Array.from({ length: n * n }, (_v, k) => {
        const i = Math.floor(k / n);
        const j = k % n;
        return Math.sin((i + 1) * h) * Math.sin((j + 1) * h);
      });
      return maxAbs(
        solvePoisson(
          exact.map((v) => 2 * v),
          n,
        ),
        exact,
      );
    };
    const coarse = error(15); // h = π/16
    const fine = error(31); // h = π/32
    expect(coarse).toBeLessThan(1e-2);
    expect(coarse / fine).toBeGreaterThan(3.8);
    expect(coarse / fine).toBeLessThan(4.2);
  });
});

describe('poissonSine dataset', () => {
  const ds = findDataset('poissonSine')!;
  const load = (seed: number) =>
    ds.load(resolveParams(ds.params, { samples: 6, grid: 16, modes: 3 }).values, createRng(seed), {
      mnistDigit: () => Promise.reject(new Error('not used')),
    });

  it('pairs every source with the solution of its discrete equation (float32 storage)', async () => {
    const data = await load(3);
    expect(data.binding.featureShape).toEqual([16, 16, 1]);
    expect(data.train.count + data.val.count).toBe(6);
    for (const split of [data.train, data.val])
      for (let s = 0; s < split.count; s++) {
        const f = split.x.subarray(s * 256, (s + 1) * 256);
        const u = split.y.subarray(s * 256, (s + 1) * 256);
        const scale = Math.max(...Array.from(f, Math.abs));
        expect(scale).toBeGreaterThan(0.1);
        // float32 rounding of u (|u| ≲ 1) amplified by 4/h² ≈ 117 at n = 16.
        expect(maxAbs(negLaplacian(u, 16), f) / scale).toBeLessThan(1e-4);
      }
  });

  it('is seeded: the same seed gives the same data, another seed other data', async () => {
    const a = await load(1);
    expect([...(await load(1)).train.x]).toEqual([...a.train.x]);
    expect([...(await load(2)).train.x]).not.toEqual([...a.train.x]);
  });
});
