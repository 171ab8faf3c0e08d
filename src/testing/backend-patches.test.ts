// The kernel patches of src/compiler/backend-patches.ts against naive references written from the
// definition of the convolution sum (no tfjs helpers: output size and padding are worked out here),
// on `cpu` and on `wasm`, through the public ops that hit them (tf.grad of tf.conv2d /
// tf.depthwiseConv2d, tf.unsortedSegmentSum) and, for dilations (which tfjs' conv gradients
// reject), through tf.engine().runKernel. Also: no tensor leaks, NCHW handling, and one training
// step of a small conv + depthwise + embedding net on wasm.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { installKernelPatches, isPatched } from '../compiler/backend-patches.ts';

const TOL = 1e-4;

type Pad = 'same' | 'valid' | [[number, number], [number, number]];
type Pair = [number, number];

interface ConvCase {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  /** out channels (conv2d) or channel multiplier (depthwise). */
  outC: number;
  fH: number;
  fW: number;
  strides: Pair;
  dilations: Pair;
  pad: Pad;
}

/** mulberry32: deterministic cases across runs. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const randArray = (r: () => number, n: number) => Float32Array.from({ length: n }, () => r() * 2 - 1);

/** Output size and leading pad of one spatial dim, by the TF definitions of 'same' / 'valid' / explicit. */
function dim(inSize: number, f: number, s: number, d: number, pad: Pad, axis: 0 | 1) {
  const eff = f + (f - 1) * (d - 1);
  if (pad === 'same') {
    const out = Math.ceil(inSize / s);
    return { out, before: Math.floor(Math.max(0, (out - 1) * s + eff - inSize) / 2) };
  }
  if (pad === 'valid') return { out: Math.ceil((inSize - eff + 1) / s), before: 0 };
  const [a, b] = pad[axis];
  return { out: Math.floor((inSize + a + b - eff) / s) + 1, before: a };
}

function geometry(c: ConvCase, depthwise: boolean) {
  const h = dim(c.inH, c.fH, c.strides[0], c.dilations[0], c.pad, 0);
  const w = dim(c.inW, c.fW, c.strides[1], c.dilations[1], c.pad, 1);
  const outC = depthwise ? c.inC * c.outC : c.outC;
  return { outH: h.out, outW: w.out, top: h.before, left: w.before, outC };
}

/** Calls f(b, yr, yc, r, c, xr, xc) for every term of the convolution sum that reads a real pixel. */
function forEachTerm(
  c: ConvCase,
  g: ReturnType<typeof geometry>,
  f: (b: number, yr: number, yc: number, r: number, col: number, xr: number, xc: number) => void,
) {
  for (let b = 0; b < c.batch; b++)
    for (let yr = 0; yr < g.outH; yr++)
      for (let yc = 0; yc < g.outW; yc++)
        for (let r = 0; r < c.fH; r++)
          for (let col = 0; col < c.fW; col++) {
            const xr = yr * c.strides[0] + r * c.dilations[0] - g.top;
            const xc = yc * c.strides[1] + col * c.dilations[1] - g.left;
            if (xr >= 0 && xr < c.inH && xc >= 0 && xc < c.inW) f(b, yr, yc, r, col, xr, xc);
          }
}

/** y[b,yr,yc,o] = Σ x[b,xr,xc,i]·w[r,c,i,o]  ⇒  ∂L/∂w[r,c,i,o] = Σ x[b,xr,xc,i]·dy[b,yr,yc,o]. */
function refConv2dFilterGrad(c: ConvCase, x: Float32Array, dy: Float32Array): Float64Array {
  const g = geometry(c, false);
  const dw = new Float64Array(c.fH * c.fW * c.inC * c.outC);
  forEachTerm(c, g, (b, yr, yc, r, col, xr, xc) => {
    for (let i = 0; i < c.inC; i++)
      for (let o = 0; o < c.outC; o++)
        dw[((r * c.fW + col) * c.inC + i) * c.outC + o]! +=
          x[((b * c.inH + xr) * c.inW + xc) * c.inC + i]! *
          dy[((b * g.outH + yr) * g.outW + yc) * c.outC + o]!;
  });
  return dw;
}

/** y[b,yr,yc,i·M+m] = Σ x[b,xr,xc,i]·w[r,c,i,m]: gradients w.r.t. w and x by the same sum. */
function refDepthwiseGrads(c: ConvCase, x: Float32Array, w: Float32Array, dy: Float32Array) {
  const g = geometry(c, true);
  const M = c.outC;
  const dw = new Float64Array(c.fH * c.fW * c.inC * M);
  const dx = new Float64Array(c.batch * c.inH * c.inW * c.inC);
  forEachTerm(c, g, (b, yr, yc, r, col, xr, xc) => {
    for (let i = 0; i < c.inC; i++)
      for (let m = 0; m < M; m++) {
        const wi = ((r * c.fW + col) * c.inC + i) * M + m;
        const xi = ((b * c.inH + xr) * c.inW + xc) * c.inC + i;
        const g1 = dy[((b * g.outH + yr) * g.outW + yc) * g.outC + i * M + m]!;
        dw[wi]! += x[xi]! * g1;
        dx[xi]! += w[wi]! * g1;
      }
  });
  return { dw, dx };
}

function maxAbsDiff(actual: tf.Tensor, expected: ArrayLike<number>): number {
  const a = actual.dataSync();
  expect(a.length).toBe(expected.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - expected[i]!));
  return m;
}

