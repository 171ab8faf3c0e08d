// Loss and metric heads run through tfOps against numbers worked out by hand, plus infer checks,
// lowering and the optimizer nodes' configs.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import binaryCrossentropy from '../../nodes/losses/binary-crossentropy.ts';
import categoricalCrossentropy from '../../nodes/losses/categorical-crossentropy.ts';
import huber from '../../nodes/losses/huber.ts';
import meanAbsoluteError from '../../nodes/losses/mean-absolute-error.ts';
import meanSquaredError from '../../nodes/losses/mean-squared-error.ts';
import sparseCategoricalCrossentropy from '../../nodes/losses/sparse-categorical-crossentropy.ts';
import accuracy from '../../nodes/metrics/accuracy.ts';
import topKCategoricalAccuracy from '../../nodes/metrics/top-k-categorical-accuracy.ts';
import adam from '../../nodes/optimizers/adam.ts';
import adamw from '../../nodes/optimizers/adamw.ts';
import rmsprop from '../../nodes/optimizers/rmsprop.ts';
import sgd from '../../nodes/optimizers/sgd.ts';
import { tfOps } from '../compiler/tf-ops.ts';
import { NodeProblem } from '../core/diagnostics.ts';
import type { AnyNodeDef, NodeDef } from '../core/node-def.ts';
import { type ParamSpecs, type ParamValues, resolveParams } from '../core/params.ts';
import { registryFromModules } from '../core/registry.ts';
import { type TensorType, tensor } from '../core/tensor-type.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

type Params = Record<string, unknown>;

function paramsOf<P extends ParamSpecs>(def: NodeDef<P>, raw: Params = {}): ParamValues<P> {
  const { values, problems } = resolveParams(def.params, raw);
  expect(problems).toEqual([]);
  return values as ParamValues<P>;
}

/** Runs a loss or metric head inside tf.tidy; checks it returns a scalar and leaks nothing. */
function head(
  def: AnyNodeDef,
  pred: number[][] | number[],
  target: number[][] | number[],
  raw: Params = {},
): number {
  const h = def.loss ?? def.metric;
  if (!h) throw new Error(`${def.type} has no head`);
  const params = paramsOf(def, raw);
  const before = tf.memory().numTensors;
  const value = tf.tidy(() => {
    const out = h.fn(tfOps, tf.tensor(pred), tf.tensor(target), params);
    expect(out.shape).toEqual([]);
    return out.dataSync()[0]!;
  });
  expect(tf.memory().numTensors).toBe(before);
  return value;
}

const infer = (def: AnyNodeDef, pred: TensorType, target: TensorType, raw: Params = {}) =>
  def.infer({ nodeId: 'n', params: paramsOf(def, raw), inputs: { pred, target }, data: undefined });

function rejectCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof NodeProblem) return e.code;
    throw e;
  }
  return undefined;
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
/** Binary cross-entropy of one element from a logit, in double precision: softplus(z) − z·t. */
const bceLogit = (z: number, t: number) => Math.max(z, 0) - z * t + Math.log1p(Math.exp(-Math.abs(z)));

describe('categorical cross-entropy', () => {
  const p = [0.7, 0.2, 0.1];
  it('is −ln p[label] on probabilities', () => {
    expect(head(categoricalCrossentropy, [p], [[1, 0, 0]])).toBeCloseTo(0.35667494, 6);
    expect(-Math.log(0.7)).toBeCloseTo(0.35667494, 8);
  });
  it('averages over the batch', () => {
    const v = head(
      categoricalCrossentropy,
      [p, [0.25, 0.5, 0.25]],
      [
        [1, 0, 0],
        [0, 0, 1],
      ],
    );
    expect(v).toBeCloseTo((-Math.log(0.7) - Math.log(0.25)) / 2, 6);
  });
  it('renormalises unnormalised probabilities (as Keras does)', () => {
    expect(head(categoricalCrossentropy, [[1.4, 0.4, 0.2]], [[1, 0, 0]])).toBeCloseTo(-Math.log(0.7), 6);
  });
  it('from logits: the logits ln p give the same loss', () => {
    const z = p.map((v) => Math.log(v) + 3); // a shift does not change the softmax
    expect(head(categoricalCrossentropy, [z], [[1, 0, 0]], { fromLogits: true })).toBeCloseTo(
      -Math.log(0.7),
      5,
    );
  });
  it('label smoothing: t ← t(1−ε) + ε/C', () => {
    const e = 0.1;
    const t = [1 - e + e / 3, e / 3, e / 3];
    const expected = -t.reduce((s, ti, i) => s + ti * Math.log(p[i]!), 0);
    expect(head(categoricalCrossentropy, [p], [[1, 0, 0]], { labelSmoothing: e })).toBeCloseTo(expected, 5);
  });
  it('clips so a zero probability gives a finite loss', () => {
    const v = head(categoricalCrossentropy, [[0, 1, 0]], [[1, 0, 0]]);
    expect(v).toBeCloseTo(-Math.log(1e-7), 2);
  });
  it('infer wants the same shape', () => {
    expect(infer(categoricalCrossentropy, tensor([null, 3]), tensor([null, 3]))).toEqual({
      loss: tensor([]),
    });
    expect(rejectCode(() => infer(categoricalCrossentropy, tensor([null, 3]), tensor([null], 'int32')))).toBe(
      'shape/loss-target-mismatch',
    );
  });
});

