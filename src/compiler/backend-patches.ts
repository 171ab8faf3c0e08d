// Kernel patches for the tfjs `cpu` and `wasm` backends (tfjs 4.22), so that CNN / depthwise /
// embedding models train on them at a sane speed. Numbers: bench/kernel-patches.ts, Node 20,
// x [32,28,28,16], 'same'; conv filter [3,3,16,16], depthwise filter [3,3,16,1].
//
// - cpu Conv2DBackpropFilter: tfjs-backend-cpu reads every element through TensorBuffer.get(), so it
//   took 6–13.7 s where the forward conv takes 150–320 ms and Conv2DBackpropInput 110–220 ms —
//   training any CNN on cpu was ~40× slower than it should be. Patched: 27–60 ms.
// - cpu DepthwiseConv2dNativeBackpropFilter: same TensorBuffer.get pattern, 460–970 ms against
//   17–38 ms for the forward depthwise conv (> 5× slower, so patched: 11–36 ms).
//   cpu DepthwiseConv2dNativeBackpropInput already uses flat arrays (1.1–1.9× the forward): kept.
// - cpu UnsortedSegmentSum (the gradient of tf.gather, i.e. of an Embedding): tfjs runs five full-size
//   ops per segment, O(numSegments · size): 2.7–5.6 s for 896 ids into a 1000×32 table. Patched: < 1 ms.
// (Ranges: the same bench on a busy and an idle 2-core machine.)
// - wasm: tfjs-backend-wasm has NO kernel for Conv2DBackpropFilter, DepthwiseConv2dNativeBackpropFilter,
//   DepthwiseConv2dNativeBackpropInput or UnsortedSegmentSum, so training a CNN / depthwise /
//   embedding model on wasm threw "Kernel 'X' not registered for backend 'wasm'". Added.
//
// Wrong gradients (max |tf.grad − Jᵀ·dy| on random x, dy in [−1, 1), J the forward's linear map;
// src/testing/backend-patches.test.ts). Each patch is the exact transpose of tfjs' own forward kernel:
// - cpu ResizeNearestNeighborGrad: indexes dy with the IMAGE's batch stride, so every batch item
//   after the first is wrong (upSampling2d [2,2] on [2,3,3,2]: 2.8–3.4), and it ignores
//   halfPixelCenters (3×3 → 5×4: 1.8). Patched (1.1 ms against 5.3 ms for [32,14,14,16] → 28×28).
// - cpu ResizeBilinearGrad: returns shape [b, w, h, c], so tf.grad throws whenever h ≠ w ("The gradient
//   of input 'images' has shape '2,3,2,2', which does not match … '2,2,3,2'"), and it ignores
//   halfPixelCenters (0.3–0.8). Patched.
// - wasm ResizeNearestNeighborGrad: ignores halfPixelCenters (3×3 → 5×4: 1.5) and, with alignCorners, an
//   input side of 1 (ratio 0; 1×3 → 3×9: 2.7). Patched (ours: 1.4 ms; wasm's: 3.1 ms).
// - wasm ResizeBilinearGrad: ignores halfPixelCenters (0.8–1.8). Patched for halfPixelCenters only;
//   otherwise wasm's own (right, and 1.5 ms against our 2.4 ms) runs.
// - AvgPoolGrad, cpu and wasm: the forward avgPool divides each window by its number of IN-BOUNDS
//   pixels, the gradient by fH·fW, so 'same' / explicit / numeric padding gave wrong gradients at the
//   borders (3×3, stride 2, 'same' on [2,5,6,2]: 0.19 cpu, 0.13 wasm; averagePooling2d vs finite
//   differences: 0.14). Also, tfjs' AvgPool gradient drops dimRoundingMode, so after 'ceil' the last
//   windows got nothing on cpu (0.23); the patch sizes the windows from dy. Patched (cpu 2.4 ms against
//   66 ms; wasm 2.9 against 5.3 ms; x [32,28,28,16], 3×3, stride 2, 'same').
// - wasm MaxPoolGrad: a window whose maximum is negative sends its gradient to the wrong pixel (x in
//   [−1, 1), 3×3 'same' stride 2: 0.93; 1×1 windows too). Patched (5.4 ms against 9.7 ms).
//   cpu MaxPoolGrad is right ('same' / 'valid' / numeric pads, strides 1–3, batch and channels > 1): kept,
//   though it is slow (TensorBuffer.get: 135 ms against 5.5 ms for the forward).
//
// The kernels are plain JS over flat typed arrays (NHWC), the innermost loop over contiguous
// channels (or, for the conv filter gradient, a 4×4 channel block with positions innermost). Filter
// gradients sum batch·outH·outW terms, so they accumulate in float64. Attributes are read exactly as
// the tfjs-backend-cpu kernels read them, through backend_util.computeConv2DInfo, so strides,
// dilations, 'same' / 'valid' / explicit padding and dimRoundingMode mean the same thing.
//
// installKernelPatches() must run after '@tensorflow/tfjs' and '@tensorflow/tfjs-backend-wasm' are
// imported (importing them registers their kernels; a registration made after ours would win again:
// wasm registers its own ResizeNearestNeighborGrad, ResizeBilinearGrad, AvgPoolGrad and MaxPoolGrad)
// and before training. It is idempotent, and re-patches whatever a later import put back.
import * as tf from '@tensorflow/tfjs';

type Conv2DInfo = tf.backend_util.Conv2DInfo;
type NumArray = ArrayLike<number>;