/** Runs f, disposes what it returns, and checks that no tensor or backend buffer outlived it. */
function noLeaks<T>(f: () => T): T {
  const tensors = tf.memory().numTensors;
  const buffers = tf.engine().backend.numDataIds();
  const out = f();
  expect(tf.memory().numTensors).toBe(tensors);
  expect(tf.engine().backend.numDataIds()).toBe(buffers);
  return out;
}

function randomCase(r: () => number, opts: { depthwise: boolean; dilated: boolean }): ConvCase {
  for (;;) {
    const stride = pick(r, [1, 2] as const);
    const dilation = opts.dilated ? pick(r, [1, 2] as const) : 1;
    const c: ConvCase = {
      batch: 1 + Math.floor(r() * 3),
      inH: pick(r, [5, 6, 7, 9]),
      inW: pick(r, [4, 5, 7, 8]),
      inC: 1 + Math.floor(r() * 6),
      outC: opts.depthwise ? pick(r, [1, 2]) : 1 + Math.floor(r() * 7),
      fH: pick(r, [1, 2, 3]),
      fW: pick(r, [1, 2, 3]),
      strides: [stride, pick(r, [1, stride])],
      dilations: [dilation, pick(r, [1, dilation])],
      pad: pick(r, ['same', 'valid', 'explicit'] as const) as Pad,
    };
    if ((c.pad as string) === 'explicit')
      c.pad = [
        pick(r, [
          [0, 1],
          [1, 1],
          [2, 0],
        ]),
        pick(r, [
          [1, 0],
          [1, 2],
        ]),
      ];
    const g = geometry(c, opts.depthwise);
    if (g.outH >= 1 && g.outW >= 1) return c;
  }
}

const CASES = 10;
const runKernel = (name: string, inputs: tf.NamedTensorMap, attrs: tf.NamedAttrMap) =>
  tf.engine().runKernel<tf.Tensor>(name, inputs, attrs);
const tfPad = (p: Pad) =>
  typeof p === 'string' ? p : ([[0, 0], p[0], p[1], [0, 0]] as tf.backend_util.ExplicitPadding);

beforeAll(async () => {
  await import('@tensorflow/tfjs-backend-wasm'); // registers the backend and its flags
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  installKernelPatches();
  installKernelPatches(); // idempotent
});

