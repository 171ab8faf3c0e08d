// Independent checks of the KAN basis helper: partition of unity, Cox–de Boor values by hand,
// closed forms of the other bases.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { tfOps } from '../compiler/tf-ops.ts';
import { type BasisSpec, basisSize, bsplineKnots, coxDeBoor, expandBasis } from '../core/kan/basis.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const run = (xs: number[][], spec: BasisSpec): number[][][] =>
  tf.tidy(() => expandBasis(tfOps, tf.tensor2d(xs), spec, xs[0]!.length).arraySync() as number[][][]);

describe('B-spline basis (Cox–de Boor)', () => {
  it('quadratic, G = 2 on [0, 1], x = 0.25: values computed by hand', () => {
    // knots −1, −0.5, 0, 0.5, 1, 1.5, 2; x in [t2, t3) with local u = 0.5:
    // B0 = (1−u)²/2, B1 = (−2u² + 2u + 1)/2, B2 = u²/2, B3 = 0.
    const knots = bsplineKnots(2, 2, 0, 1);
    expect(knots).toEqual([-1, -0.5, 0, 0.5, 1, 1.5, 2]);
    const hand = [0.125, 0.75, 0.125, 0];
    expect([0, 1, 2, 3].map((j) => coxDeBoor(0.25, knots, j, 2))).toEqual(hand);
    const got = run([[0.25]], { type: 'bspline', grid: 2, order: 2, lo: 0, hi: 1 })[0]![0]!;
    got.forEach((v, j) => {
      expect(v).toBeCloseTo(hand[j]!, 6);
    });
  });

  it('linear, G = 2 on [−1, 1], x = −0.25: hat functions by hand', () => {
    // knots −2, −1, 0, 1, 2; B_j,1 is the hat on [t_j, t_{j+2}]: at −0.25, B0 = 0.25, B1 = 0.75.
    const got = run([[-0.25]], { type: 'bspline', grid: 2, order: 1, lo: -1, hi: 1 })[0]![0]!;
    [0.25, 0.75, 0].forEach((v, j) => {
      expect(got[j]!).toBeCloseTo(v, 6);
    });
  });

  it.each([0, 1, 2, 3])(
    'order %i: partition of unity inside the grid and agreement with the recursion',
    (k) => {
      const spec: BasisSpec = { type: 'bspline', grid: 5, order: k, lo: -1, hi: 1 };
      const xs = Array.from({ length: 23 }, (_, i) => -0.99 + (1.98 * i) / 22);
      const phi = run(
        xs.map((x) => [x, -x]),
        spec,
      );
      const knots = bsplineKnots(5, k, -1, 1);
      expect(phi[0]![0]!.length).toBe(basisSize(spec));
      xs.forEach((x, i) => {
        const row = phi[i]![0]!;
        expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
        row.forEach((v, j) => {
          expect(v).toBeCloseTo(coxDeBoor(x, knots, j, k), 5);
        });
        expect(phi[i]![1]!.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      });
    },
  );

  it('vanishes far outside the extended grid', () => {
    const row = run([[5]], { type: 'bspline', grid: 5, order: 3, lo: -1, hi: 1 })[0]![0]!;
    expect(row.every((v) => v === 0)).toBe(true);
  });
});

describe('squashInputs: inputs squashed into the grid range before the basis', () => {
  const spec: BasisSpec = { type: 'bspline', grid: 5, order: 3, lo: -2, hi: 3 };
  it('equals the plain basis at lo + (hi − lo)·(1 + tanh x)/2, computed in plain JS', () => {
    const xs = [[-7, -0.4, 0.3, 2.5, 40]];
    const mapped = [xs[0]!.map((x) => -2 + 5 * ((1 + Math.tanh(x)) / 2))];
    const got = run(xs, { ...spec, squash: true })[0]!;
    const want = run(mapped, spec)[0]!;
    got.forEach((row, i) => {
      row.forEach((v, j) => {
        expect(v).toBeCloseTo(want[i]![j]!, 5);
      });
    });
  });

  it('far outside the grid the plain B-splines vanish; squashed ones still sum to 1', () => {
    const plain = run([[25, -25]], spec)[0]!;
    const squashed = run([[25, -25]], { ...spec, squash: true })[0]!;
    for (const row of plain) expect(row.every((v) => v === 0)).toBe(true);
    for (const row of squashed) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
  });
});

describe('other bases', () => {
  it('fourier: [cos(mx), sin(mx)]', () => {
    const row = run([[0.7]], { type: 'fourier', grid: 2, order: 0, lo: -1, hi: 1 })[0]![0]!;
    [Math.cos(0.7), Math.cos(1.4), Math.sin(0.7), Math.sin(1.4)].forEach((v, j) => {
      expect(row[j]!).toBeCloseTo(v, 5);
    });
  });
  it('chebyshev: T_n(tanh x)', () => {
    const u = Math.tanh(0.4);
    const row = run([[0.4]], { type: 'chebyshev', grid: 3, order: 0, lo: -1, hi: 1 })[0]![0]!;
    [1, u, 2 * u * u - 1, 4 * u ** 3 - 3 * u].forEach((v, j) => {
      expect(row[j]!).toBeCloseTo(v, 5);
    });
  });
  it('grbf: Gaussian bumps at evenly spaced centres', () => {
    const row = run([[0.2]], { type: 'grbf', grid: 3, order: 0, lo: -1, hi: 1 })[0]![0]!;
    [-1, 0, 1].forEach((c, j) => {
      expect(row[j]!).toBeCloseTo(Math.exp(-((0.2 - c) ** 2)), 5);
    });
  });
  it('mexhat: (1 − u²)·exp(−u²/2)', () => {
    const row = run([[0.2]], { type: 'mexhat', grid: 3, order: 0, lo: -1, hi: 1 })[0]![0]!;
    [-1, 0, 1].forEach((c, j) => {
      const u2 = (0.2 - c) ** 2;
      expect(row[j]!).toBeCloseTo((1 - u2) * Math.exp(-u2 / 2), 5);
    });
  });
});
