// The discrete Poisson problem −Δu = f on the square (0, π)² with u = 0 on the boundary, on an n×n
// grid of interior points x_i = i·h (h = π/(n+1)), 5-point stencil. Solved directly, in float64, by
// the discrete sine transform: the sine vectors s_k(i) = sin(k·x_i) are the stencil's eigenvectors,
// so û_kl = f̂_kl / λ_kl with λ_kl = (4/h²)·(sin²(kh/2) + sin²(lh/2)). O(n³) with matrix products
// (n = 32: about 10⁵ multiply-adds per field). Pure TS, no tfjs.

/** Grid spacing of n interior points on (0, π). */
export const gridSpacing = (n: number): number => Math.PI / (n + 1);

/** S[i][k] = sin((i+1)(k+1)h), row-major n×n; S·S = (n+1)/2 · I. */
export function sineMatrix(n: number): Float64Array {
  const h = gridSpacing(n);
  const s = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) s[i * n + k] = Math.sin((i + 1) * (k + 1) * h);
  return s;
}

/** C = A·B for row-major n×n matrices. */
function matMul(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k]!;
      if (aik === 0) continue;
      for (let j = 0; j < n; j++) c[i * n + j]! += aik * b[k * n + j]!;
    }
  return c;
}

/**
 * Solves −Δ_h u = f (5-point stencil, zero Dirichlet boundary) for an n×n field f (row-major,
 * f[i·n + j] at (x_i, y_j)). `sine` may be passed to reuse sineMatrix(n) across many solves.
 */
export function solvePoisson(f: ArrayLike<number>, n: number, sine = sineMatrix(n)): Float64Array {
  const h = gridSpacing(n);
  const fm = Float64Array.from(f);
  const hat = matMul(matMul(sine, fm, n), sine, n); // S f S
  const norm = (2 / (n + 1)) ** 2; // S⁻¹ = 2/(n+1)·S on each side
  for (let k = 0; k < n; k++)
    for (let l = 0; l < n; l++) {
      const lambda = (4 / (h * h)) * (Math.sin(((k + 1) * h) / 2) ** 2 + Math.sin(((l + 1) * h) / 2) ** 2);
      hat[k * n + l] = (hat[k * n + l]! * norm) / lambda;
    }
  return matMul(matMul(sine, hat, n), sine, n);
}

/** The 5-point negative Laplacian of u with zero boundary values: (−Δ_h u)_ij. */
export function negLaplacian(u: ArrayLike<number>, n: number): Float64Array {
  const h2 = gridSpacing(n) ** 2;
  const at = (i: number, j: number) => (i < 0 || j < 0 || i >= n || j >= n ? 0 : u[i * n + j]!);
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++)
      out[i * n + j] = (4 * at(i, j) - at(i - 1, j) - at(i + 1, j) - at(i, j - 1) - at(i, j + 1)) / h2;
  return out;
}
