// An independent checker classifier for generated samples (P26 PPGN's C′: "an independently trained
// MLP classifier, different seed, trained on real data"): a one-hidden-layer ReLU MLP
//   logits = relu(x W1 + b1) W2 + b2,
// Glorot-uniform weights and zero biases drawn from its own seeded stream, trained with Adam on the
// mean softmax cross-entropy over minibatches reshuffled each epoch by the same stream. It shares
// nothing with the model it checks (no weights, no graph, no optimizer state).
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../../core/rng.ts';

export interface MlpCheckerOptions {
  readonly hidden: number;
  readonly classes: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly seed: number;
}

export interface MlpWeights {
  readonly w1: Float32Array;
  readonly b1: Float32Array;
  readonly w2: Float32Array;
  readonly b2: Float32Array;
}

export interface MlpChecker {
  readonly inputs: number;
  readonly hidden: number;
  readonly classes: number;
  /** Predicted class of each of the `rows.length / inputs` rows (row-major). */
  predict(rows: Float32Array): Int32Array;
  /** The trained weights (W1 [inputs × hidden], W2 [hidden × classes], row-major). */
  weights(): MlpWeights;
  dispose(): void;
}

/** Glorot-uniform [rows × cols] from `rng`. */
function glorot(rng: ReturnType<typeof createRng>, rows: number, cols: number): Float32Array {
  const limit = Math.sqrt(6 / (rows + cols));
  return Float32Array.from({ length: rows * cols }, () => (rng.next() * 2 - 1) * limit);
}

/**
 * Trains the checker on `x` ([n × inputs], row-major) with integer labels `y` (length n); `steps`
 * (optional) stops after that many optimizer steps (tests). Throws on a size mismatch.
 */
export function trainMlpChecker(
  x: Float32Array,
  y: ArrayLike<number>,
  opts: MlpCheckerOptions,
  steps = Number.POSITIVE_INFINITY,
): MlpChecker {
  const n = y.length;
  if (n === 0 || x.length % n !== 0)
    throw new Error(
      `mlpChecker: ${x.length} input values do not split into ${n} rows; pass x as [n × inputs]`,
    );
  const inputs = x.length / n;
  const { hidden, classes } = opts;
  for (let i = 0; i < n; i++)
    if (!Number.isInteger(y[i]) || y[i]! < 0 || y[i]! >= classes)
      throw new Error(`mlpChecker: label ${y[i]} at row ${i} is not an integer in [0, ${classes})`);
  const rng = createRng(opts.seed);
  // tidy: the initial-value tensors go, the variables (kept by tidy) stay.
  const [w1, b1, w2, b2] = tf.tidy(() => [
    tf.variable(tf.tensor2d(glorot(rng, inputs, hidden), [inputs, hidden])),
    tf.variable(tf.zeros([hidden])),
    tf.variable(tf.tensor2d(glorot(rng, hidden, classes), [hidden, classes])),
    tf.variable(tf.zeros([classes])),
  ]) as [tf.Variable, tf.Variable, tf.Variable, tf.Variable];
  const forward = (xb: tf.Tensor2D) => tf.relu(xb.matMul(w1).add(b1)).matMul(w2).add(b2) as tf.Tensor2D;
  const optimizer = tf.train.adam(opts.learningRate);
  const order = Array.from({ length: n }, (_, i) => i);
  let taken = 0;
  train: for (let e = 0; e < opts.epochs; e++) {
    rng.shuffle(order);
    for (let s = 0; s < n; s += opts.batchSize) {
      if (taken >= steps) break train;
      const idx = order.slice(s, s + opts.batchSize);
      const xb = new Float32Array(idx.length * inputs);
      for (const [k, r] of idx.entries()) xb.set(x.subarray(r * inputs, (r + 1) * inputs), k * inputs);
      const yb = Int32Array.from(idx, (r) => y[r]!);
      tf.tidy(() => {
        const xt = tf.tensor2d(xb, [idx.length, inputs]);
        const onehot = tf.oneHot(tf.tensor1d(yb, 'int32'), classes).toFloat();
        optimizer.minimize(() => tf.logSoftmax(forward(xt)).mul(onehot).sum(1).mean().neg() as tf.Scalar);
      });
      taken++;
    }
  }
  optimizer.dispose();
  return {
    inputs,
    hidden,
    classes,
    predict(rows) {
      const m = rows.length / inputs;
      return tf.tidy(
        () =>
          forward(tf.tensor2d(rows, [m, inputs]))
            .argMax(1)
            .dataSync() as Int32Array,
      );
    },
    weights: () => ({
      w1: Float32Array.from(w1.dataSync()),
      b1: Float32Array.from(b1.dataSync()),
      w2: Float32Array.from(w2.dataSync()),
      b2: Float32Array.from(b2.dataSync()),
    }),
    dispose() {
      for (const v of [w1, b1, w2, b2]) v.dispose();
    },
  };
}