/** The part of MathBackendCPU / BackendWasm these kernels use. */
interface PatchBackend {
  readSync(dataId: tf.DataId): tf.backend_util.BackendValues;
  /** MathBackendCPU. */
  makeTensorInfo?(shape: number[], dtype: tf.DataType, values?: tf.backend_util.BackendValues): tf.TensorInfo;
  /** BackendWasm (it has no makeTensorInfo): copies `values` onto the wasm heap. */
  makeOutput?(
    shape: number[],
    dtype: tf.DataType,
    memoryOffset?: number,
    values?: tf.backend_util.BackendValues,
  ): tf.TensorInfo;
}

/** Marks our kernelFuncs, so a second install (even from a second copy of this module) is a no-op. */
const PATCH_MARK = Symbol.for('netwright.kernelPatch');
type MarkedKernelFunc = tf.KernelFunc & { [PATCH_MARK]?: true };

function read(backend: PatchBackend, info: tf.TensorInfo, kernel: string): NumArray {
  if (info.dtype === 'string' || info.dtype === 'complex64') {
    throw new Error(`${kernel}: dtype '${info.dtype}' is not supported`);
  }
  return backend.readSync(info.dataId) as NumArray;
}

function output(
  backend: PatchBackend,
  shape: number[],
  dtype: tf.DataType,
  values: Float32Array | Int32Array,
): tf.TensorInfo {
  if (backend.makeTensorInfo) return backend.makeTensorInfo(shape, dtype, values);
  if (backend.makeOutput) return backend.makeOutput(shape, dtype, undefined, values);
  throw new Error('backend-patches: backend has neither makeTensorInfo nor makeOutput');
}

