// SDM's exemplar index (P31): the training exemplars, their labels and predictions, and the
// class-conditional distance tables, set by a fit; the forward pass reads q and d from them.
import { reject } from '../../src/core/diagnostics.ts';
import type { Matrix } from '../../src/core/linalg/ridge.ts';
import { defineNode } from '../../src/core/node-def.ts';
import type { Ops } from '../../src/core/ops.ts';
import type { ParamValues } from '../../src/core/params.ts';
import { p } from '../../src/core/params.ts';
import { distanceCdfTables, type SdmReference, sdmNeighbours } from '../../src/core/sdm-stats.ts';
import { formatShape, tensor } from '../../src/core/tensor-type.ts';
import { SDM_PAPER } from '../activations/sdm-activation.ts';
import { flatFeatures } from './_shared.ts';

/** Fills empty slots of the distance tables: larger than any distance, so `≤ d` never counts them. */
const FAR = 1e30;

const params = {
  classes: p.int({ default: 10, min: 2, max: 1000, doc: 'Number of classes C (the logits’ width).' }),
  capacity: p.int({
    default: 1024,
    min: 2,
    max: 20000,
    doc: 'Rows the index can hold: at least the fit phase’s training rows.',
  }),
  k: p.int({
    default: 32,
    min: 1,
    max: 256,
    doc: 'Nearest exemplars examined; q is at most k.',
  }),
  fitMode: p.enum(
    ['index', 'calibrate'] as const,
    'index',
    'index: the fit stores its rows as the exemplar index and their leave-one-out distance tables (used for training rows); calibrate: the fit leaves the index as it is and builds the distance tables of its rows against it (used for every other input). Runtime: a phase override switches it.',
    { runtime: true },
  ),
};

type SdmIndexParams = ParamValues<typeof params>;

/** Row-wise minimum over the last axis, kept as [B, 1]. */
const rowMin = <T>(ops: Ops<T>, x: T): T => ops.neg(ops.max(ops.neg(x), [1], true));

/**
 * d = min_c (1 − |{t ∈ T_c : t < d_nearest}| / |T_c|), 0 when some class table is empty: the official
 * distance quantile, the minimum over the per-true-class CDFs ([C, N] tables padded with FAR).
 */
function quantile<T>(ops: Ops<T>, table: T, counts: T, dNearest: T, classes: number, n: number): T {
  // float32 distances (‖x‖² − 2x·e + ‖e‖²) carry ~1e-6 error: a table entry within that much of
  // d counts as equal, not below, so an indexed row's own Float64 entry never counts for it.
  const bar = ops.sub(dNearest, ops.add(ops.mul(dNearest, ops.scalar(1e-4)), ops.scalar(1e-5)));
  const below = ops.step(ops.sub(bar, ops.reshape(table, [1, classes * n]))); // [B, C·N]
  const count = ops.sum(ops.reshape(below, [-1, classes, n]), [2]); // [B, C]
  const size = ops.reshape(counts, [1, classes]);
  const perClass = ops.mul(
    ops.sub(ops.scalar(1), ops.div(count, ops.maximum(size, ops.scalar(1)))),
    ops.step(size),
  );
  return rowMin(ops, perClass);
}

// Written with matmuls against one-hot rows, masked minima and `step` (zero gradient) instead of
// gather/top-k/greater: these run on the gradient tape (q and d may feed a loss), where tfjs has no
// gradient for integer indices or comparisons.
function sdmStats<T>(
  ops: Ops<T>,
  exemplar: T,
  logits: T,
  w: Readonly<Record<string, T>>,
  v: SdmIndexParams,
): Record<string, T> {
  const x = ops.stopGradient(exemplar);
  const pick = ops.stopGradient(ops.oneHot(ops.argMax(ops.stopGradient(logits), 1), v.classes)); // [B, C]: ŷ
  const n = v.capacity;
  // Squared L2 distances [B, N] = ‖x‖² − 2 x·e + ‖e‖², vacant slots pushed out of reach.
  const xx = ops.sum(ops.square(x), [1], true);
  const ee = ops.reshape(ops.sum(ops.square(w.exemplars!), [1]), [1, n]);
  const cross = ops.matMul(x, w.exemplars!, false, true);
  const raw = ops.add(ops.sub(xx, ops.mul(ops.scalar(2), cross)), ee);
  // An indexed row queried right after the fit finds itself at distance 0 (up to float32 rounding of
  // the expansion): the identity match is left out, as the official code drops it for training rows.
  const self = ops.sub(
    ops.scalar(1),
    ops.step(ops.sub(raw, ops.mul(ops.add(xx, ops.scalar(1)), ops.scalar(1e-5)))),
  );
  const d2 = ops.add(ops.relu(raw), ops.mul(ops.add(ops.reshape(w.vacant!, [1, n]), self), ops.scalar(FAR)));
  const dNearest = ops.sqrt(rowMin(ops, d2)); // [B, 1]
  // okFor[c, n] = [y_n = c ∧ ŷ_n = y_n]; ok[b, n] = okFor[ŷ_b, n].
  const labelsHot = ops.oneHot(w.labels!, v.classes); // [N, C]; a vacant slot's −1 gives a zero row
  const correct = ops.reshape(ops.equal(w.preds!, w.labels!), [n, 1]);
  const ok = ops.matMul(pick, ops.mul(labelsHot, correct), false, true); // [B, N]
  // The leading agreeing neighbours are exactly the rows nearer than the nearest disagreeing one.
  const firstBad = rowMin(ops, ops.add(d2, ops.mul(ok, ops.scalar(FAR))));
  const nearer = ops.sum(ops.mul(ops.step(ops.sub(firstBad, d2)), ok), [1], true);
  const q = ops.minimum(nearer, ops.scalar(v.k));
  // Training tables until a calibrate fit has written the calibration ones (an index fit clears
  // them). useCal is exactly 0 or 1, so the blend picks one table (FAR padding intact) and the
  // [B, C·N] comparison runs once.
  const useCal = ops.step(ops.sum(w.countCal!));
  const useTrain = ops.sub(ops.scalar(1), useCal);
  const pick2 = (cal: T, train: T) => ops.add(ops.mul(useCal, cal), ops.mul(useTrain, train));
  const d = quantile(
    ops,
    pick2(w.cdfCal!, w.cdfTrain!),
    pick2(w.countCal!, w.countTrain!),
    dNearest,
    v.classes,
    n,
  );
  return { q, d };
}

