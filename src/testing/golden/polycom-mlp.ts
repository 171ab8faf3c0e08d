// PolyCom MLP (PolyNorm): a tfjs model exported by Netwright. Standalone: it needs only
// @tensorflow/tfjs.
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

/** Constructor arguments of the kernel layers; getConfig() returns them (as Netwright saves them). */
export interface KernelLayerArgs {
  name?: string;
  trainable?: boolean;
  params?: tf.serialization.ConfigDict;
  seed?: number;
}

/**
 * PolyNorm (activations.polyNorm): y = Σ_{i=1..r} w_{r−i}·N(x^i) + b, N(u) = u / √(mean_last(u²) +
 * ε); r = 3: w₀·N(x³) + w₁·N(x²) + w₂·N(x) + b, w init 1/r, b init 0, ε = 1e-6
 *
 * Paper: Zhijian Zhuo, Ya Wang, Yutao Zeng, Xiaoqing Li, Xun Zhou, Jinwen Ma (2025). Polynomial
 * Composition Activations: Unleashing the Dynamics of Large Language Models. arXiv:2411.03884
 *
 * The node's kernel traced into tfjs, registered as 'NetwrightActivationsPolyNorm' like the
 * Netwright app's class, so models the app saves load with this one.
 */
export class PolyNorm extends tf.layers.Layer {
  static className = 'NetwrightActivationsPolyNorm';
  readonly params: tf.serialization.ConfigDict;
  readonly seed: number;
  private w!: { w0: tf.LayerVariable; w1: tf.LayerVariable; w2: tf.LayerVariable; b: tf.LayerVariable };

  constructor(args: KernelLayerArgs) {
    super(args);
    this.params = args.params ?? {};
    this.seed = args.seed ?? 0;
  }

  override build(): void {
    this.w = {
      w0: this.addWeight(
        'w0',
        [1],
        'float32',
        tf.initializers.constant({ value: 0.3333333333333333 }),
        undefined,
        true,
      ),
      w1: this.addWeight(
        'w1',
        [1],
        'float32',
        tf.initializers.constant({ value: 0.3333333333333333 }),
        undefined,
        true,
      ),
      w2: this.addWeight(
        'w2',
        [1],
        'float32',
        tf.initializers.constant({ value: 0.3333333333333333 }),
        undefined,
        true,
      ),
      b: this.addWeight('b', [1], 'float32', tf.initializers.zeros(), undefined, true),
    };
    this.built = true;
  }

  override computeOutputShape(): tf.Shape {
    return [null, 128];
  }

  // Traced for params { order: 3, epsilon: 0.000001 } and input shapes [null, 128].
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [x] = toList(inputs) as [tf.Tensor];
      const w0 = this.w.w0.read();
      const w1 = this.w.w1.read();
      const w2 = this.w.w2.read();
      const b = this.w.b.read();
      const mul = tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), [1], true), tf.scalar(0.000001))));
      const mul2 = tf.mul(x, x);
      const mul3 = tf.mul(mul2, tf.rsqrt(tf.add(tf.mean(tf.square(mul2), [1], true), tf.scalar(0.000001))));
      const mul4 = tf.mul(mul2, x);
      const rsqrt = tf.rsqrt(tf.add(tf.mean(tf.square(mul4), [1], true), tf.scalar(0.000001)));
      return tf.add(tf.add(tf.add(tf.mul(w2, mul), tf.mul(w1, mul3)), tf.mul(w0, tf.mul(mul4, rsqrt))), b);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      kernelType: 'activations.polyNorm',
      params: this.params,
      seed: this.seed,
    };
  }
}
tf.serialization.registerClass(PolyNorm);

/**
 * The model: one tfjs layer per graph node, named after the node, with the initial weights
 * Netwright gives it (seed 1).
 */