function toFloat32(acc: Float64Array): Float32Array {
  const out = new Float32Array(acc.length);
  out.set(acc);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Pure kernels (NHWC, flat arrays). Exported for the tests and the bench.

/** Copies an [n, c] row-major array into an [n, cp] one (cp ≥ c), zero-filling the extra channels. */
function padChannels(a: NumArray, n: number, c: number, cp: number): Float32Array {
  const out = new Float32Array(n * cp);
  for (let i = 0, src = 0, dst = 0; i < n; i++, src += c, dst += cp) {
    for (let k = 0; k < c; k++) out[dst + k] = a[src + k]!;
  }
  return out;
}

/** First output index o ≥ 0 whose input coordinate o·stride + offset is ≥ 0. */
function firstValid(offset: number, stride: number): number {
  return Math.max(0, Math.ceil(-offset / stride));
}
/** One past the last output index o < outSize whose input coordinate o·stride + offset is < inSize. */
function endValid(offset: number, stride: number, inSize: number, outSize: number): number {
  return Math.min(outSize, Math.ceil((inSize - offset) / stride));
}

/**
 * dW[r,c,i,o] = Σ_{b,yR,yC} x[b, yR·sH + r·dH − top, yC·sW + c·dW − left, i] · dy[b,yR,yC,o].
 * Per filter tap it is a [inC × P]·[P × outC] product over the P output positions that read a
 * real (unpadded) input pixel; computed in 4×4 register blocks (16 float64 accumulators), the
 * positions loop innermost. Channels are zero-padded to multiples of 4 so there are no remainder
 * loops. In V8 that is ~3× faster than the plain outer-product loop order (inner loop over outC).
 */
export function conv2DBackpropFilterNHWC(x: NumArray, dy: NumArray, ci: Conv2DInfo): Float32Array {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = ci;
  const { strideHeight, strideWidth, dilationHeight, dilationWidth, filterHeight, filterWidth } = ci;
  const top = ci.padInfo.top;
  const left = ci.padInfo.left;
  const C = inChannels;
  const O = outChannels;
  const C4 = (C + 3) & ~3;
  const O4 = (O + 3) & ~3;
  const xp = C4 === C ? x : padChannels(x, batchSize * inHeight * inWidth, C, C4);
  const dyp = O4 === O ? dy : padChannels(dy, batchSize * outHeight * outWidth, O, O4);
  const dW = new Float32Array(filterHeight * filterWidth * C4 * O4);
  const xImage = inHeight * inWidth * C4;
  const dyImage = outHeight * outWidth * O4;
  const xStepC = strideWidth * C4;
  for (let wR = 0; wR < filterHeight; wR++) {
    const offR = wR * dilationHeight - top;
    const yR0 = firstValid(offR, strideHeight);
    const yR1 = endValid(offR, strideHeight, inHeight, outHeight);
    for (let wC = 0; wC < filterWidth; wC++) {
      const offC = wC * dilationWidth - left;
      const yC0 = firstValid(offC, strideWidth);
      const yC1 = endValid(offC, strideWidth, inWidth, outWidth);
      const tap = (wR * filterWidth + wC) * C4 * O4;
      if (yR0 >= yR1 || yC0 >= yC1) continue; // this tap only ever sees padding: gradient 0
      // biome-ignore format: the 4×4 micro-kernel reads best as a grid
      for (let d1 = 0; d1 < C4; d1 += 4) {
        for (let d2 = 0; d2 < O4; d2 += 4) {
          let a00 = 0, a01 = 0, a02 = 0, a03 = 0, a10 = 0, a11 = 0, a12 = 0, a13 = 0;
          let a20 = 0, a21 = 0, a22 = 0, a23 = 0, a30 = 0, a31 = 0, a32 = 0, a33 = 0;
          for (let b = 0; b < batchSize; b++) {
            for (let yR = yR0; yR < yR1; yR++) {
              const xR = yR * strideHeight + offR;
              let xo = b * xImage + (xR * inWidth + yC0 * strideWidth + offC) * C4 + d1;
              let go = b * dyImage + (yR * outWidth + yC0) * O4 + d2;
              for (let yC = yC0; yC < yC1; yC++, xo += xStepC, go += O4) {
                const x0 = xp[xo]!, x1 = xp[xo + 1]!, x2 = xp[xo + 2]!, x3 = xp[xo + 3]!;
                const g0 = dyp[go]!, g1 = dyp[go + 1]!, g2 = dyp[go + 2]!, g3 = dyp[go + 3]!;
                a00 += x0 * g0; a01 += x0 * g1; a02 += x0 * g2; a03 += x0 * g3;
                a10 += x1 * g0; a11 += x1 * g1; a12 += x1 * g2; a13 += x1 * g3;
                a20 += x2 * g0; a21 += x2 * g1; a22 += x2 * g2; a23 += x2 * g3;
                a30 += x3 * g0; a31 += x3 * g1; a32 += x3 * g2; a33 += x3 * g3;
              }
            }
          }
          let o = tap + d1 * O4 + d2;
          dW[o] = a00; dW[o + 1] = a01; dW[o + 2] = a02; dW[o + 3] = a03; o += O4;
          dW[o] = a10; dW[o + 1] = a11; dW[o + 2] = a12; dW[o + 3] = a13; o += O4;
          dW[o] = a20; dW[o + 1] = a21; dW[o + 2] = a22; dW[o + 3] = a23; o += O4;
          dW[o] = a30; dW[o + 1] = a31; dW[o + 2] = a32; dW[o + 3] = a33;
        }
      }
    }
  }
  if (C4 === C && O4 === O) return dW;
  // Drop the padded channels: [fH·fW·C4, O4] → [fH·fW·C, O].
  const out = new Float32Array(filterHeight * filterWidth * C * O);
  for (let t = 0, src = 0, dst = 0; t < filterHeight * filterWidth; t++) {
    for (let d1 = 0; d1 < C4; d1++, src += O4) {
      if (d1 >= C) continue;
      for (let d2 = 0; d2 < O; d2++) out[dst + d2] = dW[src + d2]!;
      dst += O;
    }
  }
  return out;
}

/** dW[r,c,i,m] = Σ_{b,yR,yC} x[b, yR·sH + r·dH − top, yC·sW + c·dW − left, i] · dy[b,yR,yC,i·M+m]. */
export function depthwiseBackpropFilterNHWC(x: NumArray, dy: NumArray, ci: Conv2DInfo): Float32Array {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = ci;
  const { strideHeight, strideWidth, dilationHeight, dilationWidth, filterHeight, filterWidth } = ci;
  const top = ci.padInfo.top;
  const left = ci.padInfo.left;
  const chMul = outChannels / inChannels;
  // Filter [fH, fW, inC, chMul]: one tap holds inC·chMul = outC values, laid out like dy's channels.
  const acc = new Float64Array(filterHeight * filterWidth * outChannels);
  for (let b = 0; b < batchSize; b++) {
    for (let yR = 0; yR < outHeight; yR++) {
      const dyRow = (b * outHeight + yR) * outWidth * outChannels;
      for (let wR = 0; wR < filterHeight; wR++) {
        const xR = yR * strideHeight + wR * dilationHeight - top;
        if (xR < 0 || xR >= inHeight) continue;
        const xRow = (b * inHeight + xR) * inWidth * inChannels;
        for (let yC = 0; yC < outWidth; yC++) {
          const dyOff = dyRow + yC * outChannels;
          for (let wC = 0; wC < filterWidth; wC++) {
            const xC = yC * strideWidth + wC * dilationWidth - left;
            if (xC < 0 || xC >= inWidth) continue;
            const xOff = xRow + xC * inChannels;
            const wOff = (wR * filterWidth + wC) * outChannels;
            if (chMul === 1) {
              for (let d = 0; d < inChannels; d++) acc[wOff + d]! += x[xOff + d]! * dy[dyOff + d]!;
            } else {
              for (let d1 = 0, d2 = 0; d1 < inChannels; d1++) {
                const xv = x[xOff + d1]!;
                for (let m = 0; m < chMul; m++, d2++) acc[wOff + d2]! += xv * dy[dyOff + d2]!;
              }
            }
          }
        }
      }
    }
  }
  return toFloat32(acc);
}

/** dx[b,xR,xC,i] = Σ over (yR,yC,r,c) that read x[b,xR,xC,i], Σ_m w[r,c,i,m] · dy[b,yR,yC,i·M+m]. */
export function depthwiseBackpropInputNHWC(dy: NumArray, w: NumArray, ci: Conv2DInfo): Float32Array {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = ci;
  const { strideHeight, strideWidth, dilationHeight, dilationWidth, filterHeight, filterWidth } = ci;
  const top = ci.padInfo.top;
  const left = ci.padInfo.left;
  const chMul = outChannels / inChannels;
  // Each dx element receives at most fH·fW·chMul terms, so float32 accumulation is enough.
  const dx = new Float32Array(batchSize * inHeight * inWidth * inChannels);
  for (let b = 0; b < batchSize; b++) {
    for (let yR = 0; yR < outHeight; yR++) {
      const dyRow = (b * outHeight + yR) * outWidth * outChannels;
      for (let wR = 0; wR < filterHeight; wR++) {
        const xR = yR * strideHeight + wR * dilationHeight - top;
        if (xR < 0 || xR >= inHeight) continue;
        const xRow = (b * inHeight + xR) * inWidth * inChannels;
        for (let yC = 0; yC < outWidth; yC++) {
          const dyOff = dyRow + yC * outChannels;
          for (let wC = 0; wC < filterWidth; wC++) {
            const xC = yC * strideWidth + wC * dilationWidth - left;
            if (xC < 0 || xC >= inWidth) continue;
            const xOff = xRow + xC * inChannels;
            const wOff = (wR * filterWidth + wC) * outChannels;
            if (chMul === 1) {
              for (let d = 0; d < inChannels; d++) dx[xOff + d]! += w[wOff + d]! * dy[dyOff + d]!;
            } else {
              for (let d1 = 0, d2 = 0; d1 < inChannels; d1++) {
                let s = 0;
                for (let m = 0; m < chMul; m++, d2++) s += w[wOff + d2]! * dy[dyOff + d2]!;
                dx[xOff + d1]! += s;
              }
            }
          }
        }
      }
    }
  }
  return dx;
}

/**
 * out[s, ...] = Σ_{i : ids[i] = s} x[i, ...] (TF semantics: ids flattened over the leading
 * segmentIds.rank dims of x; ids < 0 or ≥ numSegments are dropped, as in tfjs-backend-cpu).
 */
export function unsortedSegmentSumFlat(
  x: NumArray,
  ids: NumArray,
  inner: number,
  numSegments: number,
  out: Float32Array | Int32Array,
): void {
  const n = ids.length;
  for (let i = 0; i < n; i++) {
    const s = ids[i]!;
    if (s < 0 || s >= numSegments) continue;
    const o = s * inner;
    const xi = i * inner;
    for (let j = 0; j < inner; j++) out[o + j]! += x[xi + j]!;
  }
}

/** Shapes of a resize gradient: images [batch, inHeight, inWidth, channels], dy [batch, outHeight, outWidth, channels]. */
export interface ResizeGradInfo {
  batch: number;
  inHeight: number;
  inWidth: number;
  outHeight: number;
  outWidth: number;
  channels: number;
  alignCorners: boolean;
  halfPixelCenters: boolean;
}

/** in/out size ratio of one axis, as tfjs-backend-cpu's ResizeBilinear / ResizeNearestNeighbor compute it. */
function resizeRatio(inSize: number, outSize: number, alignCorners: boolean): number {
  return alignCorners && outSize > 1 ? (inSize - 1) / (outSize - 1) : inSize / outSize;
}

/** The input index each output index of one axis copies in tfjs' ResizeNearestNeighbor (same float64 expressions). */
export function nearestSourceIndices(
  inSize: number,
  outSize: number,
  alignCorners: boolean,
  halfPixelCenters: boolean,
): Int32Array {
  const ratio = resizeRatio(inSize, outSize, alignCorners);
  const src = new Int32Array(outSize);
  for (let o = 0; o < outSize; o++) {
    const frac = halfPixelCenters ? ratio * (o + 0.5) : ratio * o;
    const s = Math.min(inSize - 1, alignCorners ? Math.round(frac) : Math.floor(frac));
    src[o] = halfPixelCenters ? Math.max(0, s) : s;
  }
  return src;
}

/**
 * The two input indices (lo, hi) and the weight of hi (out = in[lo]·(1 − w) + in[hi]·w) of each output
 * index of one axis in tfjs' ResizeBilinear: lo = max(0, ⌊src⌋), hi = min(in − 1, ⌈src⌉), w = src − lo.
 * (With half-pixel centres w can leave [0, 1] at the borders, but there lo = hi, so the weights still sum to 1.)
 */
export function bilinearTaps(
  inSize: number,
  outSize: number,
  alignCorners: boolean,
  halfPixelCenters: boolean,
): { lo: Int32Array; hi: Int32Array; w: Float64Array } {
  const ratio = resizeRatio(inSize, outSize, alignCorners);
  const lo = new Int32Array(outSize);
  const hi = new Int32Array(outSize);
  const w = new Float64Array(outSize);
  for (let o = 0; o < outSize; o++) {
    const src = halfPixelCenters ? ratio * (o + 0.5) - 0.5 : ratio * o;
    const l = Math.max(0, Math.floor(src));
    lo[o] = l;
    hi[o] = Math.min(inSize - 1, Math.ceil(src));
    w[o] = src - l;
  }
  return { lo, hi, w };
}

/** dx[b, src(r), src(c), d] += dy[b, r, c, d]: the transpose of ResizeNearestNeighbor. */
export function resizeNearestNeighborGradNHWC(dy: NumArray, ri: ResizeGradInfo): Float32Array {
  const { batch, inHeight, inWidth, outHeight, outWidth, channels: C } = ri;
  const srcR = nearestSourceIndices(inHeight, outHeight, ri.alignCorners, ri.halfPixelCenters);
  const srcC = nearestSourceIndices(inWidth, outWidth, ri.alignCorners, ri.halfPixelCenters);
  // Each dx element receives ⌈out/in⌉² terms or so: float32 accumulation is enough.
  const dx = new Float32Array(batch * inHeight * inWidth * C);
  let o = 0;
  for (let b = 0; b < batch; b++) {
    for (let r = 0; r < outHeight; r++) {
      const xRow = (b * inHeight + srcR[r]!) * inWidth;
      for (let c = 0; c < outWidth; c++, o += C) {
        const xo = (xRow + srcC[c]!) * C;
        for (let d = 0; d < C; d++) dx[xo + d]! += dy[o + d]!;
      }
    }
  }
  return dx;
}

/** Scatters each dy[b, r, c, d] onto its four bilinear taps: the transpose of ResizeBilinear. */
export function resizeBilinearGradNHWC(dy: NumArray, ri: ResizeGradInfo): Float32Array {
  const { batch, inHeight, inWidth, outHeight, outWidth, channels: C } = ri;
  const rows = bilinearTaps(inHeight, outHeight, ri.alignCorners, ri.halfPixelCenters);
  const cols = bilinearTaps(inWidth, outWidth, ri.alignCorners, ri.halfPixelCenters);
  const dx = new Float32Array(batch * inHeight * inWidth * C);
  let o = 0;
  for (let b = 0; b < batch; b++) {
    for (let r = 0; r < outHeight; r++) {
      const top = (b * inHeight + rows.lo[r]!) * inWidth;
      const bot = (b * inHeight + rows.hi[r]!) * inWidth;
      const wr = rows.w[r]!;
      for (let c = 0; c < outWidth; c++, o += C) {
        const left = cols.lo[c]!;
        const right = cols.hi[c]!;
        const wc = cols.w[c]!;
        const tl = (top + left) * C;
        const tr = (top + right) * C;
        const bl = (bot + left) * C;
        const br = (bot + right) * C;
        const wtl = (1 - wr) * (1 - wc);
        const wtr = (1 - wr) * wc;
        const wbl = wr * (1 - wc);
        const wbr = wr * wc;
        for (let d = 0; d < C; d++) {
          const g = dy[o + d]!;
          dx[tl + d]! += g * wtl;
          dx[tr + d]! += g * wtr;
          dx[bl + d]! += g * wbl;
          dx[br + d]! += g * wbr;
        }
      }
    }
  }
  return dx;
}

/**
 * The transpose of tfjs' AvgPool: y[b,yR,yC,d] = mean of x over the window's IN-BOUNDS pixels
 * (tfjs-backend-cpu utils/pool_utils.js divides by that count; wasm/XNNPACK agrees), so
 * dx[b,xR,xC,d] = Σ over the windows holding (xR,xC) of dy[b,yR,yC,d] / count(yR,yC).
 * Windows that lie wholly in the padding (forward: NaN) contribute nothing. outHeight / outWidth
 * are taken from ci as given (the caller sets them from dy's shape).
 */
export function avgPoolGradNHWC(dy: NumArray, ci: Conv2DInfo): Float32Array {
  const { batchSize, inHeight, inWidth, inChannels: C, outHeight, outWidth } = ci;
  const { strideHeight, strideWidth, effectiveFilterHeight, effectiveFilterWidth } = ci;
  const top = ci.padInfo.top;
  const left = ci.padInfo.left;
  const dx = new Float32Array(batchSize * inHeight * inWidth * C);
  for (let b = 0; b < batchSize; b++) {
    for (let yR = 0; yR < outHeight; yR++) {
      const rCorner = yR * strideHeight - top;
      const xR0 = Math.max(0, rCorner);
      const xR1 = Math.min(inHeight, rCorner + effectiveFilterHeight);
      if (xR0 >= xR1) continue;
      for (let yC = 0; yC < outWidth; yC++) {
        const cCorner = yC * strideWidth - left;
        const xC0 = Math.max(0, cCorner);
        const xC1 = Math.min(inWidth, cCorner + effectiveFilterWidth);
        if (xC0 >= xC1) continue;
        const inv = 1 / ((xR1 - xR0) * (xC1 - xC0));
        const go = ((b * outHeight + yR) * outWidth + yC) * C;
        for (let xR = xR0; xR < xR1; xR++) {
          let xo = ((b * inHeight + xR) * inWidth + xC0) * C;
          for (let xC = xC0; xC < xC1; xC++, xo += C) {
            for (let d = 0; d < C; d++) dx[xo + d]! += dy[go + d]! * inv;
          }
        }
      }
    }
  }
  return dx;
}

/**
 * The gradient of tfjs' MaxPool: each dy[b,yR,yC,d] goes to the window's first maximum (row-major,
 * strict >, from −∞: the position tfjs-backend-cpu's maxPoolPositions picks). A window whose pixels
 * are all NaN or −∞ has no maximum and passes nothing back (as on cpu).
 */
export function maxPoolGradNHWC(x: NumArray, dy: NumArray, ci: Conv2DInfo): Float32Array {
  const { batchSize, inHeight, inWidth, inChannels: C, outHeight, outWidth } = ci;
  const { strideHeight, strideWidth, effectiveFilterHeight, effectiveFilterWidth } = ci;
  const top = ci.padInfo.top;
  const left = ci.padInfo.left;
  const dx = new Float32Array(batchSize * inHeight * inWidth * C);
  const best = new Float64Array(C);
  const at = new Int32Array(C);
  for (let b = 0; b < batchSize; b++) {
    for (let yR = 0; yR < outHeight; yR++) {
      const rCorner = yR * strideHeight - top;
      const xR0 = Math.max(0, rCorner);
      const xR1 = Math.min(inHeight, rCorner + effectiveFilterHeight);
      for (let yC = 0; yC < outWidth; yC++) {
        const cCorner = yC * strideWidth - left;
        const xC0 = Math.max(0, cCorner);
        const xC1 = Math.min(inWidth, cCorner + effectiveFilterWidth);
        best.fill(Number.NEGATIVE_INFINITY);
        at.fill(-1);
        for (let xR = xR0; xR < xR1; xR++) {
          let xo = ((b * inHeight + xR) * inWidth + xC0) * C;
          for (let xC = xC0; xC < xC1; xC++, xo += C) {
            for (let d = 0; d < C; d++) {
              const v = x[xo + d]!;
              if (v > best[d]!) {
                best[d] = v;
                at[d] = xo + d;
              }
            }
          }
        }
        const go = ((b * outHeight + yR) * outWidth + yC) * C;
        for (let d = 0; d < C; d++) {
          const i = at[d]!;
          if (i >= 0) dx[i]! += dy[go + d]!;
        }
      }
    }
  }
  return dx;
}

// ---------------------------------------------------------------------------------------------
// KernelFuncs. Attribute handling mirrors node_modules/@tensorflow/tfjs-backend-cpu/dist/kernels/*.

function conv2DBackpropFilterKernel(fallback: tf.KernelFunc | undefined): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const { strides, pad, dataFormat, dimRoundingMode, filterShape } =
      attrs as unknown as tf.Conv2DBackpropFilterAttrs;
    const $dataFormat = tf.backend_util.convertConv2DDataFormat(dataFormat);
    if ($dataFormat !== 'channelsLast') {
      // tfjs-backend-cpu's kernel handles NCHW (slowly); keep it for that case.
      if (fallback) return fallback({ inputs, backend, attrs: attrs ?? {} });
      throw new Error(
        `Conv2DBackpropFilter (netwright patch): dataFormat '${dataFormat}' is not supported on this backend; use NHWC (channelsLast).`,
      );
    }
    // tfjs-backend-cpu passes dilations = 1 (tf.conv2d's gradient rejects dilations > 1 and the op
    // sends no dilations attr); a `dilations` attr, if a caller supplies one via runKernel, is honoured.
    const dilations = (attrs as { dilations?: [number, number] | number }).dilations ?? 1;
    const convInfo = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filterShape,
      strides,
      dilations,
      pad,
      dimRoundingMode,
      false /* depthwise */,
      $dataFormat,
    );
    const be = backend as PatchBackend;
    const dW = conv2DBackpropFilterNHWC(
      read(be, x, 'Conv2DBackpropFilter'),
      read(be, dy, 'Conv2DBackpropFilter'),
      convInfo,
    );
    return output(be, convInfo.filterShape, 'float32', dW);
  };
}

const depthwiseBackpropFilterKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { strides, dilations, pad, dimRoundingMode, filterShape } =
    attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
  const convInfo = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    dilations,
    pad,
    dimRoundingMode,
    true /* depthwise */,
  );
  const be = backend as PatchBackend;
  const dW = depthwiseBackpropFilterNHWC(
    read(be, x, 'DepthwiseConv2dNativeBackpropFilter'),
    read(be, dy, 'DepthwiseConv2dNativeBackpropFilter'),
    convInfo,
  );
  return output(be, convInfo.filterShape, 'float32', dW);
};

const depthwiseBackpropInputKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const { strides, dilations, pad, dimRoundingMode, inputShape } =
    attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs;
  const convInfo = tf.backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as [number, number, number, number],
    strides,
    dilations,
    pad,
    dimRoundingMode,
    true /* depthwise */,
  );
  const be = backend as PatchBackend;
  const dx = depthwiseBackpropInputNHWC(
    read(be, dy, 'DepthwiseConv2dNativeBackpropInput'),
    read(be, filter, 'DepthwiseConv2dNativeBackpropInput'),
    convInfo,
  );
  return output(be, convInfo.inShape, 'float32', dx);
};

const unsortedSegmentSumKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  const { numSegments } = attrs as unknown as tf.UnsortedSegmentSumAttrs;
  const idsRank = segmentIds.shape.length;
  if (!segmentIds.shape.every((d, i) => x.shape[i] === d)) {
    throw new Error(
      `UnsortedSegmentSum: segmentIds shape [${segmentIds.shape}] must be a prefix of x shape [${x.shape}]`,
    );
  }
  if (x.dtype !== 'float32' && x.dtype !== 'int32') {
    throw new Error(`UnsortedSegmentSum: dtype '${x.dtype}' is not supported (float32 / int32 only)`);
  }
  const innerShape = x.shape.slice(idsRank);
  const inner = tf.util.sizeFromShape(innerShape);
  const be = backend as PatchBackend;
  const out =
    x.dtype === 'int32' ? new Int32Array(numSegments * inner) : new Float32Array(numSegments * inner);
  unsortedSegmentSumFlat(
    read(be, x, 'UnsortedSegmentSum'),
    read(be, segmentIds, 'UnsortedSegmentSum'),
    inner,
    numSegments,
    out,
  );
  return output(be, [numSegments, ...innerShape], x.dtype, out);
};

