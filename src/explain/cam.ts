// Class activation maps on a conv feature map A [B, h, w, K] of a compiled graph.
//   Grad-CAM (Selvaraju et al., ICCV 2017, arXiv 1610.02391): α_k = (1/hw) Σ_ij ∂y_c/∂A_ij^k,
//     L = ReLU(Σ_k α_k A^k); y_c is the pre-softmax score. The gradient is tf.grad of the graph
//     run from an override of the target node (CompiledModel.run's `overrides`).
//   Eigen-CAM (Bany Muhammad & Yeasin 2020, following pytorch-grad-cam): M = A reshaped [hw, K] with
//     centred columns, v₁ = first right singular vector of M by power iteration on MᵀM (30
//     iterations from 1/√K), CAM = M v₁ with its sign fixed so corr(CAM, mean_k A) ≥ 0, then ReLU.
//     Forward only: no gradient is taken.
// Both upsample bilinearly to the input size: Grad-CAM min-max normalised, Eigen-CAM divided by its max.
//   Guided backpropagation (Springenberg et al. 2015, arXiv 1412.6806; Grad-CAM §3.1): ∂y_c/∂x with
//     every ReLU's backward pass replaced by dx = dy · [x > 0] · [dy > 0] (only positive evidence
//     through active units). Guided Grad-CAM = guided backprop ⊙ the upsampled Grad-CAM map.
import * as tf from '@tensorflow/tfjs';
import type { CompiledModel } from '../compiler/compile.ts';
import { CompileError } from '../compiler/compile.ts';

const EPS = 1e-12;

/** The target node's output for the batch; a clear error when it is not a [B, h, w, K] map. */
export function featureMap(
  compiled: CompiledModel,
  feeds: Readonly<Record<string, tf.Tensor>>,
  target: string,
) {
  const values = compiled.run(feeds, { training: false });
  const a = values.get(target);
  if (!a) throw new CompileError(target, `analyse/target: the model has no node '${target}'`);
  if (a.rank !== 4)
    throw new CompileError(
      target,
      `analyse/target: node '${target}' outputs rank ${a.rank - 1} per sample; CAM tools need a conv feature map [h, w, channels] — pick a conv layer's node`,
    );
  return { a: a as tf.Tensor4D, values };
}

/** Per-sample class scores of the batch at `scores`. */
function scoresOf(values: ReadonlyMap<string, tf.Tensor>, scores: string): tf.Tensor2D {
  const s = values.get(scores);
  if (s?.rank !== 2)
    throw new CompileError(
      scores,
      `analyse/scores: node '${scores}' does not output class scores [B, classes]`,
    );
  return s as tf.Tensor2D;
}

export interface GradCamOut {
  /** Raw maps [B, h, w] (ReLU(Σ α A)), kept: the caller disposes. */
  readonly cams: tf.Tensor3D;
  /** Channel weights α [B, K], kept: the caller disposes. */
  readonly alpha: tf.Tensor2D;
  readonly classes: Int32Array;
}

/** Grad-CAM maps and channel weights for `classes` (predicted classes where absent). */
export function gradCam(
  compiled: CompiledModel,
  feeds: Readonly<Record<string, tf.Tensor>>,
  target: string,
  scores: string,
  classes?: Int32Array,
): GradCamOut {
  let cls = classes;
  const [cams, alpha] = tf.tidy(() => {
    const { a, values } = featureMap(compiled, feeds, target);
    const logits = scoresOf(values, scores);
    if (!cls) cls = logits.argMax(1).dataSync() as Int32Array;
    const onehot = tf.oneHot(tf.tensor1d(cls, 'int32'), logits.shape[1]).toFloat();
    // Σ_b y_{b, c_b}: samples are independent at inference, so ∂/∂A_b is ∂y_{c_b}/∂A_b.
    const yc = (x: tf.Tensor) =>
      scoresOf(compiled.run(feeds, { training: false, overrides: new Map([[target, x]]) }), scores)
        .mul(onehot)
        .sum();
    const g = tf.grad(yc)(a) as tf.Tensor4D;
    const al = g.mean([1, 2]) as tf.Tensor2D;
    const cam = a
      .mul(al.reshape([al.shape[0], 1, 1, al.shape[1]]))
      .sum(-1)
      .relu() as tf.Tensor3D;
    return [cam, al] as const;
  });
  return { cams, alpha, classes: cls! };
}

/**
 * Runs `fn` with the guided ReLU gradient dx = dy · [x > 0] · [dy > 0] registered for the Relu
 * kernel, restoring the original gradient afterwards. Conv / dense layers with a ReLU activation
 * are covered too: tfjs runs fused kernels unfused (tf.relu) while a gradient is being recorded.
 */
