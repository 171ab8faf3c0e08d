// fit.sdmIndex (P31): the tfjs forward pass (masked minima, one-hot matmuls, CDF by counting) against
// the brute-force Float64 reference of src/core/sdm-stats.ts: new rows, the indexed rows themselves
// (the identity match is left out: leave-one-out), and after a calibrate fit; refits and refreshes
// through the trainer; no tensor leaks.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import sdmIndex from '../../nodes/fit/sdm-index.ts';
import { nodeDatasetIO } from '../node/dataset-io.ts';
import { loadRegistry } from '../node/discover-nodes.ts';
import { train } from '../trainer/loop.ts';

const registry = await loadRegistry();

import { compileIR } from '../compiler/compile.ts';
import { tfOps } from '../compiler/tf-ops.ts';
import { analyse } from '../core/analysis/analyse.ts';
import { loadBinding } from '../core/datasets/binding.ts';
import type { GraphDoc } from '../core/doc/schema.ts';
import type { FitData } from '../core/fits.ts';
import { lowerGraph } from '../core/lower.ts';
import { type ParamValues, resolveParams } from '../core/params.ts';
import { createRng } from '../core/rng.ts';
import { distanceCdfTables, distanceQuantiles, sdmNeighbours } from '../core/sdm-stats.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const [rows, dim, classes, capacity, k] = [40, 3, 3, 48, 5];
const rng = createRng(11);
/** Clustered points so that neighbours mostly agree (q > 0 for many rows), with some label noise. */
function sample(n: number) {
  const x: number[] = [];
  const z: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % classes;
    for (let j = 0; j < dim; j++) x.push((j === c ? 2 : 0) + rng.normal() * 0.8);
    for (let j = 0; j < classes; j++) z.push((j === c ? 1.5 : 0) + rng.normal());
    y.push(rng.next() < 0.1 ? (c + 1) % classes : c);
  }
  return { x, z, y };
}
const argmax = (z: number[], n: number) =>
  Array.from({ length: n }, (_, r) => {
    const row = z.slice(r * classes, (r + 1) * classes);
    return row.indexOf(Math.max(...row));
  });

const params = resolveParams(sdmIndex.params, { classes, capacity, k }).values as ParamValues<
  typeof sdmIndex.params
>;
const data = (s: ReturnType<typeof sample>, n: number): FitData => {
  const x = { data: Float64Array.from(s.x), rows: n, cols: dim };
  return {
    x,
    inputs: [x, { data: Float64Array.from(s.z), rows: n, cols: classes }],
    y: Float64Array.from(s.y),
    yCols: 1,
    numClasses: classes,
  };
};
const initialWeights = (): Record<string, Float64Array> => ({
  exemplars: new Float64Array(capacity * dim),
  labels: new Float64Array(capacity).fill(-1),
  preds: new Float64Array(capacity).fill(-1),
  vacant: new Float64Array(capacity).fill(1),
  cdfTrain: new Float64Array(classes * capacity).fill(1e30),
  countTrain: new Float64Array(classes),
  cdfCal: new Float64Array(classes * capacity).fill(1e30),
  countCal: new Float64Array(classes),
});
const shapes: Record<string, number[]> = {
  exemplars: [capacity, dim],
  labels: [capacity],
  preds: [capacity],
  vacant: [capacity],
  cdfTrain: [classes, capacity],
  countTrain: [classes],
  cdfCal: [classes, capacity],
  countCal: [classes],
};

function forward(w: Record<string, ArrayLike<number>>, s: ReturnType<typeof sample>, n: number) {
  return tf.tidy(() => {
    const wt = Object.fromEntries(
      Object.entries(w).map(([name, v]) => [name, tf.tensor(Array.from(v), shapes[name])]),
    );
    const out = sdmIndex.kernel!.callPorts!(
      tfOps,
      [tf.tensor2d(s.x, [n, dim]), tf.tensor2d(s.z, [n, classes])],
      wt,
      params,
      { training: false },
    );
    return { q: Array.from(out.q!.dataSync()), d: Array.from(out.d!.dataSync()) };
  });
}

