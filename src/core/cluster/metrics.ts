// Clustering quality in Float64 (pure core: no tfjs).
//
//   contingency  n_uv = #{i : label_i = u, cluster_i = v}; a_u = Σ_v n_uv, b_v = Σ_u n_uv
//   accuracy     ACC = max over one-to-one maps m (clusters → labels) of (1/n) Σ_i [label_i = m(cluster_i)],
//                the map found by the Hungarian algorithm on cost = max(n) − n_uv (rectangular allowed)
//   NMI          MI / ((H(U) + H(V)) / 2)  ("arithmetic" normalisation, scikit-learn's default);
//                MI = Σ n_uv/n · log(n·n_uv / (a_u b_v)), H(U) = −Σ a_u/n log(a_u/n); 1 when both are one block
//   ARI          (Σ C(n_uv,2) − Σ C(a_u,2) Σ C(b_v,2)/C(n,2)) / (½(Σ C(a_u,2) + Σ C(b_v,2)) − Σ C(a_u,2) Σ C(b_v,2)/C(n,2))
//                (Hubert & Arabie 1985); 1 when the denominator is 0 (both trivial partitions)
//   silhouette   s_i = (b_i − a_i) / max(a_i, b_i), a_i = mean distance to the other rows of its cluster,
//                b_i = min over other clusters of the mean distance to their rows (Euclidean);
//                s_i = 0 in a singleton cluster; the score is mean_i s_i (Rousseeuw 1987)
//   estimateK    argmax over k of the silhouette of k-means++ (ties: the smaller k)

import { columnStats } from '../fits.ts';
import type { Matrix } from '../linalg/ridge.ts';
import type { Rng } from '../rng.ts';
import { hungarian } from './hungarian.ts';
import { kMeans } from './kmeans.ts';

type Labels = ArrayLike<number>;

/** Dense ids 0..K−1 in order of first appearance, and K. */
function relabel(x: Labels): { ids: Int32Array; k: number; values: number[] } {
  const map = new Map<number, number>();
  const ids = new Int32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    let id = map.get(x[i]!);
    if (id === undefined) {
      id = map.size;
      map.set(x[i]!, id);
    }
    ids[i] = id;
  }
  return { ids, k: map.size, values: [...map.keys()] };
}

export interface Contingency {
  /** counts[u][v]: rows with the u-th label value and the v-th cluster value. */
  readonly counts: Float64Array[];
  readonly labelValues: readonly number[];
  readonly clusterValues: readonly number[];
  readonly n: number;
}

export function contingency(labels: Labels, clusters: Labels): Contingency {
  if (labels.length !== clusters.length)
    throw new Error(`cluster metrics: ${labels.length} labels but ${clusters.length} cluster ids`);
  const u = relabel(labels);
  const v = relabel(clusters);
  const counts = Array.from({ length: u.k }, () => new Float64Array(v.k));
  for (let i = 0; i < labels.length; i++) counts[u.ids[i]!]![v.ids[i]!]!++;
  return { counts, labelValues: u.values, clusterValues: v.values, n: labels.length };
}

export interface MatchedAccuracy {
  readonly accuracy: number;
  /** Label value matched to each cluster value (clusters left unmatched are absent). */
  readonly mapping: ReadonlyMap<number, number>;
}

/** Clustering accuracy under the best one-to-one cluster → label map (Hungarian). */
export function clusteringAccuracy(labels: Labels, clusters: Labels): MatchedAccuracy {
  const c = contingency(labels, clusters);
  if (c.n === 0) return { accuracy: 0, mapping: new Map() };
  let max = 0;
  for (const row of c.counts) for (const x of row) max = Math.max(max, x);
  // rows = clusters, cols = labels
  const cost = c.clusterValues.map((_, v) =>
    Float64Array.from(c.labelValues, (_, u) => max - c.counts[u]![v]!),
  );
  const { rowToCol } = hungarian(cost);
  let hit = 0;
  const mapping = new Map<number, number>();
  rowToCol.forEach((u, v) => {
    if (u < 0) return;
    hit += c.counts[u]![v]!;
    mapping.set(c.clusterValues[v]!, c.labelValues[u]!);
  });
  return { accuracy: hit / c.n, mapping };
}

const entropy = (counts: ArrayLike<number>, n: number): number => {
  let h = 0;
  for (let i = 0; i < counts.length; i++) {
    const p = counts[i]! / n;
    if (p > 0) h -= p * Math.log(p);
  }
  return h;
};

function marginals(c: Contingency): { a: Float64Array; b: Float64Array } {
  const a = new Float64Array(c.labelValues.length);
  const b = new Float64Array(c.clusterValues.length);
  c.counts.forEach((row, u) => {
    row.forEach((x, v) => {
      a[u]! += x;
      b[v]! += x;
    });
  });
  return { a, b };
}

