// PBN: novel class discovery in tabular data: a tfjs model exported by Netwright. Standalone: it
// needs only @tensorflow/tfjs.
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

/**
 * The model: one tfjs layer per graph node, named after the node, with the initial weights
 * Netwright gives it (seed 1).
 */
export function buildModel(): tf.LayersModel {
  const input = tf.input({ shape: [64], name: 'input' });
  const labels = tf.input({ shape: [1], dtype: 'int32', name: 'labels' });
  const known = tf.input({ shape: [1], name: 'known' });
  const enc1 = tf.layers
    .dense({
      name: 'enc1',
      units: 128,
      activation: 'relu',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 3644276605 }),
    })
    .apply(input) as tf.SymbolicTensor;
  // BatchNormalization: Sergey Ioffe, Christian Szegedy (2015). Batch Normalization: Accelerating
  // Deep Network Training by Reducing Internal Covariate Shift. arXiv:1502.03167
  const encBn = tf.layers
    .batchNormalization({
      name: 'encBn',
      axis: -1,
      momentum: 0.99,
      epsilon: 0.001,
      center: true,
      scale: true,
    })
    .apply(enc1) as tf.SymbolicTensor;
  const z = tf.layers
    .dense({
      name: 'z',
      units: 32,
      activation: 'linear',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 4279005852 }),
    })
    .apply(encBn) as tf.SymbolicTensor;
  const classifier = tf.layers
    .dense({
      name: 'classifier',
      units: 5,
      activation: 'linear',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 1802335491 }),
    })
    .apply(z) as tf.SymbolicTensor;
  const dec1 = tf.layers
    .dense({
      name: 'dec1',
      units: 128,
      activation: 'relu',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 3571121589 }),
    })
    .apply(z) as tf.SymbolicTensor;
  const output = tf.layers
    .activation({ name: 'output', activation: 'linear' })
    .apply(classifier) as tf.SymbolicTensor;
  // BatchNormalization: Sergey Ioffe, Christian Szegedy (2015). Batch Normalization: Accelerating
  // Deep Network Training by Reducing Internal Covariate Shift. arXiv:1502.03167
  const decBn = tf.layers
    .batchNormalization({
      name: 'decBn',
      axis: -1,
      momentum: 0.99,
      epsilon: 0.001,
      center: true,
      scale: true,
    })
    .apply(dec1) as tf.SymbolicTensor;
  const dec2 = tf.layers
    .dense({
      name: 'dec2',
      units: 64,
      activation: 'linear',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 3554343970 }),
    })
    .apply(decBn) as tf.SymbolicTensor;
  return tf.model({
    inputs: [input, labels, known],
    outputs: [input, labels, known, classifier, output, dec2],
    name: 'PBN_novel_class_discovery_in_tabular_data',
  });
}

/**
 * Masked sparse cross-entropy (losses.maskedSparseCategoricalCrossentropy): L = Σ_b m_b · (−log
 * softmax(z_b)_{t_b}) / max(Σ_b m_b, 1)
 *
 * Traced for { fromLogits: true }.
 */
function maskedSparseCategoricalCrossentropy(pred: tf.Tensor, target: tf.Tensor, mask: tf.Tensor): tf.Scalar {
  const cast = tf.cast(tf.reshape(mask, [-1]), 'float32');
  const sum = tf.sum(tf.mul(tf.neg(tf.sum(tf.mul(oneHot(target, 5), tf.logSoftmax(pred)), [-1])), cast));
  return tf.div(sum, tf.maximum(tf.sum(cast), tf.scalar(1))) as tf.Scalar;
}

/** Mean squared error (losses.meanSquaredError): L = mean (p − t)² */
function meanSquaredError(pred: tf.Tensor, target: tf.Tensor): tf.Scalar {
  return tf.mean(tf.square(tf.sub(pred, target))) as tf.Scalar;
}

/**
 * Training data: features [N, 64] and [N, 1] (the dataset's labels) and [N, 1] (the dataset's field
 * 'known'), one tensor per model input, and labels (this graph's losses do not read them).
 */
export interface TrainData {
  x: tf.Tensor[];
  y: tf.Tensor;
}

export interface TrainOptions {
  /** Epochs (default: the graph's 40). */
  epochs?: number;
  /** Default 128. */
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

const STAGES: Stage[] = [{ name: 'train', epochs: 40, learningRate: 0.001 }];

/**
 * AdamW (learningRate 0.001, beta1 0.9, beta2 0.999, epsilon 1e-7, weightDecay 0.004), a fresh one
 * per stage. train() applies its decoupled weight decay before each Adam step.
 *
 * Paper: Loshchilov, Hutter (2017). Decoupled Weight Decay Regularization. arXiv:1711.05101
 */
function makeOptimizer(learningRate: number): tf.Optimizer {
  return tf.train.adam(learningRate, 0.9, 0.999, 1e-7);
}

/** One batch through the model (training mode): the total loss, and each loss term and metric. */
type Batch = { total: tf.Scalar; values: Record<string, tf.Scalar> };

/** Runs the model on a batch and computes the loss 0.5·ce + 32·recon and the metrics. */
function objective(model: tf.LayersModel, x: tf.Tensor[], _y: tf.Tensor): Batch {
  const outputs = model.apply(x, { training: true }) as tf.Tensor | tf.Tensor[];
  const [input, labels, known, classifier, , dec2] = toList(outputs) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
  const ce = maskedSparseCategoricalCrossentropy(classifier, labels, known);
  const recon = meanSquaredError(dec2, input);
  let total: tf.Tensor = tf.mul(ce, 0.5);
  total = tf.add(total, tf.mul(recon, 32));
  return { total: total as tf.Scalar, values: { ce, recon } };
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
 * Trains a model from buildModel() as the graph configures it: AdamW (learningRate 0.001, beta1
 * 0.9, beta2 0.999, epsilon 1e-7, weightDecay 0.004), batches of 128 in the order Netwright's
 * trainer uses for seed 1, 40 epochs. The graph trains on Netwright's 'digits8' dataset { flat:
 * true }: pass the same data as tensors. Its binding declares transforms [{ type: 'standardize' },
 * { type: 'hideClasses', classes: [5, 6, 7, 8, 9], keepRows: true }]: Netwright applies them when
 * it loads and feeds the data (augment on training batches only); do the same to the tensors you
 * pass.
 *
 * Resolves to a report per epoch; a non-finite loss stops training with an error.
 */
export async function train(
  model: tf.LayersModel,
  data: TrainData,
  opts: TrainOptions = {},
): Promise<EpochReport[]> {
  const batchSize = opts.batchSize ?? 128;
  const shuffle = createShuffler(opts.seed ?? 1);
  const count = data.y.shape[0]!;
  const stages = STAGES.map((s) => (STAGES.length === 1 ? { ...s, epochs: opts.epochs ?? s.epochs } : s));
  const history: EpochReport[] = [];
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
          const batch = objective(model, x, y);
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
        // Decoupled weight decay (AdamW): w ← w·(1 − lr·λ), λ = 0.004, before the Adam step.
        tf.tidy(() => {
          for (const v of vars) v.assign(tf.mul(v, 1 - stage.learningRate * 0.004));
        });
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
  return history;
}