describe('sparse categorical cross-entropy', () => {
  const p = [0.7, 0.2, 0.1];
  it('is −ln p[label] with index labels', () => {
    expect(head(sparseCategoricalCrossentropy, [p], [0])).toBeCloseTo(0.35667494, 6);
    expect(head(sparseCategoricalCrossentropy, [p, p], [0, 2])).toBeCloseTo(
      (-Math.log(0.7) - Math.log(0.1)) / 2,
      6,
    );
  });
  it('accepts [B, 1] labels', () => {
    expect(head(sparseCategoricalCrossentropy, [p, p], [[1], [2]])).toBeCloseTo(
      (-Math.log(0.2) - Math.log(0.1)) / 2,
      6,
    );
  });
  it('from logits equals the one-hot loss', () => {
    const z = [
      [2, -1, 0.5],
      [-3, 4, 1],
    ];
    const sparse = head(sparseCategoricalCrossentropy, z, [2, 1], { fromLogits: true });
    const onehot = head(
      categoricalCrossentropy,
      z,
      [
        [0, 0, 1],
        [0, 1, 0],
      ],
      { fromLogits: true },
    );
    const lse = (r: number[]) => Math.log(r.reduce((s, v) => s + Math.exp(v), 0));
    const expected = (lse(z[0]!) - 0.5 + lse(z[1]!) - 4) / 2;
    expect(sparse).toBeCloseTo(expected, 5);
    expect(onehot).toBeCloseTo(expected, 5);
  });
  it('is stable for large logits', () => {
    const v = head(sparseCategoricalCrossentropy, [[1000, 0, -1000]], [1], { fromLogits: true });
    expect(v).toBeCloseTo(1000, 2);
  });
  it('infer wants B×C predictions and index labels', () => {
    expect(infer(sparseCategoricalCrossentropy, tensor([null, 3]), tensor([null], 'int32'))).toEqual({
      loss: tensor([]),
    });
    expect(rejectCode(() => infer(sparseCategoricalCrossentropy, tensor([null, 3]), tensor([null, 3])))).toBe(
      'shape/loss-target-mismatch',
    );
  });
});

describe('binary cross-entropy', () => {
  it('on probabilities: −mean(t ln p + (1−t) ln(1−p))', () => {
    expect(head(binaryCrossentropy, [[0.9, 0.2]], [[1, 0]])).toBeCloseTo(
      -(Math.log(0.9) + Math.log(0.8)) / 2,
      6,
    );
    expect(head(binaryCrossentropy, [[0.9], [0.2]], [[0.5], [0.25]])).toBeCloseTo(
      -(0.5 * Math.log(0.9) + 0.5 * Math.log(0.1) + 0.25 * Math.log(0.2) + 0.75 * Math.log(0.8)) / 2,
      5,
    );
  });
  it('from logits equals the loss on sigmoid probabilities', () => {
    const z = [
      [2, -1, 0],
      [0.5, -3, 1.5],
    ];
    const t = [
      [1, 0, 1],
      [0, 1, 0.3],
    ];
    const fromLogits = head(binaryCrossentropy, z, t, { fromLogits: true });
    const fromProbs = head(
      binaryCrossentropy,
      z.map((r) => r.map(sigmoid)),
      t,
    );
    const expected = z.flat().reduce((s, zi, i) => s + bceLogit(zi, t.flat()[i]!), 0) / 6;
    expect(fromLogits).toBeCloseTo(expected, 5);
    expect(fromProbs).toBeCloseTo(expected, 5);
  });
  it('from logits is exact where sigmoid saturates', () => {
    // z = 30, t = 0 → 30 (a float32 sigmoid rounds to 1 and clipping would give −ln 1e-7 ≈ 16.1).
    expect(head(binaryCrossentropy, [[30, -30]], [[0, 1]], { fromLogits: true })).toBeCloseTo(30, 4);
    expect(head(binaryCrossentropy, [[30, -30]], [[1, 0]], { fromLogits: true })).toBeCloseTo(
      bceLogit(30, 1),
      10,
    );
  });
  it('infer wants the same shape', () => {
    expect(infer(binaryCrossentropy, tensor([null, 1]), tensor([null, 1]))).toEqual({ loss: tensor([]) });
    expect(rejectCode(() => infer(binaryCrossentropy, tensor([null, 1]), tensor([null, 2])))).toBe(
      'shape/loss-target-mismatch',
    );
  });
});

