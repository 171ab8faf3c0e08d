// CF-CAM: Cluster Filter Class Activation Mapping (He, Pan & Yao 2025, arXiv 2504.00060;
// official code jerryp-hfut/CF-CAM `cfcam.py`), per image with activations A [h, w, C] and gradients
// G = ∂y_c/∂A of the pre-softmax score:
//   1. channel vectors F_c = A[:, :, c] flattened, norms n_c = ‖F_c‖₂; the important set
//      I = {c : n_c ≥ 75th percentile of n} keeps its own gradient: w_c = mean(G_c);
//   2. the rest R is clustered by DBSCAN on F (Euclidean) with eps = max(25th percentile of the
//      pairwise distances within R (off-diagonal), 1e-5), minPts = max(2, ⌊0.05·|R|⌋); noise
//      channels (label −1) are discarded;
//   3. per cluster S: ḡ_S = mean_{c∈S} G_c (an h × w map), g̃_S = Filter(ḡ_S), w_c = mean(g̃_S) for
//      c ∈ S. Filter: 'gaussian' (the paper: σ = 1 px, 5 × 5, zero padding) or 'bilateral' (the
//      official code: one full-map kernel, spatial exp(−r²/2·5²) from the map centre times range
//      exp(−(ḡ − mean ḡ)²/2·0.1²), normalised by its sum + 1e-6, correlated with 'same' padding);
//   4. w ← softmax(w) over the valid channels I ∪ clustered, CAM = ReLU(Σ_c w_c A_c).
// The caller upsamples bilinearly and divides by the max. Plain Float64 loops: analysis-time
// only, C ≤ 512 channels.
import * as tf from '@tensorflow/tfjs';
import type { CompiledModel } from '../compiler/compile.ts';
import { dbscan, pairwiseDistances, percentile } from '../core/cluster/dbscan.ts';
import { meanOf } from '../core/stats.ts';
import { featureMap } from './cam.ts';

export type CfCamFilter = 'gaussian' | 'bilateral';

export interface CfCamImage {
  /** Raw map h × w (ReLU(Σ w_c A_c)). */
  readonly cam: Float64Array;
  /** Softmax weights per channel (0 for discarded channels). */
  readonly weights: Float64Array;
  /** Per channel: −2 important, −1 discarded noise, ≥ 0 the DBSCAN cluster. */
  readonly labels: Int32Array;
  readonly clusters: number;
  readonly eps: number;
  readonly minPts: number;
}

/** Zero-padded 'same' cross-correlation of an h × w map with a kh × kw kernel (PyTorch's 'same' offsets). */
export function correlateSame(
  x: ArrayLike<number>,
  h: number,
  w: number,
  k: ArrayLike<number>,
  kh: number,
  kw: number,
): Float64Array {
  const pu = Math.floor((kh - 1) / 2);
  const pv = Math.floor((kw - 1) / 2);
  const out = new Float64Array(h * w);
  for (let i = 0; i < h; i++)
    for (let j = 0; j < w; j++) {
      let s = 0;
      for (let u = 0; u < kh; u++) {
        const r = i + u - pu;
        if (r < 0 || r >= h) continue;
        for (let v = 0; v < kw; v++) {
          const c = j + v - pv;
          if (c >= 0 && c < w) s += k[u * kw + v]! * x[r * w + c]!;
        }
      }
      out[i * w + j] = s;
    }
  return out;
}

/** The paper's filter: 5 × 5 Gaussian, σ = 1 px, normalised to sum 1. */
export function gaussianKernel5(): Float64Array {
  const k = new Float64Array(25);
  let s = 0;
  for (let u = 0; u < 5; u++)
    for (let v = 0; v < 5; v++) {
      k[u * 5 + v] = Math.exp(-((u - 2) ** 2 + (v - 2) ** 2) / 2);
      s += k[u * 5 + v]!;
    }
  return k.map((x) => x / s);
}

/** The official code's bilateral filter of one h × w map (σ_spatial 5, σ_range 0.1). */
export function bilateralFilter(g: ArrayLike<number>, h: number, w: number, sSpatial = 5, sRange = 0.1) {
  let mean = 0;
  for (let k = 0; k < h * w; k++) mean += g[k]!;
  mean /= h * w;
  const kernel = new Float64Array(h * w);
  let sum = 0;
  for (let i = 0; i < h; i++)
    for (let j = 0; j < w; j++) {
      const spatial = Math.exp(-((i - h / 2) ** 2 + (j - w / 2) ** 2) / (2 * sSpatial ** 2));
      const range = Math.exp(-((g[i * w + j]! - mean) ** 2) / (2 * sRange ** 2));
      kernel[i * w + j] = spatial * range;
      sum += spatial * range;
    }
  for (let k = 0; k < h * w; k++) kernel[k] = kernel[k]! / (sum + 1e-6);
  return correlateSame(g, h, w, kernel, h, w);
}

/**
 * CF-CAM for one image: `a` and `g` are channel-major, C rows of h·w values (channel c's map at
 * c·hw). Returns the raw map, the softmax weights and the channel labels.
 */
