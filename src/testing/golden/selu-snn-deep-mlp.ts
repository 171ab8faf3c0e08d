// Self-normalizing deep MLP (SELU): a tfjs model exported by Netwright. Standalone: it needs only
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
 * AlphaDropout (layers.alphaDropout): training: y = a·(x⊙m + α′·(1 − m)) + b, m ~ Bernoulli(q), q =
 * 1 − rate, α′ = −λα = −1.7580993408473766, a = (q + α′²·q·(1 − q))^(−1/2), b = −a·(1 − q)·α′;
 * inference: y = x
 *
 * Paper: Klambauer, Unterthiner, Mayr, Hochreiter (2017). Self-Normalizing Neural Networks.
 * arXiv:1706.02515
 *
 * The node's kernel traced into tfjs, registered as 'NetwrightLayersAlphaDropout' like the
 * Netwright app's class, so models the app saves load with this one.
 */
export class AlphaDropout extends tf.layers.Layer {
  static className = 'NetwrightLayersAlphaDropout';
  readonly params: tf.serialization.ConfigDict;
  readonly seed: number;

  constructor(args: KernelLayerArgs) {
    super(args);
    this.params = args.params ?? {};
    this.seed = args.seed ?? 0;
  }

  override computeOutputShape(): tf.Shape {
    return [null, 64];
  }

  // Traced for params { rate: 0 } and input shapes [null, 64].
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [x] = toList(inputs) as [tf.Tensor];
      return x;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      kernelType: 'layers.alphaDropout',
      params: this.params,
      seed: this.seed,
    };
  }
}
tf.serialization.registerClass(AlphaDropout);

/**
 * The model: one tfjs layer per graph node, named after the node, with the initial weights
 * Netwright gives it (seed 1).
 */