describe('regression losses', () => {
  const pred = [
    [1, 2],
    [3, 4],
  ];
  const target = [
    [0, 2],
    [5, 4],
  ];
  it('mean squared error', () => {
    expect(head(meanSquaredError, pred, target)).toBeCloseTo((1 + 0 + 4 + 0) / 4, 6);
  });
  it('mean absolute error', () => {
    expect(head(meanAbsoluteError, pred, target)).toBeCloseTo((1 + 0 + 2 + 0) / 4, 6);
  });
  it('huber δ = 1: residual 0.5 → 0.125, residual 2 → 1.5', () => {
    expect(head(huber, [[0.5]], [[0]])).toBeCloseTo(0.125, 6);
    expect(head(huber, [[0]], [[2]])).toBeCloseTo(1.5, 6);
    expect(head(huber, [[0.5, 0]], [[0, 2]])).toBeCloseTo((0.125 + 1.5) / 2, 6);
  });
  it('huber δ = 2: residual 2 → 2 (quadratic edge), residual 3 → 2·(3 − 1) = 4', () => {
    expect(head(huber, [[2, -3]], [[0, 0]], { delta: 2 })).toBeCloseTo((2 + 4) / 2, 6);
  });
  it('huber is MSE/2 below δ and MAE·δ − δ²/2 above', () => {
    expect(head(huber, pred, target, { delta: 10 })).toBeCloseTo(head(meanSquaredError, pred, target) / 2, 6);
    const d = 0.01;
    const big = [[5, -7, 9]];
    const zero = [[0, 0, 0]];
    expect(head(huber, big, zero, { delta: d })).toBeCloseTo(
      d * head(meanAbsoluteError, big, zero) - (d * d) / 2,
      5,
    );
  });
  it('lower carries weight and config', () => {
    const ctx = { nodeId: 'n', inputs: {}, outputs: {} };
    expect(huber.lower!({ ...ctx, params: paramsOf(huber, { delta: 0.5, weight: 2 }) })).toEqual({
      kind: 'loss',
      config: { delta: 0.5 },
      weight: 2,
    });
    expect(meanSquaredError.lower!({ ...ctx, params: paramsOf(meanSquaredError) })).toEqual({
      kind: 'loss',
      config: {},
      weight: 1,
    });
  });
});

describe('metrics', () => {
  it('accuracy: argmax equals the label', () => {
    const pred = [
      [0.1, 0.9],
      [0.8, 0.2],
      [0.3, 0.7],
    ];
    expect(head(accuracy, pred, [1, 1, 1])).toBeCloseTo(2 / 3, 6);
    expect(head(accuracy, pred, [[1], [0], [1]])).toBeCloseTo(1, 6);
    expect(head(accuracy, pred, [0, 1, 0])).toBe(0);
  });
  it('top-k: label among the k highest scores', () => {
    const row = [0.1, 0.4, 0.3, 0.2]; // ranks: class 1, 2, 3, 0
    const pred = [row, row, row, row];
    expect(head(topKCategoricalAccuracy, pred, [1, 2, 3, 0], { k: 1 })).toBeCloseTo(1 / 4, 6);
    expect(head(topKCategoricalAccuracy, pred, [1, 2, 3, 0], { k: 2 })).toBeCloseTo(2 / 4, 6);
    expect(head(topKCategoricalAccuracy, pred, [1, 2, 3, 0], { k: 3 })).toBeCloseTo(3 / 4, 6);
    expect(head(topKCategoricalAccuracy, pred, [1, 2, 3, 0], { k: 4 })).toBeCloseTo(1, 6);
  });
  it('top-k: ties with the label score count as hits; k = 1 matches accuracy without ties', () => {
    expect(head(topKCategoricalAccuracy, [[0.5, 0.5, 0]], [1], { k: 1 })).toBe(1);
    const pred = [
      [3, 1, 2],
      [0, 5, 1],
      [2, 1, 4],
    ];
    expect(head(topKCategoricalAccuracy, pred, [0, 2, 2], { k: 1 })).toBeCloseTo(
      head(accuracy, pred, [0, 2, 2]),
      6,
    );
  });
  it('infer checks labels and k against the class count', () => {
    expect(infer(topKCategoricalAccuracy, tensor([null, 10]), tensor([null], 'int32'))).toEqual({
      value: tensor([]),
    });
    expect(rejectCode(() => infer(topKCategoricalAccuracy, tensor([null, 3]), tensor([null], 'int32')))).toBe(
      'param/out-of-range',
    );
    expect(rejectCode(() => infer(accuracy, tensor([null, 3]), tensor([null, 3])))).toBe(
      'shape/loss-target-mismatch',
    );
  });
});