describe.each(['cpu', 'wasm'] as const)('kernel patches on %s', (backend) => {
  beforeAll(async () => {
    expect(await tf.setBackend(backend)).toBe(true);
    await tf.ready();
  });

  it('registers its kernels', () => {
    expect(tf.getBackend()).toBe(backend);
    expect(isPatched(tf.Conv2DBackpropFilter, backend)).toBe(true);
    expect(isPatched(tf.DepthwiseConv2dNativeBackpropFilter, backend)).toBe(true);
    expect(isPatched(tf.UnsortedSegmentSum, backend)).toBe(true);
    // cpu's own DepthwiseConv2dNativeBackpropInput is fast enough (measured) and stays.
    expect(isPatched(tf.DepthwiseConv2dNativeBackpropInput, backend)).toBe(backend === 'wasm');
    // Wrong gradients in tfjs 4.22 (tests below).
    expect(isPatched(tf.ResizeNearestNeighborGrad, backend)).toBe(true);
    expect(isPatched(tf.ResizeBilinearGrad, backend)).toBe(true);
    expect(isPatched(tf.AvgPoolGrad, backend)).toBe(true);
    // wasm's MaxPoolGrad is wrong; cpu's is right but 24× slower than its forward pass.
    expect(isPatched(tf.MaxPoolGrad, backend)).toBe(true);
    // wasm's transposed matMul is 11–16× slower than transpose + matMul.
    expect(isPatched(tf.BatchMatMul, backend)).toBe(backend === 'wasm');
    if (backend === 'wasm') {
      // The bilinear patch falls back to wasm's kernel, so it keeps that kernel's setup (cwrap) function.
      expect(tf.getKernel(tf.ResizeBilinearGrad, backend)?.setupFunc).toBeTypeOf('function');
    }
  });

  it('re-patches a kernel a later import put back, without an "already registered" warning', () => {
    // A package imported after us registers its own AvgPoolGrad again (as wasm's does).
    const theirs = tf.getKernel(tf.AvgPoolGrad, backend)!;
    tf.unregisterKernel(tf.AvgPoolGrad, backend);
    tf.registerKernel({ ...theirs, kernelFunc: () => ({}) as tf.TensorInfo });
    expect(isPatched(tf.AvgPoolGrad, backend)).toBe(false);
    const warnings: string[] = [];
    const warn = console.warn;
    const prod = tf.env().getBool('PROD');
    console.warn = (...msg: unknown[]) => warnings.push(msg.join(' '));
    tf.env().set('PROD', false); // tfjs prints its warnings only outside PROD
    try {
      installKernelPatches();
    } finally {
      console.warn = warn;
      tf.env().set('PROD', prod);
    }
    expect(isPatched(tf.AvgPoolGrad, backend)).toBe(true);
    expect(warnings.filter((w) => /already registered/.test(w))).toEqual([]);
  });

  it('Conv2DBackpropFilter via tf.grad(conv2d) w.r.t. the filter matches the definition', () => {
    const r = rng(backend === 'cpu' ? 1 : 2);
    for (let k = 0; k < CASES; k++) {
      const c = randomCase(r, { depthwise: false, dilated: false });
      const g = geometry(c, false);
      const xv = randArray(r, c.batch * c.inH * c.inW * c.inC);
      const wv = randArray(r, c.fH * c.fW * c.inC * c.outC);
      const dyv = randArray(r, c.batch * g.outH * g.outW * c.outC);
      const x = tf.tensor4d(xv, [c.batch, c.inH, c.inW, c.inC]);
      const w = tf.tensor4d(wv, [c.fH, c.fW, c.inC, c.outC]);
      const dy = tf.tensor4d(dyv, [c.batch, g.outH, g.outW, c.outC]);
      const diff = noLeaks(() => {
        const dw = tf.grad((f: tf.Tensor) => tf.conv2d(x, f as tf.Tensor4D, c.strides, tfPad(c.pad)))(w, dy);
        const d = maxAbsDiff(dw, refConv2dFilterGrad(c, xv, dyv));
        dw.dispose();
        return d;
      });
      expect(diff, JSON.stringify(c)).toBeLessThanOrEqual(TOL);
      tf.dispose([x, w, dy]);
    }
  });

  it('Conv2DBackpropFilter with dilations (runKernel) matches the definition', () => {
    const r = rng(backend === 'cpu' ? 3 : 4);
    for (let k = 0; k < CASES; k++) {
      const c = randomCase(r, { depthwise: false, dilated: true });
      const g = geometry(c, false);
      const xv = randArray(r, c.batch * c.inH * c.inW * c.inC);
      const dyv = randArray(r, c.batch * g.outH * g.outW * c.outC);
      const x = tf.tensor4d(xv, [c.batch, c.inH, c.inW, c.inC]);
      const dy = tf.tensor4d(dyv, [c.batch, g.outH, g.outW, c.outC]);
      const diff = noLeaks(() => {
        const dw = runKernel(
          tf.Conv2DBackpropFilter,
          { x, dy },
          {
            strides: c.strides,
            dilations: c.dilations,
            pad: tfPad(c.pad),
            dataFormat: 'NHWC',
            filterShape: [c.fH, c.fW, c.inC, c.outC],
          },
        );
        expect(dw.shape).toEqual([c.fH, c.fW, c.inC, c.outC]);
        const d = maxAbsDiff(dw, refConv2dFilterGrad(c, xv, dyv));
        dw.dispose();
        return d;
      });
      expect(diff, JSON.stringify(c)).toBeLessThanOrEqual(TOL);
      tf.dispose([x, dy]);
    }
  });

  it('depthwise backprop filter and input via tf.grad(depthwiseConv2d) match the definition', () => {
    const r = rng(backend === 'cpu' ? 5 : 6);
    for (let k = 0; k < CASES; k++) {
      const c = randomCase(r, { depthwise: true, dilated: false });
      if (c.strides[0] !== c.strides[1]) c.strides = [c.strides[0], c.strides[0]]; // the op wants square strides
      const g = geometry(c, true);
      if (g.outH < 1 || g.outW < 1) continue;
      const xv = randArray(r, c.batch * c.inH * c.inW * c.inC);
      const wv = randArray(r, c.fH * c.fW * c.inC * c.outC);
      const dyv = randArray(r, c.batch * g.outH * g.outW * g.outC);
      const x = tf.tensor4d(xv, [c.batch, c.inH, c.inW, c.inC]);
      const w = tf.tensor4d(wv, [c.fH, c.fW, c.inC, c.outC]);
      const dy = tf.tensor4d(dyv, [c.batch, g.outH, g.outW, g.outC]);
      const ref = refDepthwiseGrads(c, xv, wv, dyv);
      const [dxDiff, dwDiff] = noLeaks(() => {
        const [dx, dw] = tf.grads((a: tf.Tensor, f: tf.Tensor) =>
          tf.depthwiseConv2d(a as tf.Tensor4D, f as tf.Tensor4D, c.strides as Pair, tfPad(c.pad)),
        )([x, w], dy);
        const d = [maxAbsDiff(dx!, ref.dx), maxAbsDiff(dw!, ref.dw)];
        tf.dispose([dx!, dw!]);
        return d;
      });
      expect(dxDiff, `dx ${JSON.stringify(c)}`).toBeLessThanOrEqual(TOL);
      expect(dwDiff, `dw ${JSON.stringify(c)}`).toBeLessThanOrEqual(TOL);
      tf.dispose([x, w, dy]);
    }
  });

  it('depthwise backprop kernels with dilations (runKernel) match the definition', () => {
    const r = rng(backend === 'cpu' ? 7 : 8);
    for (let k = 0; k < CASES; k++) {
      const c = randomCase(r, { depthwise: true, dilated: true });
      const g = geometry(c, true);
      const xv = randArray(r, c.batch * c.inH * c.inW * c.inC);
      const wv = randArray(r, c.fH * c.fW * c.inC * c.outC);
      const dyv = randArray(r, c.batch * g.outH * g.outW * g.outC);
      const x = tf.tensor4d(xv, [c.batch, c.inH, c.inW, c.inC]);
      const w = tf.tensor4d(wv, [c.fH, c.fW, c.inC, c.outC]);
      const dy = tf.tensor4d(dyv, [c.batch, g.outH, g.outW, g.outC]);
      const ref = refDepthwiseGrads(c, xv, wv, dyv);
      const common = { strides: c.strides, dilations: c.dilations, pad: tfPad(c.pad) };
      // tfjs cpu's own BackpropInput (kept on cpu) ignores dilations; tf.grad never sends them.
      const checkDx = isPatched(tf.DepthwiseConv2dNativeBackpropInput, backend);
      const [dxDiff, dwDiff] = noLeaks(() => {
        const dw = runKernel(
          tf.DepthwiseConv2dNativeBackpropFilter,
          { x, dy },
          {
            ...common,
            filterShape: [c.fH, c.fW, c.inC, c.outC],
          },
        );
        const d = [0, maxAbsDiff(dw, ref.dw)];
        dw.dispose();
        if (checkDx) {
          const dx = runKernel(
            tf.DepthwiseConv2dNativeBackpropInput,
            { dy, filter: w },
            {
              ...common,
              inputShape: [c.batch, c.inH, c.inW, c.inC],
            },
          );
          d[0] = maxAbsDiff(dx, ref.dx);
          dx.dispose();
        }
        return d;
      });
      expect(dxDiff, `dx ${JSON.stringify(c)}`).toBeLessThanOrEqual(TOL);
      expect(dwDiff, `dw ${JSON.stringify(c)}`).toBeLessThanOrEqual(TOL);
      tf.dispose([x, w, dy]);
    }
  });

  it('tf.unsortedSegmentSum matches the definition (out-of-range ids dropped)', () => {
    const r = rng(backend === 'cpu' ? 9 : 10);
    for (let k = 0; k < CASES; k++) {
      const n = 1 + Math.floor(r() * 12);
      const inner = pick(r, [[], [3], [2, 4]] as number[][]);
      const numSegments = 1 + Math.floor(r() * 6);
      const innerSize = inner.reduce((a, b) => a * b, 1);
      const ids = Int32Array.from({ length: n }, () => Math.floor(r() * (numSegments + 2)) - 1); // some -1 and ≥ numSegments
      const dtype = k % 3 === 2 ? 'int32' : 'float32';
      const xv =
        dtype === 'int32'
          ? Int32Array.from({ length: n * innerSize }, () => Math.floor(r() * 20) - 10)
          : randArray(r, n * innerSize);
      const ref = new Float64Array(numSegments * innerSize);
      for (let i = 0; i < n; i++) {
        const s = ids[i]!;
        if (s < 0 || s >= numSegments) continue;
        for (let j = 0; j < innerSize; j++) ref[s * innerSize + j]! += xv[i * innerSize + j]!;
      }
      const x = tf.tensor(xv, [n, ...inner], dtype);
      const segmentIds = tf.tensor1d(ids, 'int32');
      const diff = noLeaks(() => {
        const out = tf.unsortedSegmentSum(x, segmentIds, numSegments);
        expect(out.shape).toEqual([numSegments, ...inner]);
        expect(out.dtype).toBe(dtype);
        const d = maxAbsDiff(out, ref);
        out.dispose();
        return d;
      });
      expect(diff).toBeLessThanOrEqual(TOL);
      tf.dispose([x, segmentIds]);
    }
  });

  it('NCHW Conv2DBackpropFilter: cpu falls back to tfjs, wasm says it is unsupported', () => {
    const x = tf.randomNormal([2, 5, 6, 3]) as tf.Tensor4D;
    const dy = tf.randomNormal([2, 5, 6, 4]) as tf.Tensor4D;
    const attrs = { strides: 1, pad: 'same', filterShape: [3, 3, 3, 4] };
    const nchw = () =>
      runKernel(
        tf.Conv2DBackpropFilter,
        { x: tf.transpose(x, [0, 3, 1, 2]), dy: tf.transpose(dy, [0, 3, 1, 2]) },
        { ...attrs, dataFormat: 'NCHW' },
      );
    if (backend === 'cpu') {
      tf.tidy(() => {
        const ref = runKernel(tf.Conv2DBackpropFilter, { x, dy }, { ...attrs, dataFormat: 'NHWC' });
        expect(maxAbsDiff(nchw(), ref.dataSync())).toBeLessThanOrEqual(TOL);
      });
    } else {
      expect(() => tf.tidy(nchw)).toThrow(/NCHW.*NHWC/);
    }
    tf.dispose([x, dy]);
  });
});