function resizeGradInfo(
  images: tf.TensorInfo,
  dy: tf.TensorInfo,
  attrs: tf.ResizeBilinearGradAttrs,
  kernel: string,
): ResizeGradInfo {
  const [batch, inHeight, inWidth, channels] = images.shape;
  const [dyBatch, outHeight, outWidth, dyChannels] = dy.shape;
  if (
    images.shape.length !== 4 ||
    dy.shape.length !== 4 ||
    batch !== dyBatch ||
    channels !== dyChannels ||
    batch === undefined ||
    inHeight === undefined ||
    inWidth === undefined ||
    channels === undefined ||
    outHeight === undefined ||
    outWidth === undefined
  ) {
    throw new Error(
      `${kernel}: images [${images.shape}] and dy [${dy.shape}] must be [b,h,w,c] and [b,h',w',c]`,
    );
  }
  // Read like tfjs-backend-cpu: alignCorners and halfPixelCenters from the forward op's attrs; the
  // output size is dy's (attrs.size, which the gradient also receives, equals it).
  return {
    batch,
    inHeight,
    inWidth,
    outHeight,
    outWidth,
    channels,
    alignCorners: !!attrs.alignCorners,
    halfPixelCenters: !!attrs.halfPixelCenters,
  };
}

/**
 * ResizeNearestNeighborGrad / ResizeBilinearGrad. `fallback` (wasm's own ResizeBilinearGrad, right
 * for halfPixelCenters = false) is used for that case; ours everywhere else.
 */