describe('optimizers', () => {
  const config = (def: AnyNodeDef, raw: Params = {}) => def.optimizer!.config(paramsOf(def, raw));
  it('defaults use tfjs config names', () => {
    expect(sgd.optimizer!.algorithm).toBe('sgd');
    expect(config(sgd)).toEqual({ learningRate: 0.01, momentum: 0, nesterov: false });
    expect(config(rmsprop)).toEqual({
      learningRate: 0.001,
      decay: 0.9,
      momentum: 0,
      epsilon: 1e-7,
      centered: false,
    });
    expect(adamw.optimizer!.algorithm).toBe('adamw');
    expect(config(adamw)).toEqual({
      learningRate: 0.001,
      beta1: 0.9,
      beta2: 0.999,
      epsilon: 1e-7,
      weightDecay: 0.004,
    });
    expect(config(adam)).toEqual({ learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 });
  });
  it('configs build the tfjs optimizers they name', () => {
    const s = config(sgd, { momentum: 0.9, nesterov: true }) as {
      learningRate: number;
      momentum: number;
      nesterov: boolean;
    };
    const m = tf.train.momentum(s.learningRate, s.momentum, s.nesterov);
    expect(m.getConfig()).toEqual({ learningRate: 0.01, momentum: 0.9, useNesterov: true });
    m.dispose();
    const r = config(rmsprop) as {
      learningRate: number;
      decay: number;
      momentum: number;
      epsilon: number;
      centered: boolean;
    };
    const o = tf.train.rmsprop(r.learningRate, r.decay, r.momentum, r.epsilon, r.centered);
    expect(o.getConfig()).toEqual(r);
    o.dispose();
  });
  it('are not placeable and have no ports', () => {
    for (const def of [sgd, adamw, rmsprop, adam]) {
      expect(def.kind).toBe('optimizer');
      expect(def.inputs).toEqual({});
      expect(def.outputs).toEqual({});
    }
  });
});

describe('files', () => {
  it('every head and optimizer is named after its file', () => {
    const mods: [string, unknown][] = [
      ['nodes/losses/binary-crossentropy.ts', { default: binaryCrossentropy }],
      ['nodes/losses/categorical-crossentropy.ts', { default: categoricalCrossentropy }],
      ['nodes/losses/huber.ts', { default: huber }],
      ['nodes/losses/mean-absolute-error.ts', { default: meanAbsoluteError }],
      ['nodes/losses/mean-squared-error.ts', { default: meanSquaredError }],
      ['nodes/losses/sparse-categorical-crossentropy.ts', { default: sparseCategoricalCrossentropy }],
      ['nodes/metrics/accuracy.ts', { default: accuracy }],
      ['nodes/metrics/top-k-categorical-accuracy.ts', { default: topKCategoricalAccuracy }],
      ['nodes/optimizers/adam.ts', { default: adam }],
      ['nodes/optimizers/adamw.ts', { default: adamw }],
      ['nodes/optimizers/rmsprop.ts', { default: rmsprop }],
      ['nodes/optimizers/sgd.ts', { default: sgd }],
    ];
    const reg = registryFromModules(mods);
    expect(reg.size).toBe(mods.length);
    for (const def of reg.all()) {
      expect(def.docs.summary.length).toBeGreaterThan(10);
      expect(def.docs.formula).toBeTruthy();
    }
  });
});
