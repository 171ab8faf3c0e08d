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
// The kernels are plain JS over flat typed arrays (NHWC), the innermost loop over contiguous
// channels (or, for the conv filter gradient, a 4×4 channel block with positions innermost). Filter
// gradients sum batch·outH·outW terms, so they accumulate in float64. Attributes are read exactly as
// the tfjs-backend-cpu kernels read them, through backend_util.computeConv2DInfo, so strides,
// dilations, 'same' / 'valid' / explicit padding and dimRoundingMode mean the same thing.
//
// installKernelPatches() must run after '@tensorflow/tfjs' is imported (that registers the cpu
// kernels; a registration made after ours would win again) and before training; importing the wasm
// package before or after it does not matter (wasm registers none of these). It is idempotent.
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

// ---------------------------------------------------------------------------------------------

function register(kernelName: string, backendName: string, kernelFunc: tf.KernelFunc): void {
  const current = tf.getKernel(kernelName, backendName);
  if ((current?.kernelFunc as MarkedKernelFunc | undefined)?.[PATCH_MARK]) return; // already patched
  const marked = kernelFunc as MarkedKernelFunc;
  marked[PATCH_MARK] = true;
  tf.registerKernel({ kernelName, backendName, kernelFunc: marked });
}

/** Whether `kernelName` on `backendName` is currently one of these patches. */
export function isPatched(kernelName: string, backendName: string): boolean {
  return !!(tf.getKernel(kernelName, backendName)?.kernelFunc as MarkedKernelFunc | undefined)?.[PATCH_MARK];
}

/**
 * Registers the kernel patches (idempotent). Call after '@tensorflow/tfjs' (and, for wasm,
 * '@tensorflow/tfjs-backend-wasm') is imported and before training.
 */
export function installKernelPatches(): void {
  const cpuOriginal = tf.getKernel(tf.Conv2DBackpropFilter, 'cpu');
  const cpuFallback = (cpuOriginal?.kernelFunc as MarkedKernelFunc | undefined)?.[PATCH_MARK]
    ? undefined
    : cpuOriginal?.kernelFunc;
  // cpu: overrides (tfjs logs "already registered" unless PROD is set); see the numbers at the top.
  register(tf.Conv2DBackpropFilter, 'cpu', conv2DBackpropFilterKernel(cpuFallback));
  register(tf.DepthwiseConv2dNativeBackpropFilter, 'cpu', depthwiseBackpropFilterKernel);
  register(tf.UnsortedSegmentSum, 'cpu', unsortedSegmentSumKernel);
  // wasm: kernels it lacks.
  register(tf.Conv2DBackpropFilter, 'wasm', conv2DBackpropFilterKernel(undefined));
  register(tf.DepthwiseConv2dNativeBackpropFilter, 'wasm', depthwiseBackpropFilterKernel);
  register(tf.DepthwiseConv2dNativeBackpropInput, 'wasm', depthwiseBackpropInputKernel);
  register(tf.UnsortedSegmentSum, 'wasm', unsortedSegmentSumKernel);
}