function resizeGradKernel(
  kernel: string,
  grad: (dy: NumArray, ri: ResizeGradInfo) => Float32Array,
  fallback: tf.KernelFunc | undefined,
): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { images, dy } = inputs as { images: tf.TensorInfo; dy: tf.TensorInfo };
    const $attrs = (attrs ?? {}) as unknown as tf.ResizeBilinearGradAttrs;
    if (fallback && !$attrs.halfPixelCenters) return fallback({ inputs, backend, attrs: attrs ?? {} });
    const ri = resizeGradInfo(images, dy, $attrs, kernel);
    const be = backend as PatchBackend;
    const dx = grad(read(be, dy, kernel), ri);
    return output(be, [ri.batch, ri.inHeight, ri.inWidth, ri.channels], 'float32', dx);
  };
}

/** Pool2D info as tfjs-backend-cpu's pool gradients compute it, with the output size taken from dy. */
function poolGradInfo(
  input: tf.TensorInfo,
  dy: tf.TensorInfo,
  attrs: tf.NamedAttrMap,
  kernel: string,
): Conv2DInfo {
  // AvgPoolGrad gets filterSize, strides, pad; MaxPoolGrad also dimRoundingMode (which tfjs' AvgPool /
  // MaxPool gradients never pass on). Dilations are 1, as in the forward pools.
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.MaxPoolGradAttrs;
  if (
    input.shape.length !== 4 ||
    dy.shape.length !== 4 ||
    dy.shape[0] !== input.shape[0] ||
    dy.shape[3] !== input.shape[3]
  ) {
    throw new Error(
      `${kernel}: input [${input.shape}] and dy [${dy.shape}] must be [b,h,w,c] and [b,h',w',c]`,
    );
  }
  const convInfo = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    filterSize,
    strides,
    1 /* dilations */,
    pad,
    dimRoundingMode,
  );
  // Windows come from the padding and strides; their number from dy. The two differ only if the
  // forward pooled with a dimRoundingMode the gradient did not get: with a numeric pad (the only
  // kind a rounding mode is allowed with) top/left do not depend on the rounding, so dy's shape is right.
  return { ...convInfo, outHeight: dy.shape[1]!, outWidth: dy.shape[2]! };
}

const avgPoolGradKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, input } = inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
  const ci = poolGradInfo(input, dy, attrs ?? {}, 'AvgPoolGrad');
  const be = backend as PatchBackend;
  const dx = avgPoolGradNHWC(read(be, dy, 'AvgPoolGrad'), ci);
  return output(be, ci.inShape, 'float32', dx);
};

const maxPoolGradKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, input } = inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
  const ci = poolGradInfo(input, dy, attrs ?? {}, 'MaxPoolGrad');
  const be = backend as PatchBackend;
  const dx = maxPoolGradNHWC(read(be, input, 'MaxPoolGrad'), read(be, dy, 'MaxPoolGrad'), ci);
  return output(be, ci.inShape, 'float32', dx);
};

/**
 * wasm BatchMatMul with a transposed operand is 11–16× slower than transposing first (measured,
 * 512×512: plain 9 ms, transposeB 99 ms, transposeA 143 ms, transpose 3 ms). Every matMul gradient
 * takes that path, so a dense layer's backward pass dominated training. Transpose explicitly, then
 * run the fast untransposed kernel.
 */
function batchMatMulKernel(matMul: tf.KernelConfig, transpose: tf.KernelConfig): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = (attrs ?? {}) as { transposeA?: boolean; transposeB?: boolean };
    if (!transposeA && !transposeB) return matMul.kernelFunc({ inputs, backend, attrs: attrs ?? {} });
    const be = backend as PatchBackend & { disposeData(id: tf.DataId): void };
    const swapLast = (t: tf.TensorInfo): tf.TensorInfo => {
      const perm = t.shape.map((_, i) => i);
      const r = perm.length;
      [perm[r - 2], perm[r - 1]] = [perm[r - 1]!, perm[r - 2]!];
      return transpose.kernelFunc({ inputs: { x: t }, backend, attrs: { perm } }) as tf.TensorInfo;
    };
    const a2 = transposeA ? swapLast(a) : a;
    const b2 = transposeB ? swapLast(b) : b;
    const out = matMul.kernelFunc({
      inputs: { a: a2, b: b2 },
      backend,
      attrs: { ...attrs, transposeA: false, transposeB: false },
    });
    if (a2 !== a) be.disposeData(a2.dataId);
    if (b2 !== b) be.disposeData(b2.dataId);
    return out;
  };
}

/**
 * Gradient patches (backend-independent, same values up to float summation order):
 * - Tile: tfjs adds one slice of dy per repetition (rank ≤ 4), so tiling a [1, 1, D] LayerNorm γ over
 *   [B, N, D] (tf.layers.layerNormalization does) cost B·N Slice + Add kernels per step: ~125 ms of a
 *   260 ms tiny-ViT step on wasm. Patched: dy reshaped to [r₀, s₀, r₁, s₁, …] and summed over the r axes.
 * - Max / Min: tfjs masks dy with equal(x, y) where y broadcasts; wasm's comparison kernels broadcast
 *   by a slow generic path (64×784×6 against 64×1×1: 17 ms, same shapes 1 ms). Patched: y is first
 *   broadcast by an exact add of zeros (fast on every backend), then compared.
 */
const GRAD_MARK = Symbol.for('netwright.gradientPatches');

function installGradientPatches(): void {
  const g = globalThis as { [GRAD_MARK]?: true };
  if (g[GRAD_MARK]) return;
  g[GRAD_MARK] = true;
  tf.registerGradient({
    kernelName: tf.Tile,
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => {
      const x = saved[0]!;
      const d = dy as tf.Tensor;
      return {
        x: () => {
          const split = x.shape.flatMap((s, i) => [d.shape[i]! / s, s]);
          const reps = x.shape.map((_, i) => 2 * i);
          return tf.reshape(tf.sum(tf.reshape(d, split), reps), x.shape);
        },
      };
    },
  });
  for (const kernelName of [tf.Max, tf.Min])
    tf.registerGradient({
      kernelName,
      inputsToSave: ['x'],
      outputsToSave: [true],
      gradFunc: (dy, saved, attrs) => {
        const [x, y0] = saved as [tf.Tensor, tf.Tensor];
        const axes = tf.util.parseAxisParam(
          // Max's attribute is reductionIndices, Min's is axis.
          (attrs as { reductionIndices?: number | number[]; axis?: number | number[] })[
            kernelName === tf.Max ? 'reductionIndices' : 'axis'
          ] as number | number[],
          x.shape,
        );
        const keep = (t: tf.Tensor) =>
          t.rank < x.rank ? tf.reshape(t, tf.backend_util.expandShapeToKeepDim(t.shape, axes)) : t;
        const y = keep(y0);
        const d = keep(dy as tf.Tensor);
        return { x: () => tf.mul(d, tf.cast(tf.equal(x, tf.add(y, tf.zerosLike(x))), d.dtype)) };
      },
    });
}