export function cfCamImage(
  a: ArrayLike<number>,
  g: ArrayLike<number>,
  h: number,
  w: number,
  channels: number,
  filter: CfCamFilter = 'bilateral',
): CfCamImage {
  const hw = h * w;
  const C = channels;
  const row = (x: ArrayLike<number>, c: number) =>
    Array.prototype.slice.call(x, c * hw, (c + 1) * hw) as number[];
  const norms = Array.from({ length: C }, (_, c) => {
    let s = 0;
    for (let k = c * hw; k < (c + 1) * hw; k++) s += a[k]! * a[k]!;
    return Math.sqrt(s);
  });
  const threshold = percentile(norms, 75);
  const labels = new Int32Array(C).fill(-1);
  const raw = new Float64Array(C);
  const important: number[] = [];
  const rest: number[] = [];
  for (let c = 0; c < C; c++) (norms[c]! >= threshold ? important : rest).push(c);
  for (const c of important) {
    labels[c] = -2;
    raw[c] = meanOf(row(g, c));
  }
  let eps = 1e-5;
  const minPts = Math.max(2, Math.floor(rest.length * 0.05));
  let clusters = 0;
  if (rest.length > 0) {
    const feats = rest.flatMap((c) => row(a, c));
    const n = rest.length;
    const d = pairwiseDistances(feats, n, hw);
    const off: number[] = [];
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) off.push(d[i * n + j]!);
    if (off.length > 0) eps = Math.max(percentile(off, 25), 1e-5);
    const r = dbscan(d, n, eps, minPts);
    clusters = r.clusters;
    const kernel = filter === 'gaussian' ? gaussianKernel5() : undefined;
    for (let s = 0; s < r.clusters; s++) {
      const members = rest.filter((_, i) => r.labels[i] === s);
      const gm = new Float64Array(hw);
      for (const c of members) for (let k = 0; k < hw; k++) gm[k] = gm[k]! + g[c * hw + k]! / members.length;
      const filtered = kernel ? correlateSame(gm, h, w, kernel, 5, 5) : bilateralFilter(gm, h, w);
      const wS = meanOf(filtered);
      for (const c of members) {
        labels[c] = s;
        raw[c] = wS;
      }
    }
  }
  // softmax over the valid channels (important or clustered)
  const valid = Array.from({ length: C }, (_, c) => c).filter((c) => labels[c] !== -1);
  const weights = new Float64Array(C);
  const top = Math.max(...valid.map((c) => raw[c]!));
  let z = 0;
  for (const c of valid) z += Math.exp(raw[c]! - top);
  for (const c of valid) weights[c] = Math.exp(raw[c]! - top) / z;
  const cam = new Float64Array(hw);
  for (const c of valid) for (let k = 0; k < hw; k++) cam[k] = cam[k]! + weights[c]! * a[c * hw + k]!;
  for (let k = 0; k < hw; k++) cam[k] = Math.max(0, cam[k]!);
  return { cam, weights, labels, clusters, eps, minPts };
}

export interface CamGradients {
  /** Activations [B, h, w, C] as channel-major arrays per image (C·hw). */
  readonly a: Float32Array[];
  /** ∂y_c/∂A, same layout. */
  readonly g: Float32Array[];
  readonly h: number;
  readonly w: number;
  readonly channels: number;
  readonly classes: Int32Array;
}

/**
 * A and G = ∂y_c/∂A at `target` for `classes` (predicted where absent), read back channel-major;
 * no tensor outlives the call.
 */
export function camGradients(
  compiled: CompiledModel,
  feeds: Readonly<Record<string, tf.Tensor>>,
  target: string,
  scores: string,
  classes?: Int32Array,
): CamGradients {
  let cls = classes;
  const [aT, gT] = tf.tidy(() => {
    const { a, values } = featureMap(compiled, feeds, target);
    const logits = values.get(scores);
    if (logits?.rank !== 2)
      throw new Error(`analyse/scores: node '${scores}' does not output class scores [B, classes]`);
    if (!cls) cls = logits.argMax(1).dataSync() as Int32Array;
    const onehot = tf.oneHot(tf.tensor1d(cls, 'int32'), logits.shape[1]!).toFloat();
    const yc = (x: tf.Tensor) =>
      compiled
        .run(feeds, { training: false, overrides: new Map([[target, x]]) })
        .get(scores)!
        .mul(onehot)
        .sum();
    const g = tf.grad(yc)(a);
    // [B, h, w, C] → [B, C, h, w]: channel-major rows
    return [a.transpose([0, 3, 1, 2]), g.transpose([0, 3, 1, 2])] as const;
  });
  const [b, C, h, w] = aT.shape as [number, number, number, number];
  const ad = aT.dataSync() as Float32Array;
  const gd = gT.dataSync() as Float32Array;
  aT.dispose();
  gT.dispose();
  const n = C * h * w;
  return {
    a: Array.from({ length: b }, (_, i) => ad.slice(i * n, (i + 1) * n)),
    g: Array.from({ length: b }, (_, i) => gd.slice(i * n, (i + 1) * n)),
    h,
    w,
    channels: C,
    classes: cls!,
  };
}

/** Grad-CAM from channel-major A and G of one image: ReLU(Σ_c mean(G_c) A_c) (Float64). */
export function gradCamImage(a: ArrayLike<number>, g: ArrayLike<number>, hw: number, channels: number) {
  const cam = new Float64Array(hw);
  for (let c = 0; c < channels; c++) {
    let al = 0;
    for (let k = 0; k < hw; k++) al += g[c * hw + k]!;
    al /= hw;
    for (let k = 0; k < hw; k++) cam[k] = cam[k]! + al * a[c * hw + k]!;
  }
  for (let k = 0; k < hw; k++) cam[k] = Math.max(0, cam[k]!);
  return cam;
}
