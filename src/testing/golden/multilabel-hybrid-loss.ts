// Multi-label emotions: stacked embeddings, BiLSTM, hybrid loss: a tfjs model exported by
// Netwright. Standalone: it needs only @tensorflow/tfjs.
// buildModel() builds the model, train(model, data) trains it as the graph configures it.
// Compile with tsc --strict --skipLibCheck (tfjs's own type declarations fail the lib check).
import * as tf from '@tensorflow/tfjs';

/** tfjs hands a layer (and a model returns) one tensor or a list of them. */
function toList(x: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
  return Array.isArray(x) ? x : [x];
}

/** One-hot of int labels along a new last axis, as float32. */
function oneHot(indices: tf.Tensor, depth: number): tf.Tensor {
  const flat = tf.cast(tf.reshape(indices, [-1]), 'int32') as tf.Tensor1D;
  return tf.cast(tf.oneHot(flat, depth), 'float32');
}

/** 1 where x > 0 else 0, as float32, with a zero gradient (tfjs has no gradient for Greater). */
const step = tf.customGrad((...args) => {
  const x = args[0] as tf.Tensor;
  return { value: tf.cast(tf.greater(x, 0), 'float32'), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) };
});

/** x unchanged, with a zero gradient (tfjs has no stopGradient op). */
const stopGradient = tf.customGrad((...args) => {
  const x = args[0] as tf.Tensor;
  return { value: tf.clone(x), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) };
});

/** Constructor arguments of the kernel layers; getConfig() returns them (as Netwright saves them). */
export interface KernelLayerArgs {
  name?: string;
  trainable?: boolean;
  params?: tf.serialization.ConfigDict;
  seed?: number;
}

/**
 * Dropout (layers.dropout): training: y = x ⊙ m / (1 − rate), m ~ Bernoulli(1 − rate); inference: y
 * = x
 *
 * Paper: Nitish Srivastava, Geoffrey Hinton, Alex Krizhevsky, Ilya Sutskever, Ruslan Salakhutdinov
 * (2014). Dropout: A Simple Way to Prevent Neural Networks from Overfitting.
 * https://jmlr.org/papers/v15/srivastava14a.html
 *
 * The node's kernel traced into tfjs, registered as 'NetwrightLayersDropout' like the Netwright
 * app's class, so models the app saves load with this one.
 */
export class Dropout extends tf.layers.Layer {
  static className = 'NetwrightLayersDropout';
  readonly params: tf.serialization.ConfigDict;
  readonly seed: number;
  // Random draws so far (dropout masks): each is seeded from seed and its number, as in the app.
  private draws = 0;

  constructor(args: KernelLayerArgs) {
    super(args);
    this.params = args.params ?? {};
    this.seed = args.seed ?? 0;
  }

  override computeOutputShape(): tf.Shape {
    return [null, 32];
  }

  // Traced for params { rate: 0.3 } and input shapes [null, 32].
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    return tf.tidy(() => {
      if (kwargs.training === true) {
        const [x] = toList(inputs) as [tf.Tensor];
        const randomUniform = tf.randomUniform(
          [x.shape[0]!, 32],
          0,
          1,
          'float32',
          (this.seed + Math.imul(++this.draws, 0x9e3779b9)) >>> 0,
        );
        const sub = tf.sub(randomUniform, tf.scalar(0.3));
        const step2 = step(sub);
        const mul = tf.mul(step2, tf.scalar(1.4285714285714286));
        return tf.mul(x, mul);
      }
      const [x] = toList(inputs) as [tf.Tensor];
      return x;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      kernelType: 'layers.dropout',
      params: this.params,
      seed: this.seed,
    };
  }
}
tf.serialization.registerClass(Dropout);

/**
 * The model: one tfjs layer per graph node, named after the node, with the initial weights
 * Netwright gives it (seed 1).
 */