export function buildModel(): tf.LayersModel {
  const input = tf.input({ shape: [64], name: 'input' });
  // LayerNormalization: Jimmy Lei Ba, Jamie Ryan Kiros, Geoffrey E. Hinton (2016). Layer
  // Normalization. arXiv:1607.06450
  const norm1 = tf.layers
    .layerNormalization({ name: 'norm1', axis: -1, epsilon: 0.001, center: true, scale: true })
    .apply(input) as tf.SymbolicTensor;
  const dense1 = tf.layers
    .dense({
      name: 'dense1',
      units: 128,
      activation: 'linear',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 3654889730 }),
    })
    .apply(norm1) as tf.SymbolicTensor;
  const act1 = new PolyNorm({
    name: 'act1',
    params: { order: 3, epsilon: 0.000001 },
    seed: 99345085,
  }).apply(dense1) as tf.SymbolicTensor;
  // LayerNormalization: Jimmy Lei Ba, Jamie Ryan Kiros, Geoffrey E. Hinton (2016). Layer
  // Normalization. arXiv:1607.06450
  const norm2 = tf.layers
    .layerNormalization({ name: 'norm2', axis: -1, epsilon: 0.001, center: true, scale: true })
    .apply(act1) as tf.SymbolicTensor;
  const dense2 = tf.layers
    .dense({
      name: 'dense2',
      units: 128,
      activation: 'linear',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 3671667349 }),
    })
    .apply(norm2) as tf.SymbolicTensor;
  const act2 = new PolyNorm({
    name: 'act2',
    params: { order: 3, epsilon: 0.000001 },
    seed: 82567466,
  }).apply(dense2) as tf.SymbolicTensor;
  const output = tf.layers
    .dense({
      name: 'output',
      units: 10,
      activation: 'softmax',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 2041146867 }),
    })
    .apply(act2) as tf.SymbolicTensor;
  return tf.model({ inputs: [input], outputs: [output], name: 'PolyCom_MLP_PolyNorm' });
}

/**
 * Categorical cross-entropy (losses.categoricalCrossentropy): L = −mean_b Σ_c t_bc · log p_bc, p =
 * softmax(z) when fromLogits
 *
 * Traced for { fromLogits: false, labelSmoothing: 0 }.
 */
function categoricalCrossentropy(pred: tf.Tensor, target: tf.Tensor): tf.Scalar {
  const log = tf.log(tf.clipByValue(tf.div(pred, tf.sum(pred, [-1], true)), 1e-7, 0.9999999));
  return tf.neg(tf.mean(tf.sum(tf.mul(target, log), [-1]))) as tf.Scalar;
}

/** Accuracy (metrics.accuracy): acc = mean_b [argmax_c p_bc = t_b] */
function accuracy(pred: tf.Tensor, target: tf.Tensor): tf.Scalar {
  const cast = tf.cast(tf.reshape(target, [-1]), 'int32');
  return tf.mean(tf.cast(tf.equal(tf.argMax(pred, -1), cast), 'float32')) as tf.Scalar;
}

/** Training data: features [N, 64], and class indices [N] (int32). */
export interface TrainData {
  x: tf.Tensor;
  y: tf.Tensor;
}

export interface TrainOptions {
  /** Epochs (default: the graph's 2). */
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

const STAGES: Stage[] = [{ name: 'train', epochs: 2, learningRate: 0.001 }];

/**
 * Adam (learningRate 0.001, beta1 0.9, beta2 0.999, epsilon 1e-7), a fresh one per stage.
 *
 * Paper: Kingma, Ba (2014). Adam: A Method for Stochastic Optimization. arXiv:1412.6980
 */
function makeOptimizer(learningRate: number): tf.Optimizer {
  return tf.train.adam(learningRate, 0.9, 0.999, 1e-7);
}

/** One batch through the model (training mode): the total loss, and each loss term and metric. */
type Batch = { total: tf.Scalar; values: Record<string, tf.Scalar> };

/** Runs the model on a batch and computes the loss and the metrics. */
function objective(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor): Batch {
  const [output] = toList(model.apply(x, { training: true }) as tf.Tensor | tf.Tensor[]) as [tf.Tensor];
  const onehot = oneHot(y, 10);
  const loss = categoricalCrossentropy(output, onehot);
  return { total: loss, values: { loss, accuracy: accuracy(output, y) } };
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
 * Trains a model from buildModel() as the graph configures it: Adam (learningRate 0.001, beta1 0.9,
 * beta2 0.999, epsilon 1e-7), batches of 32 in the order Netwright's trainer uses for seed 1, 2
 * epochs. The graph trains on Netwright's 'digits8' dataset { flat: true }: pass the same data as
 * tensors.
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
  for (const stage of stages) {
    const vars = trainableVariables(model);
    const optimizer = makeOptimizer(stage.learningRate);
    for (let e = 0; e < stage.epochs; e++) {
      const order = shuffle(count);
      const sums: Record<string, number> = {};
      let lossSum = 0;
      for (let start = 0; start < count; start += batchSize) {
        const idx = tf.tensor1d(order.slice(start, start + batchSize), 'int32');
        const x = tf.gather(data.x, idx);
        const y = tf.gather(data.y, idx);
        let kept: Record<string, tf.Scalar> = {};
        const { value, grads } = tf.variableGrads(() => {
          const batch = objective(model, x, y);
          kept = Object.fromEntries(Object.entries(batch.values).map(([k, v]) => [k, tf.keep(v)]));
          return batch.total;
        }, vars);
        const stacked = tf.stack([value, ...Object.values(kept)]);
        const [loss, ...rest] = Array.from(await stacked.data());
        tf.dispose([stacked, value, ...Object.values(kept), idx, x, y]);
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
  return history;
}
