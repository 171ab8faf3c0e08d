// CRReLU vs ReLU (deep narrow MLP): a tfjs model exported by Netwright. Standalone: it needs only
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
 * CRReLU (activations.crrelu): y = max(0, x) + ε·x·exp(−x²/2), ε one learnable scalar (init 0.01)
 *
 * Paper: Haoyuan Sun, Zihao Wu, Bo Xia, Pu Chang, Zibin Dong, Yifu Yuan, Yongzhe Chang, Xueqian
 * Wang (2024). A Method on Searching Better Activation Functions. arXiv:2405.12954
 *
 * The node's kernel traced into tfjs, registered as 'NetwrightActivationsCrrelu' like the Netwright
 * app's class, so models the app saves load with this one.
 */
export class Crrelu extends tf.layers.Layer {
  static className = 'NetwrightActivationsCrrelu';
  readonly params: tf.serialization.ConfigDict;
  readonly seed: number;
  private w!: { epsilon: tf.LayerVariable };

  constructor(args: KernelLayerArgs) {
    super(args);
    this.params = args.params ?? {};
    this.seed = args.seed ?? 0;
  }

  override build(): void {
    this.w = {
      epsilon: this.addWeight(
        'epsilon',
        [1],
        'float32',
        tf.initializers.constant({ value: 0.01 }),
        undefined,
        true,
      ),
    };
    this.built = true;
  }

  override computeOutputShape(): tf.Shape {
    return [null, 16];
  }

  // Traced for params { epsilon: 0.01, learnable: true } and input shapes [null, 16].
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [x] = toList(inputs) as [tf.Tensor];
      const epsilon = this.w.epsilon.read();
      return tf.add(tf.relu(x), tf.mul(tf.mul(epsilon, x), tf.exp(tf.mul(tf.square(x), tf.scalar(-0.5)))));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      kernelType: 'activations.crrelu',
      params: this.params,
      seed: this.seed,
    };
  }
}
tf.serialization.registerClass(Crrelu);

/**
 * The model: one tfjs layer per graph node, named after the node, with the initial weights
 * Netwright gives it (seed 1).
 */
export function buildModel(): tf.LayersModel {
  const input = tf.input({ shape: [2], name: 'input' });
  const dense1 = tf.layers
    .dense({
      name: 'dense1',
      units: 16,
      activation: 'linear',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 3654889730 }),
    })
    .apply(input) as tf.SymbolicTensor;
  const act1 = new Crrelu({
    name: 'act1',
    params: { epsilon: 0.01, learnable: true },
    seed: 99345085,
  }).apply(dense1) as tf.SymbolicTensor;
  const dense2 = tf.layers
    .dense({
      name: 'dense2',
      units: 16,
      activation: 'linear',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 3671667349 }),
    })
    .apply(act1) as tf.SymbolicTensor;
  const act2 = new Crrelu({
    name: 'act2',
    params: { epsilon: 0.01, learnable: true },
    seed: 82567466,
  }).apply(dense2) as tf.SymbolicTensor;
  const dense3 = tf.layers
    .dense({
      name: 'dense3',
      units: 16,
      activation: 'linear',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 3688444968 }),
    })
    .apply(act2) as tf.SymbolicTensor;
  const act3 = new Crrelu({
    name: 'act3',
    params: { epsilon: 0.01, learnable: true },
    seed: 65789847,
  }).apply(dense3) as tf.SymbolicTensor;
  const dense4 = tf.layers
    .dense({
      name: 'dense4',
      units: 16,
      activation: 'linear',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 3705222587 }),
    })
    .apply(act3) as tf.SymbolicTensor;
  const act4 = new Crrelu({
    name: 'act4',
    params: { epsilon: 0.01, learnable: true },
    seed: 183233180,
  }).apply(dense4) as tf.SymbolicTensor;
  const dense5 = tf.layers
    .dense({
      name: 'dense5',
      units: 16,
      activation: 'linear',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 3722000206 }),
    })
    .apply(act4) as tf.SymbolicTensor;
  const act5 = new Crrelu({
    name: 'act5',
    params: { epsilon: 0.01, learnable: true },
    seed: 166455561,
  }).apply(dense5) as tf.SymbolicTensor;
  const dense6 = tf.layers
    .dense({
      name: 'dense6',
      units: 16,
      activation: 'linear',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 3738777825 }),
    })
    .apply(act5) as tf.SymbolicTensor;
  const act6 = new Crrelu({
    name: 'act6',
    params: { epsilon: 0.01, learnable: true },
    seed: 149677942,
  }).apply(dense6) as tf.SymbolicTensor;
  const dense7 = tf.layers
    .dense({
      name: 'dense7',
      units: 16,
      activation: 'linear',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 3755555444 }),
    })
    .apply(act6) as tf.SymbolicTensor;
  const act7 = new Crrelu({
    name: 'act7',
    params: { epsilon: 0.01, learnable: true },
    seed: 132900323,
  }).apply(dense7) as tf.SymbolicTensor;
  const dense8 = tf.layers
    .dense({
      name: 'dense8',
      units: 16,
      activation: 'linear',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 3772333063 }),
    })
    .apply(act7) as tf.SymbolicTensor;
  const act8 = new Crrelu({
    name: 'act8',
    params: { epsilon: 0.01, learnable: true },
    seed: 4276869048,
  }).apply(dense8) as tf.SymbolicTensor;
  const output = tf.layers
    .dense({
      name: 'output',
      units: 2,
      activation: 'softmax',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 2041146867 }),
    })
    .apply(act8) as tf.SymbolicTensor;
  return tf.model({ inputs: [input], outputs: [output], name: 'CRReLU_vs_ReLU_deep_narrow_MLP' });
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

/** Training data: features [N, 2], and class indices [N] (int32). */
export interface TrainData {
  x: tf.Tensor;
  y: tf.Tensor;
}

export interface TrainOptions {
  /** Epochs (default: the graph's 2). */
  epochs?: number;
  /** Default 100. */
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

const STAGES: Stage[] = [{ name: 'train', epochs: 2, learningRate: 0.003 }];

/**
 * Adam (learningRate 0.003, beta1 0.9, beta2 0.999, epsilon 1e-7), a fresh one per stage.
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
  const onehot = oneHot(y, 2);
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
 * Trains a model from buildModel() as the graph configures it: Adam (learningRate 0.003, beta1 0.9,
 * beta2 0.999, epsilon 1e-7), batches of 100 in the order Netwright's trainer uses for seed 1, 2
 * epochs. The graph trains on Netwright's 'spirals' dataset { samplesPerClass: 500, noise: 0.05,
 * turns: 3 }: pass the same data as tensors.
 *
 * Resolves to a report per epoch; a non-finite loss stops training with an error.
 */
export async function train(
  model: tf.LayersModel,
  data: TrainData,
  opts: TrainOptions = {},
): Promise<EpochReport[]> {
  const batchSize = opts.batchSize ?? 100;
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