// ---------------------------------------------------------------------------------------------
// Resize and pooling gradients. Each forward op below is linear in x and acts on every (batch,
// channel) slice the same way: y[b,o,d] = Σ_{(o,i,w) ∈ terms} w · x[b,i,d] over spatial indices o
// (output) and i (input). The terms are written here from the definition of tfjs' forward kernels;
// each test first checks that they ARE the backend's forward, then that tf.grad gives their
// transpose: dx[b,i,d] = Σ_{(o,i,w)} w · dy[b,o,d].

type Term = readonly [o: number, i: number, w: number];

interface LinearMap {
  batch: number;
  channels: number;
  inH: number;
  inW: number;
  outH: number;
  outW: number;
  terms: Term[];
}

function applyMap(m: LinearMap, x: ArrayLike<number>): Float64Array {
  const { batch, channels: C } = m;
  const inS = m.inH * m.inW;
  const outS = m.outH * m.outW;
  const y = new Float64Array(batch * outS * C);
  for (let b = 0; b < batch; b++)
    for (const [o, i, w] of m.terms)
      for (let d = 0; d < C; d++) y[(b * outS + o) * C + d]! += w * x[(b * inS + i) * C + d]!;
  return y;
}

function transposeMap(m: LinearMap, dy: ArrayLike<number>): Float64Array {
  const { batch, channels: C } = m;
  const inS = m.inH * m.inW;
  const outS = m.outH * m.outW;
  const dx = new Float64Array(batch * inS * C);
  for (let b = 0; b < batch; b++)
    for (const [o, i, w] of m.terms)
      for (let d = 0; d < C; d++) dx[(b * inS + i) * C + d]! += w * dy[(b * outS + o) * C + d]!;
  return dx;
}

