// P1 (nested segmentation): the `nested` generator, classMap labels through analysis, feeds and
// heads, the multi-level activation's levels output, the nested multi-level and soft Dice losses,
// per-pixel sparse cross-entropy, and the level Dice / nesting-violation metrics — each checked
// against a float64 brute force written here from the documented formulas, and the whole-split
// values against the brute force over every pixel of the split evaluated in small chunks.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileIR } from '../compiler/compile.ts';
import { tfOps } from '../compiler/tf-ops.ts';
import { analyse } from '../core/analysis/analyse.ts';
import type { LoadedDataset } from '../core/datasets/dataset-def.ts';
import { nested } from '../core/datasets/nested.ts';
import type { GraphDoc } from '../core/doc/schema.ts';
import { lowerGraph } from '../core/lower.ts';
import { type ParamValues, resolveParams } from '../core/params.ts';
import { createRng } from '../core/rng.ts';
import { loadRegistry } from '../node/discover-nodes.ts';
import { readTemplate } from '../node/templates.ts';
import { evaluate, toTensors } from '../trainer/loop.ts';
import { evaluateSegmentation } from '../trainer/segmentation.ts';

const registry = await loadRegistry();

beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.env().set('PROD', true);
});

const nestedParams = (over: Record<string, unknown> = {}): ParamValues<typeof nested.params> =>
  resolveParams(nested.params, { trainSamples: 20, valSamples: 10, ...over }).values as ParamValues<
    typeof nested.params
  >;
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** A head's value on given tensors (fn for two-port heads, call for n-ary ones). */
function head(type: string, params: Record<string, unknown>, inputs: Record<string, tf.Tensor>): number {
  const def = registry.get(type)!;
  const h = (def.loss ?? def.metric)!;
  const values = resolveParams(def.params, params).values as never;
  return tf.tidy(() => {
    const v = h.call ? h.call(tfOps, inputs, values) : h.fn(tfOps, inputs.pred!, inputs.target!, values);
    return (v as tf.Tensor).dataSync()[0]!;
  });
}

/** Random level probabilities [n, P, K] (flat) and classes in 0..K [n, P]. */
function randomLevels(n: number, pixels: number, k: number, seed: number) {
  const rng = createRng(seed);
  const p = Float32Array.from({ length: n * pixels * k }, () => 0.02 + 0.96 * rng.next());
  const t = Int32Array.from({ length: n * pixels }, () => rng.int(k + 1));
  return { p, t };
}

describe('nested dataset', () => {
  it('is seeded, matches describe(), and its labels are classes 0..3 on a 16×16 grid', async () => {
    const v = nestedParams();
    const a = await nested.load(v, createRng(3), { mnistDigit: async () => [] });
    const b = await nested.load(v, createRng(3), { mnistDigit: async () => [] });
    const c = await nested.load(v, createRng(4), { mnistDigit: async () => [] });
    expect(a.binding).toEqual(nested.describe(v));
    expect(a.binding.labels).toEqual({ kind: 'classMap', shape: [16, 16], numClasses: 4 });
    expect(a.train.x).toEqual(b.train.x);
    expect(a.val.y).toEqual(b.val.y);
    expect(a.train.y).not.toEqual(c.train.y);
    expect(a.train.x.length).toBe(20 * 16 * 16 * 4);
    expect(a.train.y).toBeInstanceOf(Int32Array);
    expect(a.train.y.length).toBe(20 * 256);
    expect(a.train.y.every((y) => y >= 0 && y <= 3)).toBe(true);
  });

  it('every image holds the three nested regions, and without noise or bias pixels are the class means', async () => {
    const v = nestedParams({ noise: 0, bias: 0, trainSamples: 50 });
    const d = await nested.load(v, createRng(1), { mnistDigit: async () => [] });
    const means = [
      [0, 0, 0, 0],
      [1, 1, 0.2, -0.3],
      [1, 0.6, 0.4, -0.8],
      [1, 0.6, 1.2, -0.5],
    ];
    let withAll = 0;
    for (let i = 0; i < 50; i++) {
      const seen = new Set<number>();
      for (let j = 0; j < 256; j++) {
        const cls = d.train.y[i * 256 + j]!;
        seen.add(cls);
        for (let ch = 0; ch < 4; ch++)
          expect(d.train.x[(i * 256 + j) * 4 + ch]).toBeCloseTo(means[cls]![ch]!, 6);
      }
      if (seen.size === 4) withAll++;
    }
    expect(withAll).toBeGreaterThanOrEqual(48);
  });

  it('pixel noise has the stated standard deviation', async () => {
    const v = nestedParams({ noise: 0.5, bias: 0, trainSamples: 40 });
    const noisy = await nested.load(v, createRng(2), { mnistDigit: async () => [] });
    const clean = await nested.load({ ...v, noise: 0 }, createRng(2), { mnistDigit: async () => [] });
    // Same seed → same geometry; the difference is the noise alone.
    expect(noisy.train.y).toEqual(clean.train.y);
    let ss = 0;
    for (let i = 0; i < noisy.train.x.length; i++) ss += (noisy.train.x[i]! - clean.train.x[i]!) ** 2;
    expect(Math.sqrt(ss / noisy.train.x.length)).toBeCloseTo(0.5, 1);
  });
});