export function withGuidedRelu<T>(fn: () => T): T {
  const original = tf.getGradient(tf.Relu);
  tf.registerGradient({
    kernelName: tf.Relu,
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => {
      const x = saved[0]!;
      const d = dy as tf.Tensor;
      return { x: () => tf.mul(d, tf.mul(tf.step(x), tf.step(d))) };
    },
  });
  try {
    return fn();
  } finally {
    if (original) tf.registerGradient(original);
  }
}

/**
 * Guided backpropagation [B, H, W, C] of the class scores (pre-softmax, node `scores`) for `classes`
 * with respect to the image fed to input node `input`. Kept: the caller disposes.
 */
export function guidedBackprop(
  compiled: CompiledModel,
  feeds: Readonly<Record<string, tf.Tensor>>,
  input: string,
  scores: string,
  classes: Int32Array,
): tf.Tensor4D {
  const x = feeds[input];
  if (x?.rank !== 4)
    throw new CompileError(input, `analyse/guided: input '${input}' is not an image batch [B, H, W, C]`);
  return tf.tidy(() =>
    withGuidedRelu(() => {
      const yc = (img: tf.Tensor) => {
        const logits = scoresOf(compiled.run({ ...feeds, [input]: img }, { training: false }), scores);
        return logits.mul(tf.oneHot(tf.tensor1d(classes, 'int32'), logits.shape[1]).toFloat()).sum();
      };
      return tf.grad(yc)(x) as tf.Tensor4D;
    }),
  );
}

/**
 * Guided Grad-CAM maps [B, H, W]: guided backprop summed over the image channels times the raw
 * Grad-CAM map bilinearly upsampled to the image (align corners, as upsampleMaps). Kept.
 */
export function guidedGradCam(guided: tf.Tensor4D, cams: tf.Tensor3D): tf.Tensor3D {
  return tf.tidy(() => {
    const [b, h, w] = guided.shape;
    const up = tf.image.resizeBilinear(cams.expandDims(-1) as tf.Tensor4D, [h, w], true);
    return guided.sum(-1).mul(up.reshape([b, h, w])) as tf.Tensor3D;
  });
}

export interface EigenCamOut {
  /** Raw maps [B, h, w] (ReLU of the sign-fixed projection), kept. */
  readonly cams: tf.Tensor3D;
  /** First principal directions v₁ [B, K] (unit, sign fixed), kept. */
  readonly v: tf.Tensor2D;
}

/** Eigen-CAM of feature maps `a` [B, h, w, K]: forward only. */
export function eigenCam(a: tf.Tensor4D, iterations = 30): EigenCamOut {
  const [cams, v] = tf.tidy(() => {
    const [b, h, w, k] = a.shape;
    const raw = a.reshape([b, h * w, k]);
    const m = raw.sub(raw.mean(1, true)) as tf.Tensor3D;
    const s = tf.matMul(m, m, true, false); // [B, K, K]
    let v: tf.Tensor3D = tf.fill([b, k, 1], 1 / Math.sqrt(k)) as tf.Tensor3D;
    for (let i = 0; i < iterations; i++) {
      const sv = tf.matMul(s, v);
      v = sv.div(sv.square().sum(1, true).sqrt().add(EPS));
    }
    const proj = tf.matMul(m, v).reshape([b, h * w]); // [B, hw]
    const meanA = raw.mean(2); // [B, hw]
    const corr = proj
      .sub(proj.mean(1, true))
      .mul(meanA.sub(meanA.mean(1, true)))
      .sum(1, true); // [B, 1]
    const sign = tf.where(corr.less(0), tf.fill(corr.shape, -1), tf.fill(corr.shape, 1));
    const cam = proj.mul(sign).relu().reshape([b, h, w]) as tf.Tensor3D;
    return [cam, v.reshape([b, k]).mul(sign) as tf.Tensor2D] as const;
  });
  return { cams, v };
}

/**
 * Maps [B, h, w] → [B, H, W] bilinearly upsampled and normalised per map: 'minmax' to [0, 1],
 * 'max' divided by the maximum (all-zero maps stay zero). Returns plain arrays, B × H·W.
 */
export function upsampleMaps(
  cams: tf.Tensor3D,
  height: number,
  width: number,
  norm: 'minmax' | 'max',
): Float32Array[] {
  const data = tf.tidy(() => {
    const up = tf.image.resizeBilinear(cams.expandDims(-1) as tf.Tensor4D, [height, width], true);
    return up.reshape([cams.shape[0], height * width]).dataSync() as Float32Array;
  });
  const n = height * width;
  const out: Float32Array[] = [];
  for (let i = 0; i < cams.shape[0]; i++) {
    const m = data.slice(i * n, (i + 1) * n);
    let lo = norm === 'minmax' ? Number.POSITIVE_INFINITY : 0;
    let hi = Number.NEGATIVE_INFINITY;
    for (const x of m) {
      if (x < lo) lo = x;
      if (x > hi) hi = x;
    }
    const span = hi - lo;
    for (let j = 0; j < n; j++) m[j] = span > EPS ? (m[j]! - lo) / span : 0;
    out.push(m);
  }
  return out;
}
