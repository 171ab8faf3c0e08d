// SDM's per-sample statistics (P31; Schmaltz 2025, "Similarity-Distance-Magnitude Universal
// Verification", arXiv 2502.20167; official ReexpressAI/sdm sdm_model.py): the similarity q and the
// distance quantile d that rescale the SDM activation (nodes/activations/sdm-activation.ts).
// Pure TypeScript (no tfjs): exemplars are [rows × dim] row-major, distances in Float64, brute force.

/** A reference set of exemplars (the training split): vectors, true labels, predicted labels. */
export interface SdmReference {
  readonly exemplars: ArrayLike<number>;
  readonly dim: number;
  readonly labels: ArrayLike<number>;
  readonly preds: ArrayLike<number>;
}

export interface SdmNeighbourStats {
  /** q: consecutive agreeing nearest neighbours (see sdmNeighbours). */
  readonly q: Float64Array;
  /** L2 distance to the nearest reference exemplar. */
  readonly dNearest: Float64Array;
}

function checkReference(ref: SdmReference): number {
  const n = ref.labels.length;
  if (!(ref.dim >= 1) || ref.exemplars.length !== n * ref.dim || ref.preds.length !== n)
    throw new Error(
      `sdm: the reference holds ${ref.exemplars.length} values, ${n} labels and ${ref.preds.length} predictions; give rows × dim exemplars (dim ${ref.dim}) with one label and one prediction per row.`,
    );
  if (n === 0) throw new Error('sdm: the reference (training) set is empty.');
  return n;
}

/**
 * For each query row b (exemplar x_b, predicted class ŷ_b), the k nearest reference exemplars by L2
 * distance (ties: lower index first), and
 *   q_b = Σ_{j=1..k} Π_{i ≤ j} [y_{n_i} = ŷ_b ∧ ŷ_{n_i} = y_{n_i}]
 * — the number of consecutive nearest neighbours, from the nearest, whose true label equals their own
 * prediction and the query's prediction (≤ k) — and d_nearest,b = ‖x_b − x_{n_1}‖.
 * `excludeSelf`: the queries ARE the reference rows (training points), so row b skips itself.
 */
export function sdmNeighbours(
  queries: ArrayLike<number>,
  queryPreds: ArrayLike<number>,
  ref: SdmReference,
  k: number,
  excludeSelf = false,
): SdmNeighbourStats {
  const n = checkReference(ref);
  const dim = ref.dim;
  const rows = queryPreds.length;
  if (queries.length !== rows * dim)
    throw new Error(`sdm: ${queries.length} query values are not ${rows} rows of dim ${dim}.`);
  if (!(Number.isInteger(k) && k >= 1)) throw new Error(`sdm: k must be a positive integer, got ${k}.`);
  if (excludeSelf && rows !== n)
    throw new Error('sdm: excludeSelf needs the queries to be the reference rows.');
  const q = new Float64Array(rows);
  const dNearest = new Float64Array(rows);
  const dist = new Float64Array(n);
  const order: number[] = [];
  for (let b = 0; b < rows; b++) {
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let c = 0; c < dim; c++) {
        const diff = queries[b * dim + c]! - ref.exemplars[i * dim + c]!;
        s += diff * diff;
      }
      dist[i] = s;
    }
    // The k smallest by insertion into a sorted list (k ≪ n).
    order.length = 0;
    for (let i = 0; i < n; i++) {
      if (excludeSelf && i === b) continue;
      const di = dist[i]!;
      if (order.length === k && di >= dist[order[k - 1]!]!) continue;
      let pos = order.length;
      while (pos > 0 && dist[order[pos - 1]!]! > di) pos--;
      order.splice(pos, 0, i);
      if (order.length > k) order.pop();
    }
    if (!order.length) throw new Error('sdm: no reference row other than the query itself.');
    dNearest[b] = Math.sqrt(dist[order[0]!]!);
    const yHat = queryPreds[b]!;
    let count = 0;
    for (const i of order) {
      if (ref.labels[i] !== yHat || ref.preds[i] !== ref.labels[i]) break;
      count++;
    }
    q[b] = count;
  }
  return { q, dNearest };
}

/**
 * Class-conditional sorted distances for the empirical CDFs F̂_c: the d_nearest of the rows whose
 * TRUE label is c, leaving out rows with q = 0 (treated as out of distribution) — the official
 * `trueClass_To_dCDF` (ReexpressAI sdm_model.py, set_summary_stats_for_support_vectorized).
 */
export function distanceCdfTables(
  dNearest: ArrayLike<number>,
  labels: ArrayLike<number>,
  q: ArrayLike<number>,
  classes: number,
): Float64Array[] {
  const lists: number[][] = Array.from({ length: classes }, () => []);
  for (let i = 0; i < dNearest.length; i++) {
    const c = labels[i]!;
    if (q[i]! > 0 && c >= 0 && c < classes) lists[c]!.push(dNearest[i]!);
  }
  return lists.map((l) => Float64Array.from(l).sort());
}

/** Number of sorted values < x (binary search: searchsorted, side 'left'). */
function countBelow(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * d_b = min_c (1 − |{t ∈ T_c : t < d_nearest,b}| / |T_c|), 0 when some class has no distances — the
 * official get_distance_quantiles_vectorized with take_min_across_percentiles (one d per row, the
 * same for every class, so the argmax of the SDM activation is the argmax of the logits).
 */
export function distanceQuantiles(
  dNearest: ArrayLike<number>,
  tables: readonly Float64Array[],
): Float64Array {
  const out = new Float64Array(dNearest.length);
  if (tables.some((t) => t.length === 0)) return out;
  for (let b = 0; b < dNearest.length; b++) {
    let d = 1;
    for (const t of tables) d = Math.min(d, 1 - countBelow(t, dNearest[b]!) / t.length);
    out[b] = d;
  }
  return out;
}
