// Hungarian (Kuhn–Munkres) assignment in Float64, O(n²m) for an n × m cost matrix with n ≤ m
// (the matrix is transposed when n > m): shortest augmenting paths with row/column potentials
// u, v kept so that u_i + v_j ≤ cost_ij (equality on the matching). Minimises Σ cost over a matching
// that covers every row (n ≤ m) or every column (n > m).

export interface Assignment {
  /** Column matched to each row, −1 for a row left unmatched (only when rows > cols). */
  readonly rowToCol: Int32Array;
  /** Σ cost over the matched pairs. */
  readonly cost: number;
}

/** Minimum-cost assignment of a rectangular cost matrix (rows of equal length, finite values). */
export function hungarian(cost: readonly (readonly number[])[] | readonly Float64Array[]): Assignment {
  const n0 = cost.length;
  if (n0 === 0) return { rowToCol: new Int32Array(0), cost: 0 };
  const m0 = cost[0]!.length;
  for (const row of cost) {
    if (row.length !== m0) throw new Error('hungarian: rows of different lengths');
    for (const v of row) if (!Number.isFinite(v)) throw new Error('hungarian: costs must be finite');
  }
  if (m0 === 0) return { rowToCol: new Int32Array(n0).fill(-1), cost: 0 };
  const transpose = n0 > m0;
  const n = transpose ? m0 : n0;
  const m = transpose ? n0 : m0;
  const a = (i: number, j: number): number => (transpose ? cost[j]![i]! : cost[i]![j]!);
  // 1-based arrays; p[j] = row matched to column j (0: none).
  const u = new Float64Array(n + 1);
  const v = new Float64Array(m + 1);
  const p = new Int32Array(m + 1);
  const way = new Int32Array(m + 1);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    const minv = new Float64Array(m + 1).fill(Number.POSITIVE_INFINITY);
    const used = new Uint8Array(m + 1);
    do {
      used[j0] = 1;
      const i0 = p[j0]!;
      let delta = Number.POSITIVE_INFINITY;
      let j1 = 0;
      for (let j = 1; j <= m; j++) {
        if (used[j]) continue;
        const cur = a(i0 - 1, j - 1) - u[i0]! - v[j]!;
        if (cur < minv[j]!) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j]! < delta) {
          delta = minv[j]!;
          j1 = j;
        }
      }
      for (let j = 0; j <= m; j++) {
        if (used[j]) {
          u[p[j]!]! += delta;
          v[j]! -= delta;
        } else minv[j]! -= delta;
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0]!;
      p[j0] = p[j1]!;
      j0 = j1;
    } while (j0 !== 0);
  }
  const rowToCol = new Int32Array(n0).fill(-1);
  let total = 0;
  for (let j = 1; j <= m; j++) {
    const i = p[j]!;
    if (i === 0) continue;
    if (transpose) rowToCol[j - 1] = i - 1;
    else rowToCol[i - 1] = j - 1;
    total += a(i - 1, j - 1);
  }
  return { rowToCol, cost: total };
}
