// Whole-split metrics: the trainer's evaluate() over small chunks reports F1, Dice, Jaccard,
// Hamming loss and ECE equal to their brute-force value on the whole split (computed here in plain
// JS from the raw arrays), not the mean of per-chunk values; so do the per-label scores.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileIR } from '../compiler/compile.ts';
import { analyse } from '../core/analysis/analyse.ts';
import type { LoadedDataset } from '../core/datasets/dataset-def.ts';
import type { GraphDoc } from '../core/doc/schema.ts';
import { lowerGraph } from '../core/lower.ts';
import { createRng } from '../core/rng.ts';
import { loadRegistry } from '../node/discover-nodes.ts';
import { type Evaluation, evaluate, toTensors } from '../trainer/loop.ts';

const registry = await loadRegistry();
const N = 53;
const L = 4;
const CHUNK = 7;

beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.env().set('PROD', true);
});

/** Scores s ~ N(0,1) [N, L]; targets t = [s + noise > 0.3], label 2 never positive (macro edge case). */
function multiLabel(): LoadedDataset {
  const rng = createRng(11);
  const x = new Float32Array(N * L);
  const y = new Float32Array(N * L);
  for (let i = 0; i < N * L; i++) {
    x[i] = rng.normal();
    y[i] = i % L !== 2 && x[i]! + 0.8 * rng.normal() > 0.3 ? 1 : 0;
  }
  const split = { x, y, count: N };
  return {
    binding: { name: 't', featureShape: [L], labels: { kind: 'values', shape: [L] } },
    train: split,
    val: split,
  };
}

/** Logits [N, C] and class labels, right about 60 % of the time. */
function classes(c = 5): LoadedDataset {
  const rng = createRng(12);
  const x = new Float32Array(N * c);
  const y = new Int32Array(N);
  for (let i = 0; i < N; i++) {
    y[i] = Math.floor(rng.next() * c);
    for (let k = 0; k < c; k++) x[i * c + k] = 2 * rng.normal() + (k === y[i] ? 1.5 : 0);
  }
  const split = { x, y, count: N };
  return {
    binding: { name: 't', featureShape: [c], labels: { kind: 'class', numClasses: c } },
    train: split,
    val: split,
  };
}

/** pred = an Input over the features, target = an Input over the labels, both feeding the metrics. */
function graph(
  width: number,
  labelShape: number[],
  labelDtype: 'float32' | 'int32',
  metrics: GraphDoc['nodes'],
): GraphDoc {
  const edges: GraphDoc['edges'] = {};
  for (const id of Object.keys(metrics)) {
    edges[`p_${id}`] = { from: { node: 'scores', port: 'y' }, to: { node: id, port: 'pred' } };
    edges[`t_${id}`] = { from: { node: 'truth', port: 'y' }, to: { node: id, port: 'target' } };
  }
  return {
    format: 'netwright.graph',
    formatVersion: 2,
    meta: { title: 'metrics' },
    nodes: {
      scores: { type: 'io.input', v: 1, params: { shape: [width] } },
      truth: { type: 'io.input', v: 1, params: { shape: labelShape, dtype: labelDtype, source: 'labels' } },
      ...metrics,
    },
    edges,
    layout: {},
  };
}

async function splitMetrics(doc: GraphDoc, data: LoadedDataset): Promise<Record<string, number>> {
  return (await splitEvaluation(doc, data)).metrics;
}

async function splitEvaluation(doc: GraphDoc, data: LoadedDataset): Promise<Evaluation> {
  const a = analyse(doc, registry);
  expect(a.diagnostics).toEqual([]);
  const compiled = compileIR(lowerGraph(a, registry).ir!, registry);
  const val = toTensors(data, 'val');
  const before = tf.memory().numTensors;
  const e = await evaluate(compiled, registry, val, { chunk: CHUNK });
  expect(tf.memory().numTensors).toBe(before);
  val.dispose();
  compiled.dispose();
  return e;
}

/** Per label l: [TP, FP, FN] of [x > θ] against y, by brute force over all rows. */
function confusion(d: LoadedDataset, threshold: number) {
  const per = Array.from({ length: L }, () => ({ tp: 0, fp: 0, fn: 0, wrong: 0 }));
  for (let i = 0; i < N * L; i++) {
    const c = per[i % L]!;
    const p = d.val.x[i]! > threshold;
    const t = d.val.y[i] === 1;
    if (p && t) c.tp++;
    if (p && !t) c.fp++;
    if (!p && t) c.fn++;
    if (p !== t) c.wrong++;
  }
  return per;
}

