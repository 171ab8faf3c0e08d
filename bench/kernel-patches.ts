// `npx tsx bench/kernel-patches.ts [--quick]`: times the kernels that src/compiler/backend-patches.ts
// replaces, on tfjs `cpu` before and after the patch and on `wasm` after it (wasm has no kernel
// before, except for the resize / pooling gradients, timed before and after), and prints the numbers
// as JSON on stdout. `--quick` skips the ~13 s unpatched cpu Conv2DBackpropFilter run. Reports only;
// never fails on a time. (The unpatched resize / pooling gradients give wrong values: only timed.)
import * as tf from '@tensorflow/tfjs';
import { installKernelPatches } from '../src/compiler/backend-patches.ts';

tf.env().set('PROD', true); // as the app does: no "already registered" warning on stderr
const quick = process.argv.includes('--quick');

const X: [number, number, number, number] = [32, 28, 28, 16];
const W: [number, number, number, number] = [3, 3, 16, 16];
const DW: [number, number, number, number] = [3, 3, 16, 1];
const EMB = { vocab: 1000, dim: 32, ids: 32 * 28 };
/** upSampling2d({size: [2, 2]}) of a [32, 14, 14, 16] map; pooling: 3×3, stride 2, 'same' on X. */
const UP: [number, number, number, number] = [32, 14, 14, 16];
const UP_SIZE: [number, number] = [28, 28];
const POOL = { filterSize: 3, strides: 2, pad: 'same' } as const;

type Ms = number | null;

/** Median wall time (ms) of `reps` runs after `warmup` runs; each run's output is read and disposed. */
function time(run: () => tf.Tensor, reps: number, warmup = 1): number {
  const ms: number[] = [];
  for (let i = 0; i < warmup + reps; i++) {
    const t0 = performance.now();
    const out = run();
    out.dataSync();
    const dt = performance.now() - t0;
    out.dispose();
    if (i >= warmup) ms.push(dt);
  }
  ms.sort((a, b) => a - b);
  return Math.round(ms[ms.length >> 1]! * 10) / 10;
}

function inputs() {
  const x = tf.randomNormal(X) as tf.Tensor4D;
  const w = tf.randomNormal(W) as tf.Tensor4D;
  const dw = tf.randomNormal(DW) as tf.Tensor4D;
  const y = tf.conv2d(x, w, 1, 'same');
  const dy = tf.randomNormal(y.shape);
  const yd = tf.depthwiseConv2d(x, dw, 1, 'same');
  const dyd = tf.randomNormal(yd.shape);
  const table = tf.randomNormal([EMB.ids, EMB.dim]);
  const ids = tf.randomUniform([EMB.ids], 0, EMB.vocab, 'int32') as tf.Tensor1D;
  const up = tf.randomNormal(UP) as tf.Tensor4D;
  const dyUp = tf.randomNormal([UP[0], ...UP_SIZE, UP[3]]) as tf.Tensor4D;
  const pooled = tf.avgPool(x, POOL.filterSize, POOL.strides, POOL.pad);
  const dyPool = tf.randomNormal(pooled.shape) as tf.Tensor4D;
  tf.dispose([y, yd, pooled]);
  return { x, w, dw, dy, dyd, table, ids, up, dyUp, dyPool };
}

type Inputs = ReturnType<typeof inputs>;
const conv = {
  forward: (t: Inputs) => () => tf.conv2d(t.x, t.w, 1, 'same'),
  backpropInput: (t: Inputs) => () =>
    tf
      .engine()
      .runKernel<tf.Tensor>(
        tf.Conv2DBackpropInput,
        { dy: t.dy, filter: t.w },
        { strides: 1, pad: 'same', dataFormat: 'NHWC', inputShape: X },
      ),
  backpropFilter: (t: Inputs) => () =>
    tf
      .engine()
      .runKernel<tf.Tensor>(
        tf.Conv2DBackpropFilter,
        { x: t.x, dy: t.dy },
        { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: W },
      ),
};
const depthwise = {
  forward: (t: Inputs) => () => tf.depthwiseConv2d(t.x, t.dw, 1, 'same'),
  backpropInput: (t: Inputs) => () =>
    tf
      .engine()
      .runKernel<tf.Tensor>(
        tf.DepthwiseConv2dNativeBackpropInput,
        { dy: t.dyd, filter: t.dw },
        { strides: 1, dilations: 1, pad: 'same', inputShape: X },
      ),
  backpropFilter: (t: Inputs) => () =>
    tf
      .engine()
      .runKernel<tf.Tensor>(
        tf.DepthwiseConv2dNativeBackpropFilter,
        { x: t.x, dy: t.dyd },
        { strides: 1, dilations: 1, pad: 'same', filterShape: DW },
      ),
};
const segmentSum = (t: Inputs) => () => tf.unsortedSegmentSum(t.table, t.ids, EMB.vocab);
const resizeGrad =
  (kernel: string, halfPixelCenters = false) =>
  (t: Inputs) =>
  () =>
    tf
      .engine()
      .runKernel<tf.Tensor>(
        kernel,
        { images: t.up, dy: t.dyUp },
        { alignCorners: false, halfPixelCenters, size: UP_SIZE },
      );