describe('fit.sdmIndex', () => {
  const train = sample(rows);
  const trainPreds = argmax(train.z, rows);
  const ref = { exemplars: train.x, dim, labels: train.y, preds: trainPreds };
  let w = initialWeights();

  it('an unfitted index reports q = 0 and d = 0 (nothing is known yet)', () => {
    const out = forward(w, train, rows);
    expect(out.q.every((v) => v === 0)).toBe(true);
    expect(out.d.every((v) => v === 0)).toBe(true);
  });

  it('index fit: the indexed rows find themselves at distance 0, which is left out: leave-one-out q and d (Float64 reference)', () => {
    const solved = sdmIndex.fit!.solve(data(train, rows), { ...params, fitMode: 'index' }, createRng(1));
    w = { ...w, ...Object.fromEntries(Object.entries(solved).map(([n, v]) => [n, Float64Array.from(v)])) };
    const s = sdmNeighbours(train.x, trainPreds, ref, k, true);
    const tables = distanceCdfTables(s.dNearest, train.y, s.q, classes);
    const d = distanceQuantiles(s.dNearest, tables);
    const before = tf.memory().numTensors;
    const out = forward(w, train, rows);
    expect(tf.memory().numTensors).toBe(before);
    expect(out.q).toEqual(Array.from(s.q));
    for (let i = 0; i < rows; i++) expect(out.d[i]).toBeCloseTo(d[i]!, 5);
    // The statistics are informative here: some rows agree with their neighbours, some do not.
    expect(s.q.some((v) => v === 0)).toBe(true);
    expect(s.q.some((v) => v >= 2)).toBe(true);
    expect(d.some((v) => v > 0 && v < 1)).toBe(true);
  });

  it('inference: new rows against the index, first with the training tables, then with the calibration tables', () => {
    const test = sample(15);
    const testPreds = argmax(test.z, 15);
    const s = sdmNeighbours(test.x, testPreds, ref, k);
    const trainS = sdmNeighbours(train.x, trainPreds, ref, k, true);
    const trainTables = distanceCdfTables(trainS.dNearest, train.y, trainS.q, classes);
    const before = forward(w, test, 15);
    expect(before.q).toEqual(Array.from(s.q));
    const dTrain = distanceQuantiles(s.dNearest, trainTables);
    for (let i = 0; i < 15; i++) expect(before.d[i]).toBeCloseTo(dTrain[i]!, 5);

    const cal = sample(30);
    const calPreds = argmax(cal.z, 30);
    const solved = sdmIndex.fit!.solve(
      { ...data(cal, 30), weights: w },
      { ...params, fitMode: 'calibrate' },
      createRng(1),
    );
    expect(Object.keys(solved).sort()).toEqual(['cdfCal', 'countCal']);
    const w2 = {
      ...w,
      ...Object.fromEntries(Object.entries(solved).map(([n, v]) => [n, Float64Array.from(v)])),
    };
    const calS = sdmNeighbours(cal.x, calPreds, ref, k);
    const calTables = distanceCdfTables(calS.dNearest, cal.y, calS.q, classes);
    const after = forward(w2, test, 15);
    expect(after.q).toEqual(Array.from(s.q));
    const dCal = distanceQuantiles(s.dNearest, calTables);
    for (let i = 0; i < 15; i++) expect(after.d[i]).toBeCloseTo(dCal[i]!, 5);
    // The calibration tables differ from the training ones, so d moved for some rows.
    expect(dCal.some((v, i) => Math.abs(v - dTrain[i]!) > 1e-6)).toBe(true);
    // The indexed rows keep their leave-one-out q after calibration.
    const tr = forward(w2, train, rows);
    expect(tr.q).toEqual(Array.from(trainS.q));
  });

  it('rejects a fit with more rows than capacity, naming the field', () => {
    const big = sample(capacity + 1);
    expect(() =>
      sdmIndex.fit!.solve(data(big, capacity + 1), { ...params, fitMode: 'index' }, createRng(1)),
    ).toThrow(/capacity to at least 49/);
  });

  it('a calibrate fit before any index fit is refused with the fix', () => {
    expect(() =>
      sdmIndex.fit!.solve(
        { ...data(train, rows), weights: initialWeights() },
        { ...params, fitMode: 'calibrate' },
        createRng(1),
      ),
    ).toThrow(/fitMode index before calibrating/);
  });
});

