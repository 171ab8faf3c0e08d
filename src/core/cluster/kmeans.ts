// k-means with k-means++ seeding, in Float64 (pure core: no tfjs). Used by fit phases (centroids of a
// clustering layer), the `cluster` analysis tool and verify experiments.
//
//   seeding (Arthur & Vassilvitskii 2007): c₁ uniform among the rows; then c_j = row i with
//     probability D(i)² / Σ D², D(i) = distance from row i to the nearest centroid chosen so far.
//   Lloyd: assign each row to its nearest centroid (squared Euclidean), move each centroid to the mean
//     of its rows (an empty cluster keeps its previous centroid), until no assignment changes or the
//     largest centroid move² ≤ tol, or maxIter rounds.
//   nInit restarts (each seeded from the same rng stream, one after the other); the run with the
//   lowest inertia Σ_i ‖x_i − c_{label(i)}‖² wins.

import type { Matrix } from '../linalg/ridge.ts';
import type { Rng } from '../rng.ts';

export interface KMeansOptions {
  /** 'k++' (default) or 'random' (k distinct rows), or the initial centroids row-major [k, d] (then nInit is 1). */
  readonly init?: 'k++' | 'random' | Float64Array;
  /** Restarts; the lowest inertia wins. Default 10 (1 with given centroids). */
  readonly nInit?: number;
  /** Lloyd rounds per restart. Default 300. */
  readonly maxIter?: number;
  /** Stop when every centroid moved by at most √tol. Default 0 (stop when no assignment changes). */
  readonly tol?: number;
  /** Seeded stream (src/core/rng.ts); required unless init is given centroids. */
  readonly rng?: Rng;
}

export interface KMeansResult {
  /** Row-major [k, d]. */
  readonly centroids: Float64Array;
  /** Nearest final centroid per row. */
  readonly labels: Int32Array;
  /** Σ_i ‖x_i − c_{label(i)}‖² for the final centroids. */
  readonly inertia: number;
  /** Lloyd rounds of the winning restart. */
  readonly iterations: number;
}

/** Squared Euclidean distance between row i of `a` and row j of `b` (both with d columns). */
export function sqDist(a: Float64Array, i: number, b: Float64Array, j: number, d: number): number {
  let s = 0;
  const ai = i * d;
  const bj = j * d;
  for (let t = 0; t < d; t++) {
    const v = a[ai + t]! - b[bj + t]!;
    s += v * v;
  }
  return s;
}

/** Assigns each row to its nearest centroid; returns the inertia. Ties go to the lower index. */
export function assign(x: Matrix, centroids: Float64Array, k: number, labels: Int32Array): number {
  const { rows: n, cols: d, data } = x;
  let inertia = 0;
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bestD = Number.POSITIVE_INFINITY;
    for (let c = 0; c < k; c++) {
      const dd = sqDist(data, i, centroids, c, d);
      if (dd < bestD) {
        bestD = dd;
        best = c;
      }
    }
    labels[i] = best;
    inertia += bestD;
  }
  return inertia;
}

/** k-means++ seeding: k rows chosen with probability ∝ D² (the first uniformly). */
export function kMeansPlusPlus(x: Matrix, k: number, rng: Rng): Float64Array {
  const { rows: n, cols: d, data } = x;
  const c = new Float64Array(k * d);
  const first = rng.int(n);
  c.set(data.subarray(first * d, (first + 1) * d), 0);
  const d2 = new Float64Array(n);
  for (let i = 0; i < n; i++) d2[i] = sqDist(data, i, c, 0, d);
  for (let j = 1; j < k; j++) {
    let total = 0;
    for (let i = 0; i < n; i++) total += d2[i]!;
    let pick = n - 1;
    if (total > 0) {
      let r = rng.next() * total;
      for (let i = 0; i < n; i++) {
        r -= d2[i]!;
        if (r < 0) {
          pick = i;
          break;
        }
      }
    } else pick = rng.int(n); // every row already coincides with a centroid
    c.set(data.subarray(pick * d, (pick + 1) * d), j * d);
    for (let i = 0; i < n; i++) {
      const dd = sqDist(data, i, c, j, d);
      if (dd < d2[i]!) d2[i] = dd;
    }
  }
  return c;
}

