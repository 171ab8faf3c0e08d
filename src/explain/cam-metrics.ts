// CAM metrics against a ground-truth box (D-locate's `box` field) and the model's own confidence.
//   Pointing game (Zhang et al. 2016): the map's peak lies inside the box (optionally dilated).
//   Energy in box: Σ_{box} L / Σ L.
//   Average drop / increase (Chattopadhyay et al., Grad-CAM++): with x̃ = x ⊙ [L > ½],
//     drop = mean max(0, p_c(x) − p_c(x̃)) / p_c(x), increase = fraction of images with p_c(x̃) > p_c(x).
//   Deletion curve (Petsiuk et al., RISE): p_c after zeroing the top k % of pixels by L, k = 0…100 %;
//     AUC by the trapezoid rule over the fraction deleted (lower = the map found what the model uses).
import * as tf from '@tensorflow/tfjs';
import type { CompiledModel } from '../compiler/compile.ts';

export type Box = readonly [number, number, number, number];

export const boxAt = (boxes: Float32Array, i: number): Box =>
  [boxes[i * 4]!, boxes[i * 4 + 1]!, boxes[i * 4 + 2]!, boxes[i * 4 + 3]!] as const;

/** Index of the map's maximum (first on ties). */
export function argmax(map: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < map.length; i++) if (map[i]! > map[best]!) best = i;
  return best;
}

/** Whether the map's peak lies inside `box` grown by `dilate` pixels. */
export function peakInBox(map: ArrayLike<number>, width: number, box: Box, dilate = 0): boolean {
  const k = argmax(map);
  const r = Math.floor(k / width);
  const c = k % width;
  return r >= box[0] - dilate && r <= box[2] + dilate && c >= box[1] - dilate && c <= box[3] + dilate;
}

/** Fraction of the (non-negative) map's mass inside the box; 0 for an all-zero map. */
export function energyInBox(map: ArrayLike<number>, width: number, box: Box): number {
  let inside = 0;
  let total = 0;
  for (let k = 0; k < map.length; k++) {
    const v = Math.max(0, map[k]!);
    total += v;
    const r = Math.floor(k / width);
    const c = k % width;
    if (r >= box[0] && r <= box[2] && c >= box[1] && c <= box[3]) inside += v;
  }
  return total > 0 ? inside / total : 0;
}

/** Pointing-game hit rate over maps and boxes. */
export function pointingGame(
  maps: readonly ArrayLike<number>[],
  width: number,
  boxes: Float32Array,
  dilate = 0,
): number {
  let hits = 0;
  for (const [i, m] of maps.entries()) if (peakInBox(m, width, boxAt(boxes, i), dilate)) hits++;
  return hits / Math.max(1, maps.length);
}

/** p_c for each sample of an image batch (softmax of the scores). */
function classProbs(
  compiled: CompiledModel,
  feeds: Readonly<Record<string, tf.Tensor>>,
  imageInput: string,
  x: tf.Tensor,
  scores: string,
  classes: Int32Array,
): Float32Array {
  return tf.tidy(() => {
    const s = compiled.run({ ...feeds, [imageInput]: x }, { training: false }).get(scores)!;
    const pr = tf.softmax(s);
    return pr
      .mul(tf.oneHot(tf.tensor1d(classes, 'int32'), pr.shape[1]!).toFloat())
      .sum(1)
      .dataSync() as Float32Array;
  });
}

/** Per-pixel multiplicative masks [B, H, W, 1] from B arrays of H·W values. */
const maskTensor = (masks: readonly Float32Array[], h: number, w: number) => {
  const flat = new Float32Array(masks.length * h * w);
  for (const [i, m] of masks.entries()) flat.set(m, i * h * w);
  return tf.tensor4d(flat, [masks.length, h, w, 1]);
};

/** Average drop and average increase with the image kept where the map exceeds ½. */
export function averageDropIncrease(
  compiled: CompiledModel,
  feeds: Readonly<Record<string, tf.Tensor>>,
  imageInput: string,
  scores: string,
  classes: Int32Array,
  maps: readonly Float32Array[],
): { drop: number; increase: number } {
  const x = feeds[imageInput]!;
  const [, h, w] = x.shape as number[];
  const p0 = classProbs(compiled, feeds, imageInput, x, scores, classes);
  const masked = tf.tidy(() =>
    x.mul(
      maskTensor(
        maps.map((m) => m.map((v) => (v > 0.5 ? 1 : 0))),
        h!,
        w!,
      ),
    ),
  );
  const p1 = classProbs(compiled, feeds, imageInput, masked, scores, classes);
  masked.dispose();
  let drop = 0;
  let inc = 0;
  for (let i = 0; i < p0.length; i++) {
    drop += Math.max(0, p0[i]! - p1[i]!) / Math.max(p0[i]!, 1e-12);
    if (p1[i]! > p0[i]!) inc++;
  }
  return { drop: drop / p0.length, increase: inc / p0.length };
}

/** Mean deletion curve (p_c vs fraction of pixels zeroed, most salient first) and its AUC. */
export function deletionCurve(
  compiled: CompiledModel,
  feeds: Readonly<Record<string, tf.Tensor>>,
  imageInput: string,
  scores: string,
  classes: Int32Array,
  maps: readonly Float32Array[],
  steps = 10,
): { fractions: number[]; probs: number[]; auc: number } {
  const x = feeds[imageInput]!;
  const [, h, w] = x.shape as number[];
  const n = h! * w!;
  const orders = maps.map((m) => Array.from(m.keys()).sort((a, b) => m[b]! - m[a]! || a - b));
  const fractions: number[] = [];
  const probs: number[] = [];
  for (let s = 0; s <= steps; s++) {
    const cut = Math.round((s / steps) * n);
    const masks = orders.map((o) => {
      const m = new Float32Array(n).fill(1);
      for (let j = 0; j < cut; j++) m[o[j]!] = 0;
      return m;
    });
    const xm = tf.tidy(() => x.mul(maskTensor(masks, h!, w!)));
    const p = classProbs(compiled, feeds, imageInput, xm, scores, classes);
    xm.dispose();
    fractions.push(s / steps);
    probs.push(p.reduce((a, b) => a + b, 0) / p.length);
  }
  let auc = 0;
  for (let s = 1; s <= steps; s++)
    auc += ((probs[s]! + probs[s - 1]!) / 2) * (fractions[s]! - fractions[s - 1]!);
  return { fractions, probs, auc };
}

/** Baseline map with its peak at the image centre (a Gaussian bump). */
export function centreMap(height: number, width: number): Float32Array {
  const m = new Float32Array(height * width);
  const cr = (height - 1) / 2;
  const cc = (width - 1) / 2;
  const s2 = 2 * (Math.min(height, width) / 4) ** 2;
  for (let r = 0; r < height; r++)
    for (let c = 0; c < width; c++) m[r * width + c] = Math.exp(-((r - cr) ** 2 + (c - cc) ** 2) / s2);
  return m;
}