describe('multi-level activation, levels output', () => {
  it('levels are σ(s(x − τ_k)) on the last axis and their mean is the staircase output', () => {
    const xs = [-3, 0.5, 4.2, 9];
    const def = registry.get('activations.multiLevel')!;
    const run = (output: string) =>
      tf.tidy(() =>
        Array.from(
          (
            def.kernel!.call(
              tfOps,
              [tf.tensor(xs, [4, 1])],
              {},
              resolveParams(def.params, { levels: 3, delta: 4, slope: 1.5, output }).values,
              { training: false },
            ) as tf.Tensor
          ).dataSync(),
        ),
      );
    const levels = run('levels');
    const mean = run('mean');
    xs.forEach((x, i) => {
      for (let k = 0; k < 3; k++) expect(levels[i * 3 + k]).toBeCloseTo(sigmoid(1.5 * (x - 4 * k)), 6);
      expect(mean[i]).toBeCloseTo((levels[i * 3]! + levels[i * 3 + 1]! + levels[i * 3 + 2]!) / 3, 6);
    });
  });
});

describe('losses on class maps equal their formulas', () => {
  const [n, pixels, k] = [3, 5, 3];
  const { p, t } = randomLevels(n, pixels, k, 7);
  const pred = () => tf.tensor(p, [n, pixels, k]);
  const target = () => tf.tensor(t, [n, pixels], 'int32');

  it('nested multi-level: Σ_k soft Dice (or BCE) per level + λ·MSE(mean_k p_k, label/K)', () => {
    let dice = 0;
    let bce = 0;
    for (let j = 0; j < k; j++) {
      let [inter, sp, st, ll] = [0, 0, 0, 0];
      for (let i = 0; i < n * pixels; i++) {
        const pk = p[i * k + j]!;
        const tk = t[i]! >= j + 1 ? 1 : 0;
        inter += pk * tk;
        sp += pk;
        st += tk;
        ll += tk * Math.log(pk) + (1 - tk) * Math.log(1 - pk);
      }
      dice += 1 - (2 * inter + 1) / (sp + st + 1);
      bce += -ll / (n * pixels);
    }
    let mse = 0;
    for (let i = 0; i < n * pixels; i++) {
      const y = (p[i * k]! + p[i * k + 1]! + p[i * k + 2]!) / 3;
      mse += (y - t[i]! / k) ** 2;
    }
    mse /= n * pixels;
    const inputs = { pred: pred(), target: target() };
    expect(head('losses.nestedMultiLevel', {}, inputs)).toBeCloseTo(dice + 0.5 * mse, 5);
    expect(head('losses.nestedMultiLevel', { perLevel: 'bce', mseWeight: 2 }, inputs)).toBeCloseTo(
      bce + 2 * mse,
      5,
    );
    tf.dispose(Object.values(inputs));
  });

  it('soft Dice: 1 − mean_c (2Σpt + s)/(Σp + Σt + s) over every position', () => {
    const c = 4;
    const rng = createRng(9);
    const probs = Float32Array.from({ length: n * pixels * c }, () => rng.next());
    const onehot = new Float32Array(n * pixels * c);
    for (let i = 0; i < n * pixels; i++) onehot[i * c + t[i]!] = 1;
    let coef = 0;
    for (let j = 0; j < c; j++) {
      let [inter, sp, st] = [0, 0, 0];
      for (let i = 0; i < n * pixels; i++) {
        inter += probs[i * c + j]! * onehot[i * c + j]!;
        sp += probs[i * c + j]!;
        st += onehot[i * c + j]!;
      }
      coef += (2 * inter + 1) / (sp + st + 1);
    }
    const inputs = { pred: tf.tensor(probs, [n, pixels, c]), target: tf.tensor(onehot, [n, pixels, c]) };
    expect(head('losses.softDice', {}, inputs)).toBeCloseTo(1 - coef / c, 5);
    tf.dispose(Object.values(inputs));
  });

  it('sparse cross-entropy per pixel: −mean over every position of log softmax(z)_label', () => {
    const c = 4;
    const rng = createRng(10);
    const z = Float32Array.from({ length: n * pixels * c }, () => 3 * rng.normal());
    let sum = 0;
    for (let i = 0; i < n * pixels; i++) {
      const row = Array.from(z.subarray(i * c, (i + 1) * c));
      const m = Math.max(...row);
      const lse = m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0));
      sum += lse - row[t[i]!]!;
    }
    const inputs = { pred: tf.tensor(z, [n, pixels, c]), target: target() };
    expect(head('losses.sparseCategoricalCrossentropy', { fromLogits: true }, inputs)).toBeCloseTo(
      sum / (n * pixels),
      4,
    );
    tf.dispose(Object.values(inputs));
  });
});

