// Independent checks of the Float64 ridge solver: Cholesky factors and solutions worked out by hand,
// an exact least-squares fit, the one-feature closed form, the normal-equation residual on random
// data, and primal ≡ dual.
import { describe, expect, it } from 'vitest';
import {
  cholesky,
  choleskySolve,
  gramCols,
  gramRows,
  matrix,
  mulVec,
  normalEquationResidual,
  ridgeSelect,
  ridgeSolve,
  solveShifted,
} from '../core/linalg/ridge.ts';
import { createRng } from '../core/rng.ts';

const close = (a: ArrayLike<number>, b: readonly number[], digits = 10) => {
  expect(a.length).toBe(b.length);
  b.forEach((v, i) => {
    expect(a[i]!).toBeCloseTo(v, digits);
  });
};

describe('Cholesky', () => {
  it('2 × 2 by hand: [[4, 2], [2, 3]] = LLᵀ with L = [[2, 0], [1, √2]]; solve = [1/4, 1/2] for b = [2, 2]', () => {
    const l = cholesky([4, 2, 2, 3], 2);
    close(l, [2, 0, 1, Math.SQRT2]);
    // 4x + 2y = 2, 2x + 3y = 2 → y = 1/2, x = 1/4.
    close(choleskySolve(l, 2, [2, 2]), [0.25, 0.5]);
  });

  it('3 × 3 textbook factor: [[4,12,−16],[12,37,−43],[−16,−43,98]] → L = [[2,0,0],[6,1,0],[−8,5,3]]', () => {
    const a = [4, 12, -16, 12, 37, -43, -16, -43, 98];
    close(cholesky(a, 3), [2, 0, 0, 6, 1, 0, -8, 5, 3]);
    // A·[1, 2, 3] = [4 + 24 − 48, 12 + 74 − 129, −16 − 86 + 294] = [−20, −43, 192].
    close(choleskySolve(cholesky(a, 3), 3, [-20, -43, 192]), [1, 2, 3], 9);
  });

  it('refuses a matrix that is not positive definite', () => {
    expect(() => cholesky([1, 2, 2, 1], 2)).toThrow(/positive definite/);
  });

  it('solveShifted adds λ on the diagonal only: (I + I)x = b → x = b/2', () => {
    close(solveShifted(Float64Array.from([1, 0, 0, 1]), 2, 1, [4, -6]), [2, -3]);
  });
});