export function buildModel(): tf.LayersModel {
  const tokens = tf.input({ shape: [12], dtype: 'int32', name: 'tokens' });
  const char3 = tf.input({ shape: [12], dtype: 'int32', name: 'char3' });
  const wordEmbedding = tf.layers
    .embedding({
      name: 'wordEmbedding',
      inputDim: 107,
      outputDim: 16,
      embeddingsInitializer: tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed: 4175315257 }),
    })
    .apply(tokens) as tf.SymbolicTensor;
  const char3Embedding = tf.layers
    .embedding({
      name: 'char3Embedding',
      inputDim: 32,
      outputDim: 16,
      embeddingsInitializer: tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed: 2847596102 }),
    })
    .apply(char3) as tf.SymbolicTensor;
  const stack = tf.layers
    .concatenate({ name: 'stack', axis: 2 })
    .apply([wordEmbedding, char3Embedding]) as tf.SymbolicTensor;
  const meta = tf.layers
    .dense({
      name: 'meta',
      units: 16,
      activation: 'relu',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 2180935239 }),
    })
    .apply(stack) as tf.SymbolicTensor;
  // LSTM: Sepp Hochreiter, Jürgen Schmidhuber (1997). Long Short-Term Memory.
  // https://doi.org/10.1162/neco.1997.9.8.1735
  const forward = tf.layers
    .lstm({
      name: 'forward',
      units: 16,
      activation: 'tanh',
      recurrentActivation: 'sigmoid',
      useBias: true,
      unitForgetBias: false,
      returnSequences: true,
      goBackwards: false,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 3026175753 }),
      recurrentInitializer: tf.initializers.orthogonal({ seed: 3026175754 }),
    })
    .apply(meta) as tf.SymbolicTensor;
  // LSTM: Sepp Hochreiter, Jürgen Schmidhuber (1997). Long Short-Term Memory.
  // https://doi.org/10.1162/neco.1997.9.8.1735
  const backward = tf.layers
    .lstm({
      name: 'backward',
      units: 16,
      activation: 'tanh',
      recurrentActivation: 'sigmoid',
      useBias: true,
      unitForgetBias: false,
      returnSequences: true,
      goBackwards: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 1734167219 }),
      recurrentInitializer: tf.initializers.orthogonal({ seed: 1734167220 }),
    })
    .apply(meta) as tf.SymbolicTensor;
  const bidirectional = tf.layers
    .concatenate({ name: 'bidirectional', axis: 2 })
    .apply([forward, backward]) as tf.SymbolicTensor;
  const pool = tf.layers.globalMaxPooling1d({ name: 'pool' }).apply(bidirectional) as tf.SymbolicTensor;
  const fc = tf.layers
    .dense({
      name: 'fc',
      units: 32,
      activation: 'relu',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 1713573245 }),
    })
    .apply(pool) as tf.SymbolicTensor;
  const dropout = new Dropout({
    name: 'dropout',
    params: { rate: 0.3 },
    seed: 658031999,
  }).apply(fc) as tf.SymbolicTensor;
  const logits = tf.layers
    .dense({
      name: 'logits',
      units: 11,
      activation: 'linear',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 2087561428 }),
    })
    .apply(dropout) as tf.SymbolicTensor;
  return tf.model({
    inputs: [tokens, char3],
    outputs: [pool, logits],
    name: 'Multi_label_emotions_stacked_embeddings_BiLSTM_hybrid_loss',
  });
}

/**
 * Hybrid multi-label loss (losses.hybridMultiLabel): p = σ(z); L = λ_w·BCE_w + λ_corr·L_corr +
 * λ_con·L_con; BCE_w = −mean_{b,l}[w_l·y·log p + (1−y)·log(1−p)], w_l = clip((N − n_l)/n_l, 1,
 * w_max) from the training split (1 with posWeight none); L_corr ('lca') = mean_b Σ_{a∈Y⁻, c∈Y⁺}
 * exp(p_a − p_c) / (|Y⁻||Y⁺|), ('matrix') = ‖PᵀP/B − YᵀY/N‖²_F / L²; L_con = mean_{i: P_i≠∅}
 * −(1/|P_i|) Σ_{j∈P_i} J_ij·log(exp(ĥ_i·ĥ_j/τ) / Σ_{k≠i} exp(ĥ_i·ĥ_k/τ)), P_i = {j ≠ i: J_ij ≥ θ},
 * J = Jaccard(y_i, y_j), ĥ = h/‖h‖
 *
 * Paper: Aslam et al. (2024). Improving Arabic Multi-Label Emotion Classification using Stacked
 * Embeddings and Hybrid Loss Function. arXiv:2410.03979
 *
 * Traced for { lambdaW: 1, lambdaCorr: 0.1, lambdaCon: 0.1, posWeight: 'neg/pos', maxPosWeight: 50,
 * correlation: 'lca', tau: 0.1, positiveJaccard: 0.5 }.
 */