describe('whole-split metrics equal brute force', () => {
  it('F1, Dice, Jaccard (micro and macro) and Hamming loss over 53 rows in chunks of 7', async () => {
    const d = multiLabel();
    const m = await splitMetrics(
      graph(L, [L], 'float32', {
        f1: { type: 'metrics.f1', v: 1, params: { threshold: 0 } },
        f1macro: { type: 'metrics.f1', v: 1, params: { threshold: 0, average: 'macro' } },
        dice: { type: 'metrics.dice', v: 1, params: { threshold: 0 } },
        jac: { type: 'metrics.jaccard', v: 1, params: { threshold: 0 } },
        jacmacro: { type: 'metrics.jaccard', v: 1, params: { threshold: 0, average: 'macro' } },
        ham: { type: 'metrics.hammingLoss', v: 1, params: { threshold: 0 } },
      }),
      d,
    );
    const per = confusion(d, 0);
    const sum = (k: 'tp' | 'fp' | 'fn' | 'wrong') => per.reduce((a, c) => a + c[k], 0);
    const f1 = (tp: number, fp: number, fn: number) => (2 * tp + fp + fn ? (2 * tp) / (2 * tp + fp + fn) : 0);
    const jac = (tp: number, fp: number, fn: number) => (tp + fp + fn ? tp / (tp + fp + fn) : 0);
    expect(per[2]!.tp + per[2]!.fn).toBe(0); // label 2 has no positives: its F1 is 0 (sklearn's zero_division=0)
    expect(m.f1).toBeCloseTo(f1(sum('tp'), sum('fp'), sum('fn')), 6);
    expect(m.dice).toBeCloseTo(m.f1!, 6);
    expect(m.f1macro).toBeCloseTo(per.reduce((a, c) => a + f1(c.tp, c.fp, c.fn), 0) / L, 6);
    expect(m.jac).toBeCloseTo(jac(sum('tp'), sum('fp'), sum('fn')), 6);
    expect(m.jacmacro).toBeCloseTo(per.reduce((a, c) => a + jac(c.tp, c.fp, c.fn), 0) / L, 6);
    expect(m.ham).toBeCloseTo(sum('wrong') / (N * L), 6);
    expect(Object.keys(m)).toEqual(['f1', 'f1macro', 'dice', 'jac', 'jacmacro', 'ham']);
  });

  it('per-label F1 and Jaccard (what the Train panel shows) equal brute force per label; batch metrics have none', async () => {
    const d = multiLabel();
    const e = await splitEvaluation(
      graph(L, [L], 'float32', {
        f1: { type: 'metrics.f1', v: 1, params: { threshold: 0 } },
        jac: { type: 'metrics.jaccard', v: 1, params: { threshold: 0, average: 'macro' } },
        ham: { type: 'metrics.hammingLoss', v: 1, params: { threshold: 0 } },
      }),
      d,
    );
    const per = confusion(d, 0);
    const f1 = per.map((c) => (2 * c.tp + c.fp + c.fn ? (2 * c.tp) / (2 * c.tp + c.fp + c.fn) : 0));
    const jac = per.map((c) => (c.tp + c.fp + c.fn ? c.tp / (c.tp + c.fp + c.fn) : 0));
    expect(Object.keys(e.perLabel ?? {})).toEqual(['f1', 'jac']);
    for (const [l, v] of e.perLabel!.f1!.entries()) expect(v).toBeCloseTo(f1[l]!, 6);
    for (const [l, v] of e.perLabel!.jac!.entries()) expect(v).toBeCloseTo(jac[l]!, 6);
    expect(f1[2]).toBe(0);
    expect(f1.some((v) => v > 0.5)).toBe(true);
    // The macro score is the mean of the per-label scores shown.
    expect(e.metrics.jac).toBeCloseTo(jac.reduce((a, b) => a + b, 0) / L, 6);
  });

  it('ECE over 53 rows in chunks of 7 (15 bins)', async () => {
    const c = 5;
    const d = classes(c);
    const m = await splitMetrics(
      graph(c, [1], 'int32', {
        ece: { type: 'metrics.expectedCalibrationError', v: 1, params: { fromLogits: true } },
      }),
      d,
    );
    const bins = Array.from({ length: 15 }, () => ({ n: 0, conf: 0, correct: 0 }));
    for (let i = 0; i < N; i++) {
      const z = Array.from(d.val.x.subarray(i * c, (i + 1) * c));
      const e = z.map((v) => Math.exp(v - Math.max(...z)));
      const p = e.map((v) => v / e.reduce((a, b) => a + b, 0));
      const conf = Math.max(...p);
      const b = bins[Math.min(14, Math.ceil(conf * 15) - 1)]!;
      b.n++;
      b.conf += conf;
      b.correct += p.indexOf(conf) === d.val.y[i] ? 1 : 0;
    }
    const ece = bins.reduce(
      (a, b) => a + (b.n ? (b.n / N) * Math.abs(b.correct / b.n - b.conf / b.n) : 0),
      0,
    );
    expect(ece).toBeGreaterThan(0.01);
    expect(m.ece).toBeCloseTo(ece, 5);
  });
});