interface ResizeCase {
  batch: number;
  inH: number;
  inW: number;
  channels: number;
  outH: number;
  outW: number;
  alignCorners: boolean;
  halfPixelCenters: boolean;
}

/** tfjs' resize: source coordinate = o · ratio (alignCorners: (in−1)/(out−1), else in/out), or (o + ½) · ratio with half-pixel centres. */
function sourceCoord(inSize: number, outSize: number, o: number, c: ResizeCase): number {
  const ratio = c.alignCorners && outSize > 1 ? (inSize - 1) / (outSize - 1) : inSize / outSize;
  return c.halfPixelCenters ? (o + 0.5) * ratio : o * ratio;
}

/** Nearest: y[r,c] = x[n(r), n(c)], n = round (alignCorners) or floor of the source coordinate, clamped to the image. */
function nearestMap(c: ResizeCase): LinearMap {
  const near = (inSize: number, outSize: number, o: number) => {
    const s = sourceCoord(inSize, outSize, o, c);
    return Math.max(0, Math.min(inSize - 1, c.alignCorners ? Math.round(s) : Math.floor(s)));
  };
  const terms: Term[] = [];
  for (let r = 0; r < c.outH; r++)
    for (let col = 0; col < c.outW; col++)
      terms.push([r * c.outW + col, near(c.inH, c.outH, r) * c.inW + near(c.inW, c.outW, col), 1]);
  return { ...c, terms };
}

/** Bilinear: source s (half-pixel: minus ½); taps max(0, ⌊s⌋) and min(in−1, ⌈s⌉), the second weighted s − first. */
function bilinearMap(c: ResizeCase): LinearMap {
  const taps = (inSize: number, outSize: number, o: number) => {
    const s = sourceCoord(inSize, outSize, o, c) - (c.halfPixelCenters ? 0.5 : 0);
    const lo = Math.max(0, Math.floor(s));
    const hi = Math.min(inSize - 1, Math.ceil(s));
    return [
      [lo, 1 - (s - lo)],
      [hi, s - lo],
    ] as const;
  };
  const terms: Term[] = [];
  for (let r = 0; r < c.outH; r++)
    for (let col = 0; col < c.outW; col++)
      for (const [xr, wr] of taps(c.inH, c.outH, r))
        for (const [xc, wc] of taps(c.inW, c.outW, col))
          terms.push([r * c.outW + col, xr * c.inW + xc, wr * wc]);
  return { ...c, terms };
}

const RESIZE_VARIANTS = [
  { alignCorners: false, halfPixelCenters: false },
  { alignCorners: true, halfPixelCenters: false },
  { alignCorners: false, halfPixelCenters: true },
] as const;

/** The conformance-suite shapes first, then random ones: batch 1–3, non-square, ×2 / ×3 or any size. */
function resizeCases(r: () => number, n: number): ResizeCase[] {
  const cases: ResizeCase[] = [
    { batch: 2, inH: 3, inW: 3, channels: 2, outH: 6, outW: 6, ...RESIZE_VARIANTS[0] },
    { batch: 2, inH: 2, inW: 3, channels: 2, outH: 6, outW: 6, ...RESIZE_VARIANTS[0] },
  ];
  for (const v of RESIZE_VARIANTS) {
    cases.push({ batch: 3, inH: 2, inW: 5, channels: 3, outH: 6, outW: 10, ...v });
    cases.push({ batch: 2, inH: 1, inW: 3, channels: 2, outH: 3, outW: 9, ...v }); // alignCorners: ratio 0
  }
  while (cases.length < n) {
    const inH = 1 + Math.floor(r() * 5);
    const inW = 1 + Math.floor(r() * 5);
    const scaled = r() < 0.6;
    cases.push({
      batch: 1 + Math.floor(r() * 3),
      inH,
      inW,
      channels: 1 + Math.floor(r() * 3),
      outH: scaled ? inH * pick(r, [1, 2, 3]) : 1 + Math.floor(r() * 9),
      outW: scaled ? inW * pick(r, [1, 2, 3]) : 1 + Math.floor(r() * 9),
      ...pick(r, RESIZE_VARIANTS),
    });
  }
  return cases;
}

interface PoolCase {
  batch: number;
  inH: number;
  inW: number;
  channels: number;
  fH: number;
  fW: number;
  strides: Pair;
  /** A number: the same pad on every side (tfjs then needs square filters and strides). */
  pad: Pad | number;
  dimRoundingMode?: 'ceil';
}

/** The pooling windows (output size, leading pad) of one dimension. */
function poolDim(c: PoolCase, axis: 0 | 1) {
  const [inSize, f, s] = axis === 0 ? [c.inH, c.fH, c.strides[0]] : [c.inW, c.fW, c.strides[1]];
  if (typeof c.pad !== 'number') return dim(inSize, f, s, 1, c.pad, axis);
  const round = c.dimRoundingMode === 'ceil' ? Math.ceil : Math.floor;
  return { out: round((inSize + 2 * c.pad - f) / s) + 1, before: c.pad };
}