// ---------------------------------------------------------------------------------------------

/** The kernel now registered for (kernelName, backendName), unless it is one of ours (or there is none). */
function original(kernelName: string, backendName: string): tf.KernelConfig | undefined {
  const current = tf.getKernel(kernelName, backendName);
  return (current?.kernelFunc as MarkedKernelFunc | undefined)?.[PATCH_MARK] ? undefined : current;
}

/**
 * Registers `kernelFunc` unless a patch is already there. `wraps`: the kernel it falls back to; its
 * setupFunc / disposeFunc are kept (wasm kernels bind their C function in setupFunc, which the
 * engine calls for whatever config is registered when the backend is set).
 */
function register(
  kernelName: string,
  backendName: string,
  kernelFunc: tf.KernelFunc,
  wraps?: tf.KernelConfig,
): void {
  if (isPatched(kernelName, backendName)) return;
  const marked = kernelFunc as MarkedKernelFunc;
  marked[PATCH_MARK] = true;
  const config: tf.KernelConfig = { kernelName, backendName, kernelFunc: marked };
  if (wraps?.setupFunc) config.setupFunc = wraps.setupFunc;
  if (wraps?.disposeFunc) config.disposeFunc = wraps.disposeFunc;
  // Replacing, not registering twice: tfjs warns "already registered" for a second registration
  // (silenced only when PROD is set, so it flooded tests and dev builds).
  if (tf.getKernel(kernelName, backendName)) tf.unregisterKernel(kernelName, backendName);
  tf.registerKernel(config);
}

/** Whether `kernelName` on `backendName` is currently one of these patches. */
export function isPatched(kernelName: string, backendName: string): boolean {
  return !!(tf.getKernel(kernelName, backendName)?.kernelFunc as MarkedKernelFunc | undefined)?.[PATCH_MARK];
}

/**
 * Registers the kernel patches (idempotent). Call after '@tensorflow/tfjs' and
 * '@tensorflow/tfjs-backend-wasm' are imported and before training. (The wasm package registers its
 * own ResizeNearestNeighborGrad / ResizeBilinearGrad / AvgPoolGrad / MaxPoolGrad when it is first
 * imported, over ours: if it is imported later, call this again.)
 */
export function installKernelPatches(): void {
  installGradientPatches();
  // cpu: overrides; see the numbers at the top.
  register(
    tf.Conv2DBackpropFilter,
    'cpu',
    conv2DBackpropFilterKernel(original(tf.Conv2DBackpropFilter, 'cpu')?.kernelFunc),
  );
  register(tf.DepthwiseConv2dNativeBackpropFilter, 'cpu', depthwiseBackpropFilterKernel);
  register(tf.UnsortedSegmentSum, 'cpu', unsortedSegmentSumKernel);
  // cpu: wrong gradients (see the top).
  register(
    tf.ResizeNearestNeighborGrad,
    'cpu',
    resizeGradKernel('ResizeNearestNeighborGrad', resizeNearestNeighborGradNHWC, undefined),
  );
  register(
    tf.ResizeBilinearGrad,
    'cpu',
    resizeGradKernel('ResizeBilinearGrad', resizeBilinearGradNHWC, undefined),
  );
  register(tf.AvgPoolGrad, 'cpu', avgPoolGradKernel);
  // wasm: kernels it lacks.
  register(tf.Conv2DBackpropFilter, 'wasm', conv2DBackpropFilterKernel(undefined));
  register(tf.DepthwiseConv2dNativeBackpropFilter, 'wasm', depthwiseBackpropFilterKernel);
  register(tf.DepthwiseConv2dNativeBackpropInput, 'wasm', depthwiseBackpropInputKernel);
  register(tf.UnsortedSegmentSum, 'wasm', unsortedSegmentSumKernel);
  // wasm: wrong gradients (see the top). Its ResizeBilinearGrad is right (and faster) unless
  // halfPixelCenters: kept for that case.
  register(
    tf.ResizeNearestNeighborGrad,
    'wasm',
    resizeGradKernel('ResizeNearestNeighborGrad', resizeNearestNeighborGradNHWC, undefined),
  );
  const wasmBilinear = original(tf.ResizeBilinearGrad, 'wasm');
  register(
    tf.ResizeBilinearGrad,
    'wasm',
    resizeGradKernel('ResizeBilinearGrad', resizeBilinearGradNHWC, wasmBilinear?.kernelFunc),
    wasmBilinear,
  );
  register(tf.AvgPoolGrad, 'wasm', avgPoolGradKernel);
  register(tf.MaxPoolGrad, 'wasm', maxPoolGradKernel);
  // wasm: slow paths (see batchMatMulKernel).
  const wasmMatMul = original(tf.BatchMatMul, 'wasm');
  const wasmTranspose = tf.getKernel(tf.Transpose, 'wasm');
  if (wasmMatMul && wasmTranspose)
    register(tf.BatchMatMul, 'wasm', batchMatMulKernel(wasmMatMul, wasmTranspose), wasmMatMul);
  // cpu: correct but 24× slower than its forward pass (133 ms vs 5.5 ms, [32,28,28,16] 3×3/2).
  register(tf.MaxPoolGrad, 'cpu', maxPoolGradKernel);
}