/**
 * Digits8 → dense(6) exemplar → dense(10) logits; the SDM index reads both; the log-SDM NLL reads q
 * and d from per-sample stores (init e − 2 and 1: softmax cross-entropy until refreshed).
 */
function sdmDoc(phases: unknown[]): GraphDoc {
  return {
    format: 'netwright.graph',
    formatVersion: 2,
    meta: { title: 'sdm refits' },
    nodes: {
      input: { type: 'io.input', v: 1, params: { shape: [64] } },
      qIn: { type: 'io.input', v: 1, params: { shape: [1], source: 'store:sdmQ' } },
      dIn: { type: 'io.input', v: 1, params: { shape: [1], source: 'store:sdmD' } },
      ex: { type: 'layers.dense', v: 1, params: { units: 6 } },
      z: { type: 'layers.dense', v: 1, params: { units: 10 } },
      sdm: { type: 'fit.sdmIndex', v: 1, params: { classes: 10, capacity: 400, k: 8 } },
      act: { type: 'activations.sdmActivation', v: 1, params: {} },
      output: { type: 'io.output', v: 1, params: {} },
      nll: { type: 'losses.logSdmNll', v: 1, params: {} },
    } as GraphDoc['nodes'],
    edges: {
      a: { from: { node: 'input', port: 'y' }, to: { node: 'ex', port: 'x' } },
      b: { from: { node: 'ex', port: 'y' }, to: { node: 'z', port: 'x' } },
      c: { from: { node: 'ex', port: 'y' }, to: { node: 'sdm', port: 'x' } },
      d: { from: { node: 'z', port: 'y' }, to: { node: 'sdm', port: 'logits' } },
      e: { from: { node: 'z', port: 'y' }, to: { node: 'act', port: 'z' } },
      f: { from: { node: 'sdm', port: 'q' }, to: { node: 'act', port: 'q' } },
      g: { from: { node: 'sdm', port: 'd' }, to: { node: 'act', port: 'd' } },
      h: { from: { node: 'act', port: 'y' }, to: { node: 'output', port: 'x' } },
      i: { from: { node: 'z', port: 'y' }, to: { node: 'nll', port: 'pred' } },
      j: { from: { node: 'qIn', port: 'y' }, to: { node: 'nll', port: 'q' } },
      k: { from: { node: 'dIn', port: 'y' }, to: { node: 'nll', port: 'd' } },
    },
    training: {
      dataset: {
        name: 'digits8',
        params: {},
        subsets: [
          { name: 'fit', rows: [0, 300] },
          { name: 'calibration', rows: [300, 500] },
        ],
      },
      stores: [
        { name: 'sdmQ', width: 1, init: Math.E - 2 },
        { name: 'sdmD', width: 1, init: 1 },
      ],
      optimizer: { type: 'optimizers.adam', params: { learningRate: 0.01 } },
      batchSize: 50,
      epochs: 1,
      seed: 3,
      phases,
    },
    layout: {},
  } as GraphDoc;
}

const refreshQD = [
  { store: 'sdmQ', from: 'sdm:q' },
  { store: 'sdmD', from: 'sdm:d' },
];

