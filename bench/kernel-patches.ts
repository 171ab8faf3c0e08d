// `npx tsx bench/kernel-patches.ts [--quick]`: times the kernels that src/compiler/backend-patches.ts
// replaces, on tfjs `cpu` before and after the patch and on `wasm` after it (wasm has no kernel
// before), and prints the numbers as JSON on stdout. `--quick` skips the ~13 s unpatched cpu
// Conv2DBackpropFilter run. Reports only; never fails on a time.
import * as tf from '@tensorflow/tfjs';
import { installKernelPatches } from '../src/compiler/backend-patches.ts';

tf.env().set('PROD', true); // as the app does: no "already registered" warning on stderr
const quick = process.argv.includes('--quick');

const X: [number, number, number, number] = [32, 28, 28, 16];
const W: [number, number, number, number] = [3, 3, 16, 16];
const DW: [number, number, number, number] = [3, 3, 16, 1];
const EMB = { vocab: 1000, dim: 32, ids: 32 * 28 };

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
  tf.dispose([y, yd]);
  return { x, w, dw, dy, dyd, table, ids };
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

const result: Record<string, unknown> = {
  sizes: { x: X, conv2dFilter: W, depthwiseFilter: DW, pad: 'same', unsortedSegmentSum: EMB },
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
};

// --- cpu, patched -----------------------------------------------------------------------------
installKernelPatches();
const cpuAfter = {
  conv2d: { backpropFilter: time(conv.backpropFilter(t), 5) },
  depthwise: { backpropFilter: time(depthwise.backpropFilter(t), 5) }, // BackpropInput: tfjs's own, kept
  unsortedSegmentSum: time(segmentSum(t), 5),
};
tf.dispose(Object.values(t));
result.cpu = { before: cpuBefore, after: cpuAfter };

// --- wasm, patched (no kernel before) ---------------------------------------------------------
await import('@tensorflow/tfjs-backend-wasm');
tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
if (await tf.setBackend('wasm')) {
  t = inputs();
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
  };
  tf.dispose(Object.values(t));
} else {
  result.wasm = 'backend could not be initialised';
}

console.log(JSON.stringify(result, null, 2));