function hybridMultiLabel(pred: tf.Tensor, target: tf.Tensor, embedding: tf.Tensor, count: tf.Tensor, labelCounts: tf.Tensor, _labelPairs: tf.Tensor): tf.Scalar {
  const cast = tf.cast(target, 'float32');
  const sigmoid = tf.sigmoid(pred);
  const div = tf.div(tf.sub(count, labelCounts), tf.maximum(labelCounts, tf.scalar(1)));
  const mul = tf.mul(tf.mul(cast, tf.softplus(tf.neg(pred))), tf.clipByValue(div, 1, 50));
  const mean = tf.mean(tf.add(mul, tf.mul(tf.sub(tf.scalar(1), cast), tf.softplus(pred))));
  const sub = tf.sub(tf.scalar(1), cast);
  const sum = tf.sum(tf.mul(tf.exp(tf.neg(sigmoid)), cast), [1]);
  const maximum = tf.maximum(tf.mul(tf.sum(sub, [1]), tf.sum(cast, [1])), tf.scalar(1));
  const mean2 = tf.mean(tf.div(tf.mul(tf.sum(tf.mul(tf.exp(sigmoid), sub), [1]), sum), maximum));
  const add = tf.add(tf.mul(tf.scalar(1), mean), tf.mul(tf.scalar(0.1), mean2));
  const rsqrt = tf.rsqrt(tf.maximum(tf.sum(tf.square(embedding), [1], true), tf.scalar(1e-12)));
  const mul2 = tf.mul(embedding, rsqrt);
  const div2 = tf.div(tf.matMul(mul2, mul2, false, true), tf.scalar(0.1));
  const sub2 = tf.sub(tf.scalar(1), oneHot(tf.argMax(stopGradient(div2), 1), pred.shape[0]!));
  const sum2 = tf.sum(tf.mul(tf.exp(tf.sub(div2, tf.scalar(10))), sub2), [1], true);
  const sub3 = tf.sub(div2, tf.add(tf.log(tf.maximum(sum2, tf.scalar(1e-30))), tf.scalar(10)));
  const matMul = tf.matMul(cast, cast, false, true);
  const sum3 = tf.sum(cast, [1], true);
  const maximum2 = tf.maximum(tf.sub(tf.add(sum3, tf.transpose(sum3, [1, 0])), matMul), tf.scalar(1));
  const div3 = tf.div(matMul, maximum2);
  const mul3 = tf.mul(step(tf.sub(div3, tf.scalar(0.499999))), sub2);
  const sum4 = tf.sum(mul3, [1]);
  const neg = tf.neg(tf.sum(tf.mul(tf.mul(mul3, div3), sub3), [1]));
  const maximum3 = tf.maximum(tf.sum(step(tf.sub(sum4, tf.scalar(0.5)))), tf.scalar(1));
  const div4 = tf.div(tf.sum(tf.div(neg, tf.maximum(sum4, tf.scalar(1)))), maximum3);
  return tf.add(add, tf.mul(tf.scalar(0.1), div4)) as tf.Scalar;
}

/**
 * Training data: features [N, 12] and [N, 12] (the dataset's field 'char3'), one tensor per model
 * input, and target values [N, …] (float32).
 */
export interface TrainData {
  x: tf.Tensor[];
  y: tf.Tensor;
}

export interface TrainOptions {
  /** Epochs (default: the graph's 8). */
  epochs?: number;
  /** Default 32. */
  batchSize?: number;
  /** Seed of the batch order (default 1). */
  seed?: number;
  onEpoch?: (report: EpochReport) => void | Promise<void>;
}

/** One epoch: the mean loss, and the mean of each loss term and metric by node id. */
export interface EpochReport {
  stage: string;
  epoch: number;
  loss: number;
  values: Record<string, number>;
}

/** A training stage: epochs and learning rate. */
interface Stage {
  name: string;
  epochs: number;
  learningRate: number;
}

const STAGES: Stage[] = [{ name: 'train', epochs: 8, learningRate: 0.002 }];

/**
 * Adam (learningRate 0.002, beta1 0.9, beta2 0.999, epsilon 1e-7), a fresh one per stage.
 *
 * Paper: Kingma, Ba (2014). Adam: A Method for Stochastic Optimization. arXiv:1412.6980
 */
function makeOptimizer(learningRate: number): tf.Optimizer {
  return tf.train.adam(learningRate, 0.9, 0.999, 1e-7);
}

/** One batch through the model (training mode): the total loss, and each loss term and metric. */
type Batch = { total: tf.Scalar; values: Record<string, tf.Scalar> };

/** Runs the model on a batch and computes the loss and the metrics. */
function objective(model: tf.LayersModel, x: tf.Tensor[], y: tf.Tensor, stats: LabelStats): Batch {
  const outputs = model.apply(x, { training: true }) as tf.Tensor | tf.Tensor[];
  const [pool, logits] = toList(outputs) as [tf.Tensor, tf.Tensor];
  const hybrid = hybridMultiLabel(logits, y, pool, stats.count, stats.labelCounts, stats.labelPairs);
  return { total: hybrid, values: { hybrid } };
}