/** y[yr,yc] = mean of x over the window's pixels that lie inside the image (the padding is not counted). */
function avgPoolMap(c: PoolCase): LinearMap {
  const h = poolDim(c, 0);
  const w = poolDim(c, 1);
  const terms: Term[] = [];
  for (let yr = 0; yr < h.out; yr++)
    for (let yc = 0; yc < w.out; yc++) {
      const inside: number[] = [];
      for (let r = 0; r < c.fH; r++)
        for (let col = 0; col < c.fW; col++) {
          const xr = yr * c.strides[0] + r - h.before;
          const xc = yc * c.strides[1] + col - w.before;
          if (xr >= 0 && xr < c.inH && xc >= 0 && xc < c.inW) inside.push(xr * c.inW + xc);
        }
      for (const i of inside) terms.push([yr * w.out + yc, i, 1 / inside.length]);
    }
  return { batch: c.batch, channels: c.channels, inH: c.inH, inW: c.inW, outH: h.out, outW: w.out, terms };
}

/** Every window reads at least one pixel (else tfjs' forward is 0/0). */
function windowsNonEmpty(c: PoolCase): boolean {
  const m = avgPoolMap(c);
  if (m.outH < 1 || m.outW < 1) return false;
  const seen = new Set(m.terms.map((t) => t[0]));
  return seen.size === m.outH * m.outW;
}

function poolCases(r: () => number, n: number): PoolCase[] {
  const cases: PoolCase[] = [
    // averagePooling2d({poolSize: 3, strides: 2, padding: 'same'}), odd and even sizes
    { batch: 2, inH: 5, inW: 6, channels: 2, fH: 3, fW: 3, strides: [2, 2], pad: 'same' },
    { batch: 1, inH: 4, inW: 7, channels: 3, fH: 3, fW: 3, strides: [2, 2], pad: 'same' },
  ];
  while (cases.length < n) {
    const stride = pick(r, [1, 2, 3]);
    const square = r() < 0.3;
    const fH = pick(r, [1, 2, 3]);
    const c: PoolCase = {
      batch: 1 + Math.floor(r() * 3),
      inH: pick(r, [3, 4, 5, 6, 7, 9]),
      inW: pick(r, [3, 4, 5, 7, 8]),
      channels: 1 + Math.floor(r() * 3),
      fH,
      fW: square ? fH : pick(r, [1, 2, 3]),
      strides: square ? [stride, stride] : [stride, pick(r, [1, 2, 3])],
      pad: square && fH > 1 ? 1 : (pick(r, ['same', 'same', 'valid', 'explicit'] as const) as Pad),
    };
    if ((c.pad as string) === 'explicit')
      c.pad = [
        [Math.floor(r() * c.fH), Math.floor(r() * c.fH)],
        [Math.floor(r() * c.fW), Math.floor(r() * c.fW)],
      ];
    if (windowsNonEmpty(c)) cases.push(c);
  }
  return cases;
}

const poolPad = (p: Pad | number) => (typeof p === 'number' ? p : tfPad(p));

/** Random x and dy for a linear map, the forward and tf.grad of `op`, against applyMap / transposeMap. */
function checkLinearGrad(m: LinearMap, op: (x: tf.Tensor4D) => tf.Tensor4D, r: () => number, what: string) {
  const xv = randArray(r, m.batch * m.inH * m.inW * m.channels);
  const dyv = randArray(r, m.batch * m.outH * m.outW * m.channels);
  const x = tf.tensor4d(xv, [m.batch, m.inH, m.inW, m.channels]);
  const dy = tf.tensor4d(dyv, [m.batch, m.outH, m.outW, m.channels]);
  const [fwdDiff, gradDiff] = noLeaks(() => {
    const y = op(x);
    expect(y.shape, `forward shape ${what}`).toEqual(dy.shape);
    const dx = tf.grad((a: tf.Tensor) => op(a as tf.Tensor4D))(x, dy);
    expect(dx.shape).toEqual(x.shape);
    const d = [maxAbsDiff(y, applyMap(m, xv)), maxAbsDiff(dx, transposeMap(m, dyv))];
    tf.dispose([y, dx]);
    return d;
  });
  expect(fwdDiff, `forward ${what}`).toBeLessThanOrEqual(TOL);
  expect(gradDiff, `gradient ${what}`).toBeLessThanOrEqual(TOL);
  tf.dispose([x, dy]);
}

/**
 * Σ w ⊙ layer(x) in float64 and its gradient by central differences. The layers here are linear in x,
 * so the difference quotient is exact for any step; a step of ¼ keeps float32 rounding out of it.
 */
function finiteDifferenceGrad(
  f: (x: tf.Tensor) => tf.Tensor,
  xv: Float32Array,
  shape: number[],
  wv: Float32Array,
) {
  const loss = (v: Float32Array) =>
    tf.tidy(() => {
      const y = f(tf.tensor(v, shape)).dataSync();
      expect(y.length).toBe(wv.length);
      let s = 0;
      for (let i = 0; i < y.length; i++) s += y[i]! * wv[i]!;
      return s;
    });
  const g = new Float64Array(xv.length);
  for (let i = 0; i < xv.length; i++) {
    const plus = xv.slice();
    const minus = xv.slice();
    plus[i] = xv[i]! + 0.25;
    minus[i] = xv[i]! - 0.25;
    g[i] = (loss(plus) - loss(minus)) / (plus[i]! - minus[i]!);
  }
  return g;
}

