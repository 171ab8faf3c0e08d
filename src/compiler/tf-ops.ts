// Ops implemented with tfjs: how kernels, losses and metrics run for real.
import * as tf from '@tensorflow/tfjs';
import type { Ops } from '../core/ops.ts';

type T = tf.Tensor;
const norm = (axes?: number[]) => (axes === undefined ? undefined : axes);

export const tfOps: Ops<T> = {
  scalar: (v) => tf.scalar(v),
  add: (a, b) => tf.add(a, b),
  sub: (a, b) => tf.sub(a, b),
  mul: (a, b) => tf.mul(a, b),
  div: (a, b) => tf.div(a, b),
  pow: (a, b) => tf.pow(a, b),
  maximum: (a, b) => tf.maximum(a, b),
  minimum: (a, b) => tf.minimum(a, b),
  greater: (a, b) => tf.cast(tf.greater(a, b), 'float32'),
  neg: (x) => tf.neg(x),
  abs: (x) => tf.abs(x),
  exp: (x) => tf.exp(x),
  log: (x) => tf.log(x),
  sqrt: (x) => tf.sqrt(x),
  rsqrt: (x) => tf.rsqrt(x),
  square: (x) => tf.square(x),
  sin: (x) => tf.sin(x),
  cos: (x) => tf.cos(x),
  tanh: (x) => tf.tanh(x),
  sigmoid: (x) => tf.sigmoid(x),
  relu: (x) => tf.relu(x),
  softplus: (x) => tf.softplus(x),
  erf: (x) => tf.erf(x),
  clip: (x, lo, hi) => tf.clipByValue(x, lo, hi),
  sum: (x, axes, keepDims) => tf.sum(x, norm(axes), keepDims),
  mean: (x, axes, keepDims) => tf.mean(x, norm(axes), keepDims),
  max: (x, axes, keepDims) => tf.max(x, norm(axes), keepDims),
  matMul: (a, b, ta, tb) => tf.matMul(a, b, ta, tb),
  reshape: (x, shape) => tf.reshape(x, shape),
  transpose: (x, perm) => tf.transpose(x, perm),
  softmax: (x) => tf.softmax(x),
  logSoftmax: (x) => tf.logSoftmax(x),
  oneHot: (i, depth) =>
    tf.cast(tf.oneHot(tf.cast(tf.reshape(i, [-1]), 'int32') as tf.Tensor1D, depth), 'float32'),
  inTopK: (pred, labels, k) => {
    // Count classes scoring strictly higher than the label's score; a hit when fewer than k.
    const idx = tf.cast(tf.reshape(labels, [-1]), 'int32');
    const c = pred.shape[pred.shape.length - 1]!;
    const labelScore = tf.sum(tf.mul(pred, tf.oneHot(idx as tf.Tensor1D, c)), -1, true);
    const higher = tf.sum(tf.cast(tf.greater(pred, labelScore), 'float32'), -1);
    return tf.cast(tf.less(higher, k), 'float32');
  },
  argMax: (x, axis) => tf.argMax(x, axis),
  equal: (a, b) => tf.cast(tf.equal(a, b), 'float32'),
  cast: (x, dtype) => tf.cast(x, dtype),
  shape: (x) => [...x.shape],
  constant: (values, shape) => tf.tensor([...values], [...shape], 'float32'),
  slice: (x, begin, size) => tf.slice(x, begin, size),
  concat: (xs, axis) => tf.concat(xs, axis),
  step: (x) => zeroGradStep(x),
  randomUniform: (shape) => tf.randomUniform(shape, 0, 1, 'float32'),
  stopGradient: (x) => stopGradient(x),
  randomNormal: (shape) => tf.randomNormal(shape, 0, 1, 'float32'),
  gather: (x, indices, axis) => tf.gather(x, tf.cast(indices, 'int32'), axis),
  topK: (x, k) => topKValues(x, k),
  topKIndices: (x, k) => topKIndices(x, k),
  floor: (x) => tf.floor(x),
};

// Identity with a zero gradient (tfjs has no stopGradient op).
const stopGradient = tf.customGrad(((x: T) => ({
  value: tf.clone(x),
  gradFunc: (dy: T) => tf.zerosLike(dy),
})) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: T) => T;

/**
 * tfjs registers no gradient for TopK: the values' gradient is scattered back to the k picked
 * entries by a one-hot of the saved indices, and the indices get a zero gradient.
 */
function topKValues(x: T, k: number): T {
  const n = x.shape[x.shape.length - 1]!;
  const f = tf.customGrad(((v: T, save: (ts: T[]) => void) => {
    const { values, indices } = tf.topk(v, k);
    save([indices]);
    return {
      value: values,
      gradFunc: (dy: T, saved: T[]) =>
        tf.sum(tf.mul(tf.cast(tf.oneHot(saved[0]! as tf.Tensor1D, n), 'float32'), tf.expandDims(dy, -1)), -2),
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: T) => T;
  return f(x);
}

function topKIndices(x: T, k: number): T {
  const f = tf.customGrad(((v: T) => ({
    value: tf.cast(tf.topk(v, k).indices, 'float32'),
    gradFunc: () => tf.zerosLike(v),
  })) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: T) => T;
  return f(x);
}

/**
 * tfOps whose random draws are seeded by `nextSeed()` (one seed per draw): reproducible from the
 * graph seed, and a fresh mask every call (tfjs's layers reuse one mask when given a fixed seed).
 */
export const seededOps = (nextSeed: () => number): Ops<T> => ({
  ...tfOps,
  randomUniform: (shape) => tf.randomUniform(shape, 0, 1, 'float32', nextSeed()),
  randomNormal: (shape) => tf.randomNormal(shape, 0, 1, 'float32', nextSeed()),
});

// Indicator with a zero gradient: tfjs registers no gradient for Greater, so wrap it.
const zeroGradStep = tf.customGrad(((x: T) => ({
  value: tf.cast(tf.greater(x, 0), 'float32'),
  gradFunc: (dy: T) => tf.zerosLike(dy),
})) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: T) => T;