/** Label statistics of the training split, as Netwright computes them once per run. */
interface LabelStats {
  /** Training rows N. */
  count: tf.Scalar;
  /** [11]: rows having each label (class). */
  labelCounts: tf.Tensor;
  /** [11, 11]: rows having both labels (YᵀY). */
  labelPairs: tf.Tensor;
}

/** Labels as 0/1 rows (one-hot of class indices [N], or multi-label rows [N, 11] > 0.5), then N, Σ rows and rowsᵀ·rows. */
function labelStats(y: tf.Tensor): LabelStats {
  const rows = tf.tidy(() =>
    y.rank === 1
      ? tf.cast(tf.oneHot(tf.cast(y, 'int32') as tf.Tensor1D, 11), 'float32')
      : tf.cast(tf.greater(y, 0.5), 'float32'),
  );
  const stats = {
    count: tf.scalar(rows.shape[0]!),
    labelCounts: tf.sum(rows, 0),
    labelPairs: tf.matMul(rows, rows, true, false),
  };
  rows.dispose();
  return stats;
}

/** Trainable variables of every layer. */
function trainableVariables(model: tf.LayersModel): tf.Variable[] {
  return model.layers.flatMap((l) => l.trainableWeights.map((w) => w.read() as tf.Variable));
}

/** The batch order of Netwright's trainer: mulberry32 from the seed, a Fisher–Yates shuffle per epoch. */
function createShuffler(seed: number): (count: number) => number[] {
  let s = seed >>> 0 || 0x9e3779b9;
  const next = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return (count) => {
    const a = Array.from({ length: count }, (_, i) => i);
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [a[i], a[j]] = [a[j]!, a[i]!];
    }
    return a;
  };
}

/**
 * Trains a model from buildModel() as the graph configures it: Adam (learningRate 0.002, beta1 0.9,
 * beta2 0.999, epsilon 1e-7), batches of 32 in the order Netwright's trainer uses for seed 1, 8
 * epochs. The graph trains on Netwright's 'mlText' dataset: pass the same data as tensors.
 *
 * Resolves to a report per epoch; a non-finite loss stops training with an error.
 */
export async function train(
  model: tf.LayersModel,
  data: TrainData,
  opts: TrainOptions = {},
): Promise<EpochReport[]> {
  const batchSize = opts.batchSize ?? 32;
  const shuffle = createShuffler(opts.seed ?? 1);
  const count = data.y.shape[0]!;
  const stages = STAGES.map((s) => (STAGES.length === 1 ? { ...s, epochs: opts.epochs ?? s.epochs } : s));
  const history: EpochReport[] = [];
  const stats = labelStats(data.y); // once per run, from the training labels
  for (const stage of stages) {
    const vars = trainableVariables(model);
    const optimizer = makeOptimizer(stage.learningRate);
    for (let e = 0; e < stage.epochs; e++) {
      const order = shuffle(count);
      const sums: Record<string, number> = {};
      let lossSum = 0;
      for (let start = 0; start < count; start += batchSize) {
        const idx = tf.tensor1d(order.slice(start, start + batchSize), 'int32');
        const x = data.x.map((t) => tf.gather(t, idx));
        const y = tf.gather(data.y, idx);
        let kept: Record<string, tf.Scalar> = {};
        const { value, grads } = tf.variableGrads(() => {
          const batch = objective(model, x, y, stats);
          kept = Object.fromEntries(Object.entries(batch.values).map(([k, v]) => [k, tf.keep(v)]));
          return batch.total;
        }, vars);
        const stacked = tf.stack([value, ...Object.values(kept)]);
        const [loss, ...rest] = Array.from(await stacked.data());
        tf.dispose([stacked, value, ...Object.values(kept), idx, ...x, y]);
        if (!Number.isFinite(loss)) {
          tf.dispose(grads);
          throw new Error(`Training stopped in stage '${stage.name}': the loss became ${loss}.`);
        }
        optimizer.applyGradients(grads);
        tf.dispose(grads);
        const size = Math.min(batchSize, count - start);
        lossSum += loss! * size;
        for (const [i, k] of Object.keys(kept).entries()) sums[k] = (sums[k] ?? 0) + rest[i]! * size;
      }
      const values = Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, v / count]));
      const report = { stage: stage.name, epoch: history.length + 1, loss: lossSum / count, values };
      history.push(report);
      await opts.onEpoch?.(report);
    }
    optimizer.dispose();
  }
  tf.dispose([stats.count, stats.labelCounts, stats.labelPairs]);
  return history;
}