export function buildModel(): tf.LayersModel {
  const input = tf.input({ shape: [64], name: 'input' });
  const dense1 = tf.layers
    .dense({
      name: 'dense1',
      units: 64,
      activation: 'selu',
      useBias: true,
      kernelInitializer: tf.initializers.varianceScaling({
        scale: 1.2924216342232246,
        mode: 'fanIn',
        distribution: 'normal',
        seed: 3654889730,
      }),
    })
    .apply(input) as tf.SymbolicTensor;
  const drop1 = new AlphaDropout({
    name: 'drop1',
    params: { rate: 0 },
    seed: 3432922998,
  }).apply(dense1) as tf.SymbolicTensor;
  const dense2 = tf.layers
    .dense({
      name: 'dense2',
      units: 64,
      activation: 'selu',
      useBias: true,
      kernelInitializer: tf.initializers.varianceScaling({
        scale: 1.2924216342232246,
        mode: 'fanIn',
        distribution: 'normal',
        seed: 3671667349,
      }),
    })
    .apply(drop1) as tf.SymbolicTensor;
  const drop2 = new AlphaDropout({
    name: 'drop2',
    params: { rate: 0 },
    seed: 3449700617,
  }).apply(dense2) as tf.SymbolicTensor;
  const dense3 = tf.layers
    .dense({
      name: 'dense3',
      units: 64,
      activation: 'selu',
      useBias: true,
      kernelInitializer: tf.initializers.varianceScaling({
        scale: 1.2924216342232246,
        mode: 'fanIn',
        distribution: 'normal',
        seed: 3688444968,
      }),
    })
    .apply(drop2) as tf.SymbolicTensor;
  const drop3 = new AlphaDropout({
    name: 'drop3',
    params: { rate: 0 },
    seed: 3466478236,
  }).apply(dense3) as tf.SymbolicTensor;
  const dense4 = tf.layers
    .dense({
      name: 'dense4',
      units: 64,
      activation: 'selu',
      useBias: true,
      kernelInitializer: tf.initializers.varianceScaling({
        scale: 1.2924216342232246,
        mode: 'fanIn',
        distribution: 'normal',
        seed: 3705222587,
      }),
    })
    .apply(drop3) as tf.SymbolicTensor;
  const drop4 = new AlphaDropout({
    name: 'drop4',
    params: { rate: 0 },
    seed: 3349034903,
  }).apply(dense4) as tf.SymbolicTensor;
  const dense5 = tf.layers
    .dense({
      name: 'dense5',
      units: 64,
      activation: 'selu',
      useBias: true,
      kernelInitializer: tf.initializers.varianceScaling({
        scale: 1.2924216342232246,
        mode: 'fanIn',
        distribution: 'normal',
        seed: 3722000206,
      }),
    })
    .apply(drop4) as tf.SymbolicTensor;
  const drop5 = new AlphaDropout({
    name: 'drop5',
    params: { rate: 0 },
    seed: 3365812522,
  }).apply(dense5) as tf.SymbolicTensor;
  const dense6 = tf.layers
    .dense({
      name: 'dense6',
      units: 64,
      activation: 'selu',
      useBias: true,
      kernelInitializer: tf.initializers.varianceScaling({
        scale: 1.2924216342232246,
        mode: 'fanIn',
        distribution: 'normal',
        seed: 3738777825,
      }),
    })
    .apply(drop5) as tf.SymbolicTensor;
  const drop6 = new AlphaDropout({
    name: 'drop6',
    params: { rate: 0 },
    seed: 3382590141,
  }).apply(dense6) as tf.SymbolicTensor;
  const dense7 = tf.layers
    .dense({
      name: 'dense7',
      units: 64,
      activation: 'selu',
      useBias: true,
      kernelInitializer: tf.initializers.varianceScaling({
        scale: 1.2924216342232246,
        mode: 'fanIn',
        distribution: 'normal',
        seed: 3755555444,
      }),
    })
    .apply(drop6) as tf.SymbolicTensor;
  const drop7 = new AlphaDropout({
    name: 'drop7',
    params: { rate: 0 },
    seed: 3399367760,
  }).apply(dense7) as tf.SymbolicTensor;
  const dense8 = tf.layers
    .dense({
      name: 'dense8',
      units: 64,
      activation: 'selu',
      useBias: true,
      kernelInitializer: tf.initializers.varianceScaling({
        scale: 1.2924216342232246,
        mode: 'fanIn',
        distribution: 'normal',
        seed: 3772333063,
      }),
    })
    .apply(drop7) as tf.SymbolicTensor;
  const drop8 = new AlphaDropout({
    name: 'drop8',
    params: { rate: 0 },
    seed: 3281924427,
  }).apply(dense8) as tf.SymbolicTensor;
  const dense9 = tf.layers
    .dense({
      name: 'dense9',
      units: 64,
      activation: 'selu',
      useBias: true,
      kernelInitializer: tf.initializers.varianceScaling({
        scale: 1.2924216342232246,
        mode: 'fanIn',
        distribution: 'normal',
        seed: 3789110682,
      }),
    })
    .apply(drop8) as tf.SymbolicTensor;
  const drop9 = new AlphaDropout({
    name: 'drop9',
    params: { rate: 0 },
    seed: 3298702046,
  }).apply(dense9) as tf.SymbolicTensor;
  const dense10 = tf.layers
    .dense({
      name: 'dense10',
      units: 64,
      activation: 'selu',
      useBias: true,
      kernelInitializer: tf.initializers.varianceScaling({
        scale: 1.2924216342232246,
        mode: 'fanIn',
        distribution: 'normal',
        seed: 330804232,
      }),
    })
    .apply(drop9) as tf.SymbolicTensor;
  const drop10 = new AlphaDropout({
    name: 'drop10',
    params: { rate: 0 },
    seed: 3555565316,
  }).apply(dense10) as tf.SymbolicTensor;
  const dense11 = tf.layers
    .dense({
      name: 'dense11',
      units: 64,
      activation: 'selu',
      useBias: true,
      kernelInitializer: tf.initializers.varianceScaling({
        scale: 1.2924216342232246,
        mode: 'fanIn',
        distribution: 'normal',
        seed: 314026613,
      }),
    })
    .apply(drop10) as tf.SymbolicTensor;
  const drop11 = new AlphaDropout({
    name: 'drop11',
    params: { rate: 0 },
    seed: 3538787697,
  }).apply(dense11) as tf.SymbolicTensor;
  const dense12 = tf.layers
    .dense({
      name: 'dense12',
      units: 64,
      activation: 'selu',
      useBias: true,
      kernelInitializer: tf.initializers.varianceScaling({
        scale: 1.2924216342232246,
        mode: 'fanIn',
        distribution: 'normal',
        seed: 297248994,
      }),
    })
    .apply(drop11) as tf.SymbolicTensor;
  const drop12 = new AlphaDropout({
    name: 'drop12',
    params: { rate: 0 },
    seed: 3522010078,
  }).apply(dense12) as tf.SymbolicTensor;
  const dense13 = tf.layers
    .dense({
      name: 'dense13',
      units: 64,
      activation: 'selu',
      useBias: true,
      kernelInitializer: tf.initializers.varianceScaling({
        scale: 1.2924216342232246,
        mode: 'fanIn',
        distribution: 'normal',
        seed: 280471375,
      }),
    })
    .apply(drop12) as tf.SymbolicTensor;
  const drop13 = new AlphaDropout({
    name: 'drop13',
    params: { rate: 0 },
    seed: 3505232459,
  }).apply(dense13) as tf.SymbolicTensor;
  const dense14 = tf.layers
    .dense({
      name: 'dense14',
      units: 64,
      activation: 'selu',
      useBias: true,
      kernelInitializer: tf.initializers.varianceScaling({
        scale: 1.2924216342232246,
        mode: 'fanIn',
        distribution: 'normal',
        seed: 397914708,
      }),
    })
    .apply(drop13) as tf.SymbolicTensor;
  const drop14 = new AlphaDropout({
    name: 'drop14',
    params: { rate: 0 },
    seed: 3488454840,
  }).apply(dense14) as tf.SymbolicTensor;
  const dense15 = tf.layers
    .dense({
      name: 'dense15',
      units: 64,
      activation: 'selu',
      useBias: true,
      kernelInitializer: tf.initializers.varianceScaling({
        scale: 1.2924216342232246,
        mode: 'fanIn',
        distribution: 'normal',
        seed: 381137089,
      }),
    })
    .apply(drop14) as tf.SymbolicTensor;
  const drop15 = new AlphaDropout({
    name: 'drop15',
    params: { rate: 0 },
    seed: 3471677221,
  }).apply(dense15) as tf.SymbolicTensor;
  const dense16 = tf.layers
    .dense({
      name: 'dense16',
      units: 64,
      activation: 'selu',
      useBias: true,
      kernelInitializer: tf.initializers.varianceScaling({
        scale: 1.2924216342232246,
        mode: 'fanIn',
        distribution: 'normal',
        seed: 364359470,
      }),
    })
    .apply(drop15) as tf.SymbolicTensor;
  const drop16 = new AlphaDropout({
    name: 'drop16',
    params: { rate: 0 },
    seed: 3454899602,
  }).apply(dense16) as tf.SymbolicTensor;
  const output = tf.layers
    .dense({
      name: 'output',
      units: 10,
      activation: 'softmax',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 2041146867 }),
    })
    .apply(drop16) as tf.SymbolicTensor;
  return tf.model({ inputs: [input], outputs: [output], name: 'Self_normalizing_deep_MLP_SELU' });
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
  /** Default 64. */
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
 * beta2 0.999, epsilon 1e-7), batches of 64 in the order Netwright's trainer uses for seed 1, 2
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
  const batchSize = opts.batchSize ?? 64;
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
