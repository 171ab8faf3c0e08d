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