describe('ridge regression', () => {
  it('recovers an exact least-squares fit: y = 1 + 2t on t = 0…4 with columns [1, t], λ = 0', () => {
    const x = matrix([1, 0, 1, 1, 1, 2, 1, 3, 1, 4], 5, 2);
    close(ridgeSolve(x, [1, 3, 5, 7, 9], 0), [1, 2], 9);
  });

  it('the textbook least-squares line through (0,6), (1,0), (2,0): y = 5 − 3t', () => {
    // Strang, Linear Algebra: normal equations [[3,3],[3,5]]·[C,D] = [6,0] → C = 5, D = −3.
    const x = matrix([1, 0, 1, 1, 1, 2], 3, 2);
    close(ridgeSolve(x, [6, 0, 0], 0), [5, -3], 9);
  });

  it('one feature: w = Σxy / (Σx² + λ)', () => {
    const xs = [1, 2, 3];
    const ys = [2, 3, 7];
    const lambda = 0.5;
    const w = ridgeSolve(matrix(xs, 3, 1), ys, lambda);
    close(w, [(2 + 6 + 21) / (14 + lambda)]);
  });

  it('satisfies the normal equations on random data, primal (p < n) and dual (p > n) alike', () => {
    const rng = createRng(7);
    for (const [n, p] of [
      [40, 7],
      [12, 30],
    ] as const) {
      const x = matrix(
        Array.from({ length: n * p }, () => rng.normal()),
        n,
        p,
      );
      const y = Array.from({ length: n }, () => rng.normal());
      for (const lambda of [1e-3, 0.1, 10]) {
        const w = ridgeSolve(x, y, lambda);
        expect(normalEquationResidual(x, y, w, lambda)).toBeLessThan(1e-10);
      }
    }
  });

  it('primal and dual give the same w (wide matrix solved both ways)', () => {
    const rng = createRng(3);
    const [n, p] = [9, 20];
    const x = matrix(
      Array.from({ length: n * p }, () => rng.normal()),
      n,
      p,
    );
    const y = Array.from({ length: n }, () => rng.normal());
    const lambda = 0.3;
    const dual = ridgeSolve(x, y, lambda); // p > n → dual
    // Primal by hand: (XᵀX + λI)w = Xᵀy.
    const xty = new Float64Array(p);
    for (let r = 0; r < n; r++) for (let c = 0; c < p; c++) xty[c]! += x.data[r * p + c]! * y[r]!;
    const primal = solveShifted(gramCols(x), p, lambda, xty);
    close(dual, [...primal], 9);
  });

  it('Gram matrices: XᵀX and XXᵀ of a 2 × 3 matrix by hand', () => {
    const x = matrix([1, 2, 3, 4, 5, 6], 2, 3);
    close(gramRows(x), [14, 32, 32, 77]);
    close(gramCols(x), [17, 22, 27, 22, 29, 36, 27, 36, 45]);
  });

  it('XXᵀ of an odd number of rows (the blocked kernel pairs the last row with itself)', () => {
    const x = matrix([1, 2, 3, 4, 5, 6], 3, 2);
    close(gramRows(x), [5, 11, 17, 11, 25, 39, 17, 39, 61]);
  });

  it('ridgeSelect refits on all rows with the chosen λ (primal and dual paths)', () => {
    const rng = createRng(5);
    for (const [n, p] of [
      [31, 4],
      [15, 40],
      [21, 19], // p ≤ n but p > the fitted rows: dual selection, dual refit
    ] as const) {
      const x = matrix(
        Array.from({ length: n * p }, () => rng.normal()),
        n,
        p,
      );
      const y = Array.from({ length: n }, () => rng.normal());
      const sel = ridgeSelect(x, y, [1e-3, 1e-1, 10]);
      close(sel.w, [...ridgeSolve(x, y, sel.lambda)], 8);
      // The held-out score of the chosen λ, recomputed from a fit on the first rows.
      const nHold = Math.ceil(0.2 * n);
      const fit = matrix(x.data.subarray(0, (n - nHold) * p), n - nHold, p);
      const wf = ridgeSolve(fit, y.slice(0, n - nHold), sel.lambda);
      const hold = matrix(x.data.subarray((n - nHold) * p), nHold, p);
      const pred = mulVec(hold, wf);
      const mse = pred.reduce((a, v, i) => a + (v - y[n - nHold + i]!) ** 2, 0) / nHold;
      expect(sel.holdoutMse.find((h) => h.lambda === sel.lambda)!.mse).toBeCloseTo(mse, 8);
    }
  });

  it('ridgeSelect prefers small λ for noiseless linear data and large λ for pure noise', () => {
    const rng = createRng(11);
    const [n, p] = [60, 5];
    const x = matrix(
      Array.from({ length: n * p }, () => rng.normal()),
      n,
      p,
    );
    const wTrue = [1, -2, 0.5, 0, 3];
    const y = mulVec(x, wTrue);
    const grid = [1e-8, 1e-4, 1e-2, 1, 100];
    const clean = ridgeSelect(x, y, grid);
    expect(clean.lambda).toBeLessThan(1e-2 * p);
    close(clean.w, wTrue, 4);
    const noise = Array.from({ length: n }, () => rng.normal());
    const noisy = ridgeSelect(x, noise, grid);
    expect(noisy.lambda).toBeGreaterThan(clean.lambda);
    expect(noisy.holdoutMse).toHaveLength(grid.length);
  });
});