describe('refits and calibrate fits through the trainer', () => {
  it('a gradient phase refits the index and refreshes q, d stores every epoch: the stores hold the Float64 leave-one-out statistics; a calibrate fit (override) writes only the tables', async () => {
    const doc = sdmDoc([
      { name: 'softmax', kind: 'gradient', epochs: 1, data: { subset: 'fit' } },
      {
        name: 'sdm',
        kind: 'gradient',
        epochs: 2,
        refits: [{ node: 'sdm' }],
        refreshes: refreshQD,
        data: { subset: 'fit' },
      },
      {
        name: 'calibrate',
        kind: 'fit',
        epochs: 1,
        nodes: ['sdm'],
        overrides: { sdm: { fitMode: 'calibrate' } },
        data: { subset: 'calibration' },
      },
    ]);
    const a = analyse(doc, registry);
    expect(a.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const { ir } = lowerGraph(a, registry);
    expect(ir!.training!.phases![1]!.refits).toEqual([{ node: 'sdm', every: 'epoch' }]);
    expect(ir!.training!.phases![2]!.overrides).toEqual({ sdm: { fitMode: 'calibrate' } });
    const data = await loadBinding(doc.training!.dataset, createRng(3), nodeDatasetIO);
    const compiled = compileIR(ir!, registry, { seed: 1 });
    const before = tf.memory().numTensors;
    // The exemplar layer at the start of the last epoch (the last refit) is what the index holds.
    let atLastRefit: tf.Tensor[] = [];
    const refreshed: string[] = [];
    const result = await train(compiled, registry, data, ir!.training!, {
      onEpoch: (r) => {
        if (r.epoch === 2) atLastRefit = compiled.weights(['ex']).map((v) => v.read().clone());
      },
      onRefresh: (r) => {
        refreshed.push(`${r.phase}:${r.epoch}:${r.store}`);
      },
    });
    expect(result.status).toBe('done');
    expect(refreshed).toEqual(['sdm:0:sdmQ', 'sdm:0:sdmD', 'sdm:1:sdmQ', 'sdm:1:sdmD']);
    const w = (name: string) =>
      compiled.layers
        .get('sdm')!
        .weights.find((v) => v.originalName.endsWith(`/${name}`))!
        .read()
        .dataSync();
    // 300 rows indexed, the rest vacant; exemplars = the exemplar layer at the last refit, row order.
    const vacant = Array.from(w('vacant'));
    expect(vacant.slice(0, 300).every((v) => v === 0)).toBe(true);
    expect(vacant.slice(300).every((v) => v === 1)).toBe(true);
    const x = tf.tensor2d(data.train.x.slice(0, 300 * 64), [300, 64]);
    const [kernel, bias] = atLastRefit;
    const want = tf.tidy(() => tf.add(tf.matMul(x, kernel!), bias!).dataSync());
    const got = w('exemplars');
    let err = 0;
    for (let i = 0; i < 300 * 6; i++) err = Math.max(err, Math.abs(got[i]! - want[i]!));
    expect(err).toBeLessThan(1e-5);
    // The stores hold what the Float64 reference gives for the index: leave-one-out q and d.
    const ref = {
      exemplars: got.slice(0, 300 * 6),
      dim: 6,
      labels: w('labels').slice(0, 300),
      preds: w('preds').slice(0, 300),
    };
    const s = sdmNeighbours(ref.exemplars, ref.preds, ref, 8, true);
    const tables = distanceCdfTables(s.dNearest, ref.labels, s.q, 10);
    const dRef = distanceQuantiles(s.dNearest, tables);
    const storeQ = result.stores!.get('sdmQ')!;
    const storeD = result.stores!.get('sdmD')!;
    expect(Array.from(storeQ)).toEqual(Array.from(s.q));
    let dErr = 0;
    for (let i = 0; i < 300; i++) dErr = Math.max(dErr, Math.abs(storeD[i]! - dRef[i]!));
    expect(dErr).toBeLessThan(1e-5);
    expect(s.q.some((v) => v >= 2)).toBe(true);
    // The calibrate fit wrote calibration tables over the 200 calibration rows (q > 0 ones only)…
    const countCal = Array.from(w('countCal')).reduce((t, v) => t + v, 0);
    expect(countCal).toBeGreaterThan(0);
    expect(countCal).toBeLessThanOrEqual(200);
    // …and left the index alone.
    expect(w('labels').slice(0, 300)).toEqual(Float32Array.from(data.train.y.slice(0, 300)));
    tf.dispose([x, ...atLastRefit]);
    expect(tf.memory().numTensors).toBe(before);
    compiled.dispose();
  });

  it('a store refreshes from one port of a multi-output node (node:port); an unknown port is named', () => {
    const codes = (from: string) =>
      analyse(
        sdmDoc([{ name: 'g', kind: 'gradient', epochs: 1, refreshes: [{ store: 'sdmQ', from }] }]),
        registry,
      ).diagnostics.filter((d) => d.severity === 'error');
    expect(codes('sdm:d')).toEqual([]);
    const bad = codes('sdm:r');
    expect(bad.map((d) => [d.code, d.field])).toEqual([
      ['train/store-from', 'training.phases.0.refreshes.0.from'],
    ]);
    expect(bad[0]!.message).toMatch(/no output port 'r' \(ports: q, d\)/);
  });

  it('analysis names the refit mistakes: no fit, bad every, twice, on a fit phase', () => {
    const codes = (phases: unknown[]) =>
      analyse(sdmDoc(phases), registry).diagnostics.map((d) => [d.code, d.field]);
    expect(codes([{ name: 'g', kind: 'gradient', epochs: 1, refits: [{ node: 'z' }] }])).toContainEqual([
      'train/fit-node',
      'training.phases.0.refits.0.node',
    ]);
    expect(
      codes([{ name: 'g', kind: 'gradient', epochs: 1, refits: [{ node: 'sdm', every: 0 }] }]),
    ).toContainEqual(['train/fit-every', 'training.phases.0.refits.0.every']);
    expect(
      codes([
        { name: 'g', kind: 'gradient', epochs: 1, refits: [{ node: 'sdm' }, { node: 'sdm', every: 5 }] },
      ]),
    ).toContainEqual(['train/fit-duplicate', 'training.phases.0.refits.1.node']);
    expect(
      codes([{ name: 'f', kind: 'fit', epochs: 1, nodes: ['sdm'], refits: [{ node: 'sdm' }] }]),
    ).toContainEqual(['train/fit-field', 'training.phases.0.refits']);
    expect(codes([{ name: 'g', kind: 'gradient', epochs: 1, refits: [{ node: 'nope' }] }])).toContainEqual([
      'train/unknown-node',
      'training.phases.0.refits.0.node',
    ]);
  });

  it('the TypeScript exporter refuses a phase with refits, naming the phase and the node; PyTorch the node', async () => {
    const { exportProcedure } = await import('../core/codegen/stages.ts');
    const { PhaseRefusal } = await import('../core/codegen/print.ts');
    const { generatePyTorch } = await import('../core/codegen/pytorch.ts');
    const { ir } = lowerGraph(
      analyse(
        sdmDoc([{ name: 'sdm epochs', kind: 'gradient', epochs: 2, refits: [{ node: 'sdm' }] }]),
        registry,
      ),
      registry,
    );
    expect(() => exportProcedure(ir!.training!)).toThrow(PhaseRefusal);
    expect(() => exportProcedure(ir!.training!)).toThrow(
      /phase 'sdm epochs' uses closed-form refits during training \(node 'sdm' every epoch\)/,
    );
    // PyTorch prints single-output layers only: the index (outputs q and d) is refused by name.
    expect(() => generatePyTorch(ir!, registry)).toThrow(/node 'sdm' .* has several outputs \(q, d\)/);
  });
});