// ---- whole-split metrics ----------------------------------------------------------------------

const [N, H, W, K] = [23, 4, 5, 3];
const CHUNK = 4;

/** Level probabilities as the features of a class-map dataset (so a model can just pass them on). */
function levelData(seed: number, classes = false): LoadedDataset {
  const width = classes ? K + 1 : K;
  const { p, t } = randomLevels(N, H * W, width, seed);
  const split = { x: p, y: t, count: N };
  return {
    binding: {
      name: 't',
      featureShape: [H, W, width],
      labels: { kind: 'classMap', shape: [H, W], numClasses: K + 1 },
    },
    train: split,
    val: split,
  };
}

function metricsGraph(width: number, metrics: GraphDoc['nodes']): GraphDoc {
  const edges: GraphDoc['edges'] = {};
  for (const [id, rec] of Object.entries(metrics)) {
    edges[`p_${id}`] = { from: { node: 'scores', port: 'y' }, to: { node: id, port: 'pred' } };
    if (rec.type !== 'metrics.nestingViolation')
      edges[`t_${id}`] = { from: { node: 'truth', port: 'y' }, to: { node: id, port: 'target' } };
  }
  return {
    format: 'netwright.graph',
    formatVersion: 2,
    meta: { title: 'metrics' },
    nodes: {
      scores: { type: 'io.input', v: 1, params: { shape: [H, W, width] } },
      truth: { type: 'io.input', v: 1, params: { shape: [H, W], dtype: 'int32', source: 'labels' } },
      ...metrics,
    },
    edges,
    layout: {},
  };
}