describe.each(['cpu', 'wasm'] as const)('resize / pooling gradients on %s', (backend) => {
  beforeAll(async () => {
    expect(await tf.setBackend(backend)).toBe(true);
    await tf.ready();
  });

  it('ResizeNearestNeighborGrad via tf.grad(resizeNearestNeighbor) is the transpose of the forward', () => {
    const r = rng(backend === 'cpu' ? 21 : 22);
    for (const c of resizeCases(r, 40)) {
      checkLinearGrad(
        nearestMap(c),
        (x) => tf.image.resizeNearestNeighbor(x, [c.outH, c.outW], c.alignCorners, c.halfPixelCenters),
        r,
        JSON.stringify(c),
      );
    }
  });

  it('ResizeBilinearGrad via tf.grad(resizeBilinear) is the transpose of the forward', () => {
    const r = rng(backend === 'cpu' ? 23 : 24);
    for (const c of resizeCases(r, 40)) {
      checkLinearGrad(
        bilinearMap(c),
        (x) => tf.image.resizeBilinear(x, [c.outH, c.outW], c.alignCorners, c.halfPixelCenters),
        r,
        JSON.stringify(c),
      );
    }
  });

  it('AvgPoolGrad via tf.grad(avgPool) is the transpose of the forward (padding not counted)', () => {
    const r = rng(backend === 'cpu' ? 25 : 26);
    for (const c of poolCases(r, 30)) {
      checkLinearGrad(
        avgPoolMap(c),
        (x) => tf.avgPool(x, [c.fH, c.fW], c.strides, poolPad(c.pad)),
        r,
        JSON.stringify(c),
      );
    }
  });

  // wasm's forward avgPool ignores dimRoundingMode (it writes a floor-sized result into the ceil-sized
  // output), so this is a cpu-only case. tfjs' AvgPool gradient drops the attr; the patch sizes the
  // windows from dy.
  // wasm's forward avgPool ignores dimRoundingMode, so this case exists for cpu only.
  if (backend === 'cpu')
    it('AvgPoolGrad after avgPool with dimRoundingMode ceil', () => {
      const r = rng(27);
      for (const c of [
        {
          batch: 2,
          inH: 6,
          inW: 7,
          channels: 2,
          fH: 3,
          fW: 3,
          strides: [2, 2],
          pad: 0,
          dimRoundingMode: 'ceil',
        },
        {
          batch: 1,
          inH: 6,
          inW: 7,
          channels: 3,
          fH: 3,
          fW: 3,
          strides: [2, 2],
          pad: 1,
          dimRoundingMode: 'ceil',
        },
      ] satisfies PoolCase[]) {
        expect(windowsNonEmpty(c)).toBe(true);
        checkLinearGrad(
          avgPoolMap(c),
          (x) => tf.avgPool(x, c.fH, c.strides[0], c.pad, c.dimRoundingMode),
          r,
          JSON.stringify(c),
        );
      }
    });

  // x in [−1, 1): many windows have a negative maximum, which wasm's own MaxPoolGrad gets wrong.
  it('BatchMatMul with transposes equals the definition (batched, broadcast, all four flags)', () => {
    const r = rng(backend === 'cpu' ? 40 : 41);
    for (const [ta, tb] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ] as const) {
      const [batch, m, k, n] = [
        1 + Math.floor(r() * 3),
        1 + Math.floor(r() * 7),
        1 + Math.floor(r() * 9),
        1 + Math.floor(r() * 6),
      ];
      const av = randArray(r, batch * m * k);
      const bv = randArray(r, k * n);
      // Stored transposed when the flag is set; the product is always A[m,k]·B[k,n] per batch.
      const aStored = ta
        ? Float32Array.from({ length: av.length }, (_, i) => {
            const bi = Math.floor(i / (k * m));
            const kk = Math.floor((i % (k * m)) / m);
            const mm = i % m;
            return av[bi * m * k + mm * k + kk]!;
          })
        : av;
      const bStored = tb
        ? Float32Array.from({ length: bv.length }, (_, i) => bv[(i % k) * n + Math.floor(i / k)]!)
        : bv;
      const ref = new Float64Array(batch * m * n);
      for (let bi = 0; bi < batch; bi++)
        for (let i = 0; i < m; i++)
          for (let j = 0; j < n; j++) {
            let acc = 0;
            for (let kk = 0; kk < k; kk++) acc += av[bi * m * k + i * k + kk]! * bv[kk * n + j]!;
            ref[(bi * m + i) * n + j] = acc;
          }
      const a = tf.tensor3d(aStored, ta ? [batch, k, m] : [batch, m, k]);
      const b = tf.tensor2d(bStored, tb ? [n, k] : [k, n]);
      const diff = noLeaks(() => {
        const y = tf.matMul(a, b, ta, tb);
        const d = maxAbsDiff(y, ref);
        y.dispose();
        return d;
      });
      expect(diff, `transposeA=${ta} transposeB=${tb}`).toBeLessThanOrEqual(TOL);
      tf.dispose([a, b]);
    }
  });

  it("MaxPoolGrad (patched on both) routes dy to each window's first maximum", () => {
    const r = rng(backend === 'cpu' ? 28 : 29);
    for (const c of poolCases(r, 30)) {
      const h = poolDim(c, 0);
      const w = poolDim(c, 1);
      const xv = randArray(r, c.batch * c.inH * c.inW * c.channels);
      const dyv = randArray(r, c.batch * h.out * w.out * c.channels);
      const yRef = new Float64Array(dyv.length);
      const dxRef = new Float64Array(xv.length);
      for (let b = 0; b < c.batch; b++)
        for (let yr = 0; yr < h.out; yr++)
          for (let yc = 0; yc < w.out; yc++)
            for (let d = 0; d < c.channels; d++) {
              let best = -Infinity;
              let at = -1;
              for (let fr = 0; fr < c.fH; fr++)
                for (let fc = 0; fc < c.fW; fc++) {
                  const xr = yr * c.strides[0] + fr - h.before;
                  const xc = yc * c.strides[1] + fc - w.before;
                  if (xr < 0 || xr >= c.inH || xc < 0 || xc >= c.inW) continue;
                  const i = ((b * c.inH + xr) * c.inW + xc) * c.channels + d;
                  if (xv[i]! > best) [best, at] = [xv[i]!, i];
                }
              const o = ((b * h.out + yr) * w.out + yc) * c.channels + d;
              yRef[o] = best;
              dxRef[at]! += dyv[o]!;
            }
      const x = tf.tensor4d(xv, [c.batch, c.inH, c.inW, c.channels]);
      const dy = tf.tensor4d(dyv, [c.batch, h.out, w.out, c.channels]);
      const op = (a: tf.Tensor) => tf.maxPool(a as tf.Tensor4D, [c.fH, c.fW], c.strides, poolPad(c.pad));
      const [fwdDiff, gradDiff] = noLeaks(() => {
        const y = op(x);
        const dx = tf.grad(op)(x, dy);
        const d = [maxAbsDiff(y, yRef), maxAbsDiff(dx, dxRef)];
        tf.dispose([y, dx]);
        return d;
      });
      expect(fwdDiff, JSON.stringify(c)).toBeLessThanOrEqual(TOL);
      expect(gradDiff, JSON.stringify(c)).toBeLessThanOrEqual(TOL);
      tf.dispose([x, dy]);
    }
  });

  it.each([
    ['upSampling2d({size: [2, 2]})', [2, 3, 3, 2], () => tf.layers.upSampling2d({ size: [2, 2] })],
    [
      "upSampling2d({size: [3, 2], interpolation: 'bilinear'})",
      [2, 2, 3, 2],
      () => tf.layers.upSampling2d({ size: [3, 2], interpolation: 'bilinear' }),
    ],
    [
      "averagePooling2d({poolSize: 3, strides: 2, padding: 'same'})",
      [2, 5, 6, 2],
      () => tf.layers.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' }),
    ],
  ] as const)('tf.grad through tf.layers.%s matches finite differences', (_name, shape, make) => {
    const r = rng(backend === 'cpu' ? 30 : 31);
    const layer = make();
    const f = (x: tf.Tensor) => layer.apply(x) as tf.Tensor;
    const xv = randArray(
      r,
      shape.reduce((a: number, b) => a * b, 1),
    );
    const x = tf.tensor(xv, [...shape]);
    const outShape = tf.tidy(() => f(x).shape);
    const wv = randArray(
      r,
      outShape.reduce((a, b) => a * b),
    );
    const w = tf.tensor(wv, outShape);
    const analytic = noLeaks(() => {
      const g = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(f(a), w)))(x);
      const v = g.dataSync().slice();
      g.dispose();
      return v;
    });
    const numeric = finiteDifferenceGrad(f, xv, [...shape], wv);
    expect(numeric.some((v) => Math.abs(v) > 0.1)).toBe(true);
    let diff = 0;
    for (let i = 0; i < numeric.length; i++) diff = Math.max(diff, Math.abs(analytic[i]! - numeric[i]!));
    expect(diff).toBeLessThanOrEqual(TOL);
    tf.dispose([x, w]);
  });
});

