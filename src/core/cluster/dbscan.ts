// DBSCAN (Ester, Kriegel, Sander & Xu, KDD 1996): a point is a core point when at least `minPts`
// points (itself included) lie within distance ≤ eps; clusters are the connected components of
// core points under "within eps", plus the non-core (border) points within eps of a core point;
// everything else is noise (label −1). Border points within reach of two clusters go to the one
// created first, clusters being created in index order of their first core point — the order
// scikit-learn's DBSCAN (used by CF-CAM's official code) and the npm `density-clustering` follow.
// Pure math over a precomputed distance matrix: analysis-time only (CF-CAM clusters ≤ 512 channels).

export interface DbscanResult {
  /** Cluster id per point (0, 1, … in creation order), −1 for noise. */
  readonly labels: Int32Array;
  readonly clusters: number;
  /** Whether each point is a core point. */
  readonly core: Uint8Array;
}

/** Euclidean distances between the rows of `points` (n rows of `dim` values), Float64 n × n. */
export function pairwiseDistances(points: ArrayLike<number>, n: number, dim: number): Float64Array {
  const d = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      let s = 0;
      for (let k = 0; k < dim; k++) {
        const t = points[i * dim + k]! - points[j * dim + k]!;
        s += t * t;
      }
      d[i * n + j] = d[j * n + i] = Math.sqrt(s);
    }
  return d;
}

/** The q-th percentile (0–100) of `values` with linear interpolation between order statistics (numpy's default). */
export function percentile(values: ArrayLike<number>, q: number): number {
  const s = Float64Array.from(values).sort();
  if (s.length === 0) return Number.NaN;
  const pos = (Math.min(100, Math.max(0, q)) / 100) * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(s.length - 1, lo + 1);
  return s[lo]! + (pos - lo) * (s[hi]! - s[lo]!);
}

/** DBSCAN over a symmetric n × n distance matrix (row-major). */
export function dbscan(dist: ArrayLike<number>, n: number, eps: number, minPts: number): DbscanResult {
  if (dist.length < n * n)
    throw new Error(`dbscan: distance matrix has ${dist.length} entries, expected ${n * n}`);
  const neighbours = (i: number): number[] => {
    const out: number[] = [];
    for (let j = 0; j < n; j++) if (dist[i * n + j]! <= eps) out.push(j);
    return out;
  };
  const hood = Array.from({ length: n }, (_, i) => neighbours(i));
  const core = new Uint8Array(n);
  for (let i = 0; i < n; i++) core[i] = hood[i]!.length >= minPts ? 1 : 0;
  const labels = new Int32Array(n).fill(-1);
  let clusters = 0;
  for (let i = 0; i < n; i++) {
    if (labels[i] !== -1 || !core[i]) continue;
    const id = clusters++;
    labels[i] = id;
    const queue = [i];
    for (let q = 0; q < queue.length; q++) {
      const p = queue[q]!;
      if (!core[p]) continue;
      for (const j of hood[p]!) {
        if (labels[j] !== -1) continue;
        labels[j] = id;
        queue.push(j);
      }
    }
  }
  return { labels, clusters, core };
}