/** The class per pixel by brute force: levels above ½ counted, or the argmax of the scores. */
function decoded(d: LoadedDataset, classes: boolean): number[] {
  const width = classes ? K + 1 : K;
  const out: number[] = [];
  for (let i = 0; i < N * H * W; i++) {
    const row = Array.from(d.val.x.subarray(i * width, (i + 1) * width));
    out.push(classes ? row.indexOf(Math.max(...row)) : row.filter((v) => v > 0.5).length);
  }
  return out;
}

function bruteDice(pred: number[], truth: ArrayLike<number>, k: number): number {
  let [tp, fp, fn] = [0, 0, 0];
  pred.forEach((c, i) => {
    const [p, t] = [c >= k, truth[i]! >= k];
    if (p && t) tp++;
    else if (p) fp++;
    else if (t) fn++;
  });
  return (2 * tp) / (2 * tp + fp + fn);
}

async function splitMetrics(doc: GraphDoc, data: LoadedDataset) {
  const a = analyse(doc, registry);
  expect(a.diagnostics).toEqual([]);
  const compiled = compileIR(lowerGraph(a, registry).ir!, registry);
  const val = toTensors(data, 'val');
  const before = tf.memory().numTensors;
  const e = await evaluate(compiled, registry, val, { chunk: CHUNK });
  expect(tf.memory().numTensors).toBe(before);
  val.dispose();
  compiled.dispose();
  return e.metrics;
}

describe('level Dice and nesting violations over a split in chunks equal brute force', () => {
  it('levels decode: Dice per region and the violation rate', async () => {
    const d = levelData(21);
    const m = await splitMetrics(
      metricsGraph(K, {
        d1: { type: 'metrics.levelDice', v: 1, params: { level: 1 } },
        d2: { type: 'metrics.levelDice', v: 1, params: { level: 2 } },
        d3: { type: 'metrics.levelDice', v: 1, params: { level: 3 } },
        v: { type: 'metrics.nestingViolation', v: 1, params: {} },
      }),
      d,
    );
    const pred = decoded(d, false);
    for (const k of [1, 2, 3]) expect(m[`d${k}`]).toBeCloseTo(bruteDice(pred, d.val.y, k), 6);
    let bad = 0;
    for (let i = 0; i < N * H * W; i++) {
      const on = Array.from(d.val.x.subarray(i * K, (i + 1) * K)).map((v) => v > 0.5);
      if (on.some((o, k) => k > 0 && o && !on[k - 1])) bad++;
    }
    expect(bad).toBeGreaterThan(0); // random levels do violate nesting
    expect(m.v).toBeCloseTo(bad / (N * H * W), 6);
  });

  it('classes decode (argmax of K + 1 scores)', async () => {
    const d = levelData(22, true);
    const m = await splitMetrics(
      metricsGraph(K + 1, {
        d3: { type: 'metrics.levelDice', v: 1, params: { level: 3, decode: 'classes' } },
        d1: { type: 'metrics.levelDice', v: 1, params: { level: 1, decode: 'classes' } },
      }),
      d,
    );
    const pred = decoded(d, true);
    expect(m.d3).toBeCloseTo(bruteDice(pred, d.val.y, 3), 6);
    expect(m.d1).toBeCloseTo(bruteDice(pred, d.val.y, 1), 6);
  });

  it('the segmentation evaluation reports the same Dice, the class maps and no leaked tensors', async () => {
    const d = levelData(23);
    const doc = metricsGraph(K, { v: { type: 'metrics.nestingViolation', v: 1, params: {} } });
    const compiled = compileIR(lowerGraph(analyse(doc, registry), registry).ir!, registry);
    const before = tf.memory().numTensors;
    const ev = await evaluateSegmentation(compiled, d, 'scores', { samples: 2, chunk: CHUNK });
    expect(tf.memory().numTensors).toBe(before);
    compiled.dispose();
    const pred = decoded(d, false);
    const s = ev!.segmentation!;
    s.dice.forEach((v, k) => {
      expect(v).toBeCloseTo(bruteDice(pred, d.val.y, k + 1), 6);
    });
    expect(ev!.accuracy).toBeCloseTo(pred.filter((c, i) => c === d.val.y[i]).length / pred.length, 9);
    expect(s.samples).toHaveLength(2);
    expect(s.samples[1]!.predicted).toEqual(pred.slice(H * W, 2 * H * W));
    expect(s.samples[1]!.truth).toEqual(Array.from(d.val.y.subarray(H * W, 2 * H * W)));
    expect(s.size).toEqual([H, W]);
  });
});