/** Tables [C, N] (sorted distances, FAR-padded) and counts [C] as Float32 weights. */
function packTables(tables: readonly Float64Array[], n: number): { cdf: Float32Array; count: Float32Array } {
  const cdf = new Float32Array(tables.length * n).fill(FAR);
  const count = new Float32Array(tables.length);
  tables.forEach((t, c) => {
    cdf.set(t, c * n);
    count[c] = t.length;
  });
  return { cdf, count };
}

function argmaxRows(m: Matrix): Float64Array {
  const out = new Float64Array(m.rows);
  for (let r = 0; r < m.rows; r++) {
    let best = 0;
    for (let c = 1; c < m.cols; c++) if (m.data[r * m.cols + c]! > m.data[r * m.cols + best]!) best = c;
    out[r] = best;
  }
  return out;
}

export default defineNode({
  type: 'fit.sdmIndex',
  version: 1,
  kind: 'layer',
  title: 'SDM exemplar index (fit): similarity q, distance quantile d',
  docs: {
    summary:
      'The training-set statistics of SDM verification (Schmaltz 2025, arXiv 2502.20167; official ReexpressAI/sdm sdm_model.py). A fit (fitMode index) stores the rows’ exemplar vectors, labels and predicted classes, and the leave-one-out nearest distances of the rows with q > 0 per true class (training tables); a fit on held-out calibration rows (fitMode calibrate, a phase override) builds the calibration tables, which every later query uses. Forward, for any input: q = how many consecutive nearest exemplars (L2, brute force, capped at k) are correctly predicted AND share the input’s predicted class; d = min over classes c of 1 − F̂_c(distance to the nearest exemplar), F̂_c the empirical CDF of the class-c rows with q > 0 (the official take-min-across-classes rule: one d per row, so the argmax stays the logits’ argmax). An exemplar at distance 0 is the query itself and is left out, so the indexed rows queried right after the fit get the leave-one-out statistics the official code trains with: refit the index and refresh per-sample stores from its q and d ports every epoch (a gradient phase’s refits and refreshes) and feed the loss from the stores. No gradient flows through it.',
    formula:
      'n_1, n_2, … the exemplars by L2 distance to x, the query itself (distance 0) left out;  ok_j = [y_{n_j} = ŷ] ∧ [ŷ_{n_j} = y_{n_j}];  q = min(k, Σ_j Π_{i ≤ j} ok_i);  d_nearest = ‖x − e_{n_1}‖;  d = min_c (1 − F̂_c(d_nearest)),  F̂_c(t) = |{table distances of true class c (rows with q > 0) < t}| / their count (0 if a class has none), the calibration tables once calibrated, else the training (leave-one-out) ones',
    paper: SDM_PAPER,
  },
  params,
  inputs: {
    x: { doc: 'Exemplar vectors [B, e] (the layer the kNN reads).' },
    logits: { doc: 'Logits [B, C]: the predicted class ŷ = argmax.' },
  },
  outputs: {
    q: { doc: '[B, 1]: similarity, 0…k.' },
    d: { doc: '[B, 1]: distance quantile in [0, 1].' },
  },
  infer({ inputs, params: v }) {
    flatFeatures(inputs.x!, 'SDM exemplar index');
    const z = inputs.logits!;
    if (z.shape.length !== 2 || z.shape[1] !== v.classes)
      reject(
        'shape/mismatch',
        `Logits ${formatShape(z.shape)} must be [B, ${v.classes}]; set classes to the logits’ width.`,
        { port: 'logits' },
      );
    const b = inputs.x!.shape[0]!;
    return { q: tensor([b, 1]), d: tensor([b, 1]) };
  },
  paramCount: ({ inputs, params: v }) =>
    v.capacity * ((inputs.x!.shape[1] as number) + 3) + 2 * v.classes * (v.capacity + 1),
  lower: ({ params: v }) => ({
    kind: 'kernel',
    config: { classes: v.classes, capacity: v.capacity, k: v.k, fitMode: v.fitMode },
  }),
  kernel: {
    weights: (v, [shape]) => [
      { name: 'exemplars', shape: [v.capacity, shape![1] as number], init: 'zeros', trainable: false },
      { name: 'labels', shape: [v.capacity], init: { constant: -1 }, trainable: false },
      { name: 'preds', shape: [v.capacity], init: { constant: -1 }, trainable: false },
      { name: 'vacant', shape: [v.capacity], init: 'ones', trainable: false },
      { name: 'cdfTrain', shape: [v.classes, v.capacity], init: { constant: FAR }, trainable: false },
      { name: 'countTrain', shape: [v.classes], init: 'zeros', trainable: false },
      { name: 'cdfCal', shape: [v.classes, v.capacity], init: { constant: FAR }, trainable: false },
      { name: 'countCal', shape: [v.classes], init: 'zeros', trainable: false },
    ],
    call: (ops, [x, z], w, v) => sdmStats(ops, x!, z!, w, v).q!,
    callPorts: (ops, [x, z], w, v) => sdmStats(ops, x!, z!, w, v),
  },
  fit: {
    collect: 'rows',
    labels: 'class',
    readsWeights: true,
    solve(data, v) {
      const [xs, zs] = [data.inputs?.[0] ?? data.x, data.inputs?.[1]];
      if (!zs) reject('train/fit-node', 'The SDM index reads two inputs: connect the logits port.');
      if (data.numClasses === undefined || !data.y)
        reject('train/fit-labels', 'The SDM index fits on class labels; this dataset has none.');
      if (data.numClasses !== v.classes)
        reject(
          'train/fit-shape',
          `The SDM index has ${v.classes} classes but the dataset has ${data.numClasses}; set classes to ${data.numClasses}.`,
          { field: 'classes' },
        );
      const n = v.capacity;
      const dim = xs.cols;
      const preds = argmaxRows(zs!);
      const w = data.weights!;
      if (v.fitMode === 'calibrate') {
        const used = w.vacant!.findIndex((e) => e !== 0);
        const rows = used < 0 ? n : used;
        if (rows === 0)
          reject(
            'train/fit-order',
            'The SDM index is empty: run a fit with fitMode index before calibrating.',
            {
              field: 'fitMode',
            },
          );
        const ref: SdmReference = {
          exemplars: w.exemplars!.subarray(0, rows * dim),
          dim,
          labels: w.labels!.subarray(0, rows),
          preds: w.preds!.subarray(0, rows),
        };
        const s = sdmNeighbours(xs.data, preds, ref, Math.min(v.k, rows));
        const cal = packTables(distanceCdfTables(s.dNearest, data.y!, s.q, v.classes), n);
        return { cdfCal: cal.cdf, countCal: cal.count };
      }
      const rows = xs.rows;
      if (rows > n)
        reject(
          'train/fit-shape',
          `The SDM index holds ${n} rows but the fit phase has ${rows}; set capacity to at least ${rows}.`,
          { field: 'capacity' },
        );
      if (rows < 2) reject('train/fit-shape', 'The SDM index needs at least 2 rows to fit.');
      const labels = data.y!;
      const ref: SdmReference = { exemplars: xs.data, dim, labels, preds };
      const s = sdmNeighbours(xs.data, preds, ref, Math.min(v.k, rows - 1), true);
      const train = packTables(distanceCdfTables(s.dNearest, labels, s.q, v.classes), n);
      const pad = (values: ArrayLike<number>, fill: number) => {
        const out = new Float32Array(n).fill(fill);
        out.set(values);
        return out;
      };
      const exemplars = new Float32Array(n * dim);
      exemplars.set(xs.data);
      const vacant = new Float32Array(n).fill(1).fill(0, 0, rows);
      return {
        exemplars,
        labels: pad(labels, -1),
        preds: pad(preds, -1),
        vacant,
        cdfTrain: train.cdf,
        countTrain: train.count,
        // A new index makes an earlier calibration stale: cleared until the next calibrate fit.
        cdfCal: new Float32Array(v.classes * n).fill(FAR),
        countCal: new Float32Array(v.classes),
      };
    },
  },
  examples: [
    {
      inputs: {
        x: { shape: [4, 3], stopsGradient: true },
        logits: { shape: [4, 3], stopsGradient: true },
      },
      params: { classes: 3, capacity: 6, k: 3 },
    },
  ],
});