/** Mutual information (nats) between the two partitions. */
export function mutualInformation(labels: Labels, clusters: Labels): number {
  const c = contingency(labels, clusters);
  const { a, b } = marginals(c);
  let mi = 0;
  c.counts.forEach((row, u) => {
    row.forEach((x, v) => {
      if (x > 0) mi += (x / c.n) * Math.log((c.n * x) / (a[u]! * b[v]!));
    });
  });
  return Math.max(0, mi);
}

/** Normalised mutual information, arithmetic normalisation (scikit-learn's default). */
export function nmi(labels: Labels, clusters: Labels): number {
  const c = contingency(labels, clusters);
  if (c.n === 0) return 0;
  if (c.labelValues.length === 1 && c.clusterValues.length === 1) return 1;
  const { a, b } = marginals(c);
  const hu = entropy(a, c.n);
  const hv = entropy(b, c.n);
  const denom = (hu + hv) / 2;
  if (denom <= 0) return 0;
  return Math.min(1, mutualInformation(labels, clusters) / denom);
}

const pairs = (x: number): number => (x * (x - 1)) / 2;

/** Adjusted Rand index. */
export function ari(labels: Labels, clusters: Labels): number {
  const c = contingency(labels, clusters);
  const { a, b } = marginals(c);
  let sumNij = 0;
  for (const row of c.counts) for (const x of row) sumNij += pairs(x);
  let sumA = 0;
  for (const x of a) sumA += pairs(x);
  let sumB = 0;
  for (const x of b) sumB += pairs(x);
  const total = pairs(c.n);
  const expected = total > 0 ? (sumA * sumB) / total : 0;
  const maxIndex = (sumA + sumB) / 2;
  const denom = maxIndex - expected;
  if (denom === 0) return 1;
  return (sumNij - expected) / denom;
}

/** Mean silhouette (Euclidean) of a partition; needs 2 ≤ clusters ≤ rows − 1. */
export function silhouette(x: Matrix, clusters: Labels): number {
  const { rows: n, cols: d, data } = x;
  if (clusters.length !== n) throw new Error(`silhouette: ${n} rows but ${clusters.length} cluster ids`);
  const { ids, k } = relabel(clusters);
  if (k < 2 || k > n - 1) throw new Error(`silhouette: needs between 2 and ${n - 1} clusters (got ${k})`);
  const size = new Float64Array(k);
  for (let i = 0; i < n; i++) size[ids[i]!]!++;
  const sums = new Float64Array(n * k); // Σ distances from row i to the rows of cluster c
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let s = 0;
      for (let t = 0; t < d; t++) {
        const v = data[i * d + t]! - data[j * d + t]!;
        s += v * v;
      }
      const dist = Math.sqrt(s);
      sums[i * k + ids[j]!]! += dist;
      sums[j * k + ids[i]!]! += dist;
    }
  }
  let total = 0;
  for (let i = 0; i < n; i++) {
    const own = ids[i]!;
    if (size[own]! <= 1) continue; // s_i = 0
    const a = sums[i * k + own]! / (size[own]! - 1);
    let b = Number.POSITIVE_INFINITY;
    for (let c = 0; c < k; c++) if (c !== own) b = Math.min(b, sums[i * k + c]! / size[c]!);
    const m = Math.max(a, b);
    total += m > 0 ? (b - a) / m : 0;
  }
  return total / n;
}

export interface KEstimate {
  readonly k: number;
  readonly scores: readonly { readonly k: number; readonly silhouette: number; readonly inertia: number }[];
}

/** The k in kRange (each ≥ 2) whose k-means++ partition has the highest mean silhouette. */
export function estimateK(
  x: Matrix,
  kRange: readonly number[],
  opts: { rng: Rng; nInit?: number; maxIter?: number },
): KEstimate {
  const ks = kRange.filter((k) => k >= 2 && k <= x.rows - 1);
  if (ks.length === 0)
    throw new Error(`estimateK: no k in [${kRange.join(', ')}] lies between 2 and ${x.rows - 1}`);
  const scores = ks.map((k) => {
    const r = kMeans(x, k, {
      rng: opts.rng,
      nInit: opts.nInit ?? 10,
      ...(opts.maxIter !== undefined ? { maxIter: opts.maxIter } : {}),
    });
    return { k, silhouette: silhouette(x, r.labels), inertia: r.inertia };
  });
  let best = scores[0]!;
  for (const s of scores) if (s.silhouette > best.silhouette) best = s;
  return { k: best.k, scores };
}

/** Column-wise standardisation (mean 0, sd 1; constant columns are only centred). */
export function standardize(x: Matrix): Matrix {
  const { rows: n, cols: d, data } = x;
  const { mean, std } = columnStats(x, 0);
  const out = new Float64Array(n * d);
  for (let i = 0; i < n; i++)
    for (let t = 0; t < d; t++) {
      const c = data[i * d + t]! - mean[t]!;
      out[i * d + t] = std[t]! > 0 ? c / std[t]! : c;
    }
  return { data: out, rows: n, cols: d };
}