describe('training on wasm', () => {
  beforeAll(async () => {
    expect(await tf.setBackend('wasm')).toBe(true);
  });

  it('a tiny conv + depthwise + embedding net takes one finite SGD step', () => {
    const r = rng(11);
    const v = (shape: number[]) =>
      tf.variable(
        tf.tensor(
          randArray(
            r,
            shape.reduce((a, b) => a * b),
          ),
          shape,
        ),
      );
    const params = {
      conv: v([3, 3, 2, 4]),
      dw: v([3, 3, 4, 2]),
      dense: v([4 * 4 * 8, 3]),
      emb: v([10, 3]),
    };
    const x = tf.tensor4d(randArray(r, 2 * 7 * 7 * 2), [2, 7, 7, 2]);
    const tokens = tf.tensor1d([1, 7], 'int32');
    const labels = tf.oneHot(tf.tensor1d([0, 2], 'int32'), 3);
    const loss = () =>
      tf.tidy(() => {
        const h1 = tf.relu(tf.conv2d(x, params.conv as tf.Tensor4D, 1, 'same'));
        const h2 = tf.relu(tf.depthwiseConv2d(h1, params.dw as tf.Tensor4D, 2, 'same'));
        const logits = tf.add(
          tf.matMul(tf.reshape(h2, [2, -1]), params.dense),
          tf.gather(params.emb, tokens),
        );
        return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
      });
    const sgd = tf.train.sgd(0.1); // holds its learning-rate scalar: create it before counting
    const before = tf.memory().numTensors;
    const { value, grads } = tf.variableGrads(loss);
    for (const [name, g] of Object.entries(grads)) {
      const data = g.dataSync();
      expect(data.every(Number.isFinite), name).toBe(true);
      expect(
        data.some((d) => d !== 0),
        name,
      ).toBe(true);
    }
    const l0 = value.dataSync()[0]!;
    sgd.applyGradients(grads);
    tf.dispose([value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
    const l1 = tf.tidy(() => loss().dataSync()[0]!);
    expect(Number.isFinite(l1)).toBe(true);
    expect(l1).toBeLessThan(l0);
    sgd.dispose();
    tf.dispose([x, tokens, labels, ...Object.values(params)]);
  });
});