describe('class-map labels in analysis', () => {
  const template = () => JSON.parse(readTemplate('nested-seg-multilevel-unet')) as GraphDoc;

  it('the template analyses clean with the dataset labels feeding its loss', () => {
    const a = analyse(template(), registry);
    expect(a.diagnostics.filter((x) => x.severity === 'error')).toEqual([]);
    expect(a.nodes.get('loss')!.inputs.target!.shape).toEqual([null, 16, 16]);
  });

  it('a prediction with the wrong number of levels names the dataset and offers the fix', () => {
    const doc = template();
    doc.nodes.levels!.params = { ...doc.nodes.levels!.params, levels: 4 };
    const a = analyse(doc, registry);
    const d = a.diagnostics.find((x) => x.code === 'shape/class-map-mismatch')!;
    expect(d.nodeId).toBe('loss');
    expect(d.message).toContain("dataset 'nested'");
    expect(d.message).toContain('B×16×16×3');
    expect(d.fix).toEqual({ kind: 'set-param', nodeId: 'levels', field: 'levels', value: 3 });
    expect(a.diagnostics.some((x) => x.code === 'shape/loss-target-mismatch')).toBe(false);
  });

  it('an Input reading the class-map labels gets their shape and dtype checked, with the fix', () => {
    const doc = template();
    doc.nodes.truth = { type: 'io.input', v: 1, params: { shape: [16], dtype: 'int32', source: 'labels' } };
    doc.edges.eTruth = { from: { node: 'truth', port: 'y' }, to: { node: 'loss', port: 'target' } };
    const bad = analyse(doc, registry).diagnostics.find((x) => x.code === 'data/input-shape-mismatch')!;
    expect(bad.message).toContain("dataset 'nested' gives B×16×16 for its class-map labels (4 classes)");
    expect(bad.fix).toEqual({ kind: 'set-param', nodeId: 'truth', field: 'shape', value: [16, 16] });
    doc.nodes.truth = { ...doc.nodes.truth, params: { shape: [16, 16], dtype: 'int32', source: 'labels' } };
    expect(analyse(doc, registry).diagnostics.filter((x) => x.severity === 'error')).toEqual([]);
  });

  it('a softmax head with the wrong class count or grid is refused with the reason', () => {
    const doc = template();
    doc.nodes.levels = { type: 'activations.softmax', v: 1, params: {} };
    doc.nodes.loss = { type: 'losses.sparseCategoricalCrossentropy', v: 1, params: {} };
    delete doc.nodes.violation;
    doc.edges = Object.fromEntries(Object.entries(doc.edges).filter(([, e]) => e.to.node !== 'violation'));
    const wrongCount = analyse(doc, registry).diagnostics.find((x) => x.code === 'shape/class-map-mismatch')!;
    expect(wrongCount.message).toContain('B×16×16×4');
    expect(wrongCount.fix).toEqual({ kind: 'set-param', nodeId: 'logit', field: 'filters', value: 4 });
    // A new record: analysis memoises params per node record.
    doc.nodes.logit = {
      ...doc.nodes.logit!,
      params: { ...doc.nodes.logit!.params, filters: 4, strides: [2, 2] },
    };
    const wrongGrid = analyse(doc, registry).diagnostics.find((x) => x.code === 'shape/class-map-mismatch')!;
    expect(wrongGrid.message).toContain("the labels' 16×16 grid");
    expect(wrongGrid.fix).toBeUndefined();
  });
});