/** k distinct rows drawn uniformly (Forgy). */
export function randomInit(x: Matrix, k: number, rng: Rng): Float64Array {
  const idx = rng.shuffle([...Array(x.rows).keys()]).slice(0, k);
  const c = new Float64Array(k * x.cols);
  idx.forEach((r, j) => {
    c.set(x.data.subarray(r * x.cols, (r + 1) * x.cols), j * x.cols);
  });
  return c;
}

/** Lloyd iterations from the given centroids (not modified). */
export function lloyd(x: Matrix, init: Float64Array, k: number, maxIter = 300, tol = 0): KMeansResult {
  const { rows: n, cols: d, data } = x;
  let c = Float64Array.from(init);
  const labels = new Int32Array(n).fill(-1);
  const next = new Int32Array(n);
  let iterations = 0;
  for (let it = 0; it < maxIter; it++) {
    assign(x, c, k, next);
    iterations++;
    let changed = false;
    for (let i = 0; i < n; i++)
      if (next[i] !== labels[i]) {
        changed = true;
        break;
      }
    labels.set(next);
    if (!changed) break;
    const sums = new Float64Array(k * d);
    const counts = new Float64Array(k);
    for (let i = 0; i < n; i++) {
      const l = labels[i]!;
      counts[l]!++;
      for (let t = 0; t < d; t++) sums[l * d + t]! += data[i * d + t]!;
    }
    let shift = 0;
    const moved = Float64Array.from(c);
    for (let j = 0; j < k; j++) {
      if (counts[j] === 0) continue; // empty cluster: keeps its centroid
      for (let t = 0; t < d; t++) moved[j * d + t] = sums[j * d + t]! / counts[j]!;
      shift = Math.max(shift, sqDist(moved, j, c, j, d));
    }
    c = moved;
    if (tol > 0 && shift <= tol) break;
  }
  const inertia = assign(x, c, k, labels);
  return { centroids: c, labels, inertia, iterations };
}

function checkArgs(x: Matrix, k: number): void {
  if (!Number.isInteger(k) || k < 1) throw new Error(`kMeans: k must be a positive integer (got ${k})`);
  if (x.rows < k) throw new Error(`kMeans: ${x.rows} rows cannot make ${k} clusters; lower k`);
  if (x.data.length !== x.rows * x.cols) throw new Error('kMeans: data length ≠ rows × cols');
}

/** k-means: best (lowest inertia) of nInit seeded restarts. */
export function kMeans(x: Matrix, k: number, opts: KMeansOptions = {}): KMeansResult {
  checkArgs(x, k);
  const maxIter = opts.maxIter ?? 300;
  const tol = opts.tol ?? 0;
  const init = opts.init ?? 'k++';
  if (init instanceof Float64Array) {
    if (init.length !== k * x.cols)
      throw new Error(`kMeans: initial centroids have ${init.length} values, need ${k} × ${x.cols}`);
    return lloyd(x, init, k, maxIter, tol);
  }
  const rng = opts.rng;
  if (!rng) throw new Error('kMeans: pass a seeded rng (src/core/rng.ts) for k++ or random seeding');
  const nInit = Math.max(1, opts.nInit ?? 10);
  let best: KMeansResult | undefined;
  for (let r = 0; r < nInit; r++) {
    const c0 = init === 'k++' ? kMeansPlusPlus(x, k, rng) : randomInit(x, k, rng);
    const res = lloyd(x, c0, k, maxIter, tol);
    if (!best || res.inertia < best.inertia) best = res;
  }
  return best!;
}