const poolGrad = {
  avg: (t: Inputs) => () =>
    tf.engine().runKernel<tf.Tensor>(tf.AvgPoolGrad, { dy: t.dyPool, input: t.x }, { ...POOL }),
  max: (t: Inputs) => () =>
    tf
      .engine()
      .runKernel<tf.Tensor>(tf.MaxPoolGrad, { dy: t.dyPool, input: t.x, output: t.dyPool }, { ...POOL }),
};
/** The resize / pooling gradients (and, for scale, their forward ops). */
const resizePool = (t: Inputs, halfPixelCenters = false) => ({
  upSampling: {
    nearestForward: time(() => tf.image.resizeNearestNeighbor(t.up, UP_SIZE), 5),
    nearestGrad: time(resizeGrad(tf.ResizeNearestNeighborGrad, halfPixelCenters)(t), 5),
    bilinearForward: time(() => tf.image.resizeBilinear(t.up, UP_SIZE), 5),
    bilinearGrad: time(resizeGrad(tf.ResizeBilinearGrad, halfPixelCenters)(t), 5),
  },
  pool: {
    avgForward: time(() => tf.avgPool(t.x, POOL.filterSize, POOL.strides, POOL.pad), 5),
    avgGrad: time(poolGrad.avg(t), 5),
    maxForward: time(() => tf.maxPool(t.x, POOL.filterSize, POOL.strides, POOL.pad), 5),
    maxGrad: time(poolGrad.max(t), 5),
  },
});

const result: Record<string, unknown> = {
  sizes: {
    x: X,
    conv2dFilter: W,
    depthwiseFilter: DW,
    pad: 'same',
    unsortedSegmentSum: EMB,
    upSampling: { from: UP, to: UP_SIZE },
    pool: { x: X, ...POOL },
  },
  node: process.version,
};

// --- cpu, unpatched ---------------------------------------------------------------------------
await tf.setBackend('cpu');
let t = inputs();
const cpuBefore = {
  conv2d: {
    forward: time(conv.forward(t), 3),
    backpropInput: time(conv.backpropInput(t), 3),
    backpropFilter: quick ? (null as Ms) : time(conv.backpropFilter(t), 1, 0),
  },
  depthwise: {
    forward: time(depthwise.forward(t), 3),
    backpropInput: time(depthwise.backpropInput(t), 3),
    backpropFilter: time(depthwise.backpropFilter(t), 1, 0),
  },
  unsortedSegmentSum: time(segmentSum(t), 1, 0),
  ...resizePool(t),
};

// --- cpu, patched -----------------------------------------------------------------------------
installKernelPatches();
const cpuAfter = {
  conv2d: { backpropFilter: time(conv.backpropFilter(t), 5) },
  depthwise: { backpropFilter: time(depthwise.backpropFilter(t), 5) }, // BackpropInput: tfjs's own, kept
  unsortedSegmentSum: time(segmentSum(t), 5),
  ...resizePool(t), // MaxPoolGrad: tfjs's own, kept
};
tf.dispose(Object.values(t));
result.cpu = { before: cpuBefore, after: cpuAfter };

// --- wasm, patched (no kernel before) ---------------------------------------------------------
await import('@tensorflow/tfjs-backend-wasm');
tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
if (await tf.setBackend('wasm')) {
  t = inputs();
  // The import registered wasm's own resize / pooling gradients over the patches: time them, then
  // patch again (as the app does by installing after the import).
  const before = resizePool(t);
  installKernelPatches();
  result.wasm = {
    conv2d: {
      forward: time(conv.forward(t), 5),
      backpropInput: time(conv.backpropInput(t), 5),
      backpropFilter: time(conv.backpropFilter(t), 5),
    },
    depthwise: {
      forward: time(depthwise.forward(t), 5),
      backpropInput: time(depthwise.backpropInput(t), 5),
      backpropFilter: time(depthwise.backpropFilter(t), 5),
    },
    unsortedSegmentSum: time(segmentSum(t), 5),
    before,
    // halfPixelCenters = false: the resize gradients are wasm's own (kept); = true: ours.
    after: resizePool(t),
    afterHalfPixelCenters: resizePool(t, true).upSampling,
  };
  tf.dispose(Object.values(t));
} else {
  result.wasm = 'backend could not be initialised';
}

console.log(JSON.stringify(result, null, 2));
