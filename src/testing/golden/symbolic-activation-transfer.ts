// Symbolic activation transfer (light MLP): a tfjs model exported by Netwright. Standalone: it
// needs only @tensorflow/tfjs.
// buildModel() builds the model, train(model, data) trains it as the graph configures it.
// Compile with tsc --strict --skipLibCheck (tfjs's own type declarations fail the lib check).
import * as tf from '@tensorflow/tfjs';

/** tfjs hands a layer (and a model returns) one tensor or a list of them. */
function toList(x: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
  return Array.isArray(x) ? x : [x];
}

/**
 * Which traced variant of a kernel layer serves these params and input shapes (batch ignored).
 * Strings compare camel-cased: tfjs camel-cases them when it loads a saved model ('a_b' → 'aB').
 */
function variantOf(
  variants: string[],
  params: tf.serialization.ConfigDict,
  inputShape: tf.Shape | tf.Shape[],
  layer: string,
): number {
  const shapes = (Array.isArray(inputShape[0]) ? inputShape : [inputShape]) as tf.Shape[];
  const camel = (_k: string, v: unknown) =>
    typeof v === 'string' ? v.replace(/_+(\w|$)/g, (_m, c: string) => c.toUpperCase()) : v;
  const key = JSON.stringify([params, shapes.map((s) => s.slice(1))], camel);
  const i = variants.indexOf(key);
  if (i < 0) throw new Error(`${layer}: this export has no code for ${key}`);
  return i;
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

/** Constructor arguments of the kernel layers; getConfig() returns them (as Netwright saves them). */
export interface KernelLayerArgs {
  name?: string;
  trainable?: boolean;
  params?: tf.serialization.ConfigDict;
  seed?: number;
}

/**
 * Symbolic activation (activations.symbolic): y = f(x) with X<i> → x; protected: sqrt(u) = √(|u| +
 * 1e-6), log(u) = ln|u| if |u| > 1e-6 else 0; functions add sub mul div sin cos tan abs neg sqrt
 * log max min (infix also accepted)
 *
 * Paper: Hajbi (2026). Neuro-Symbolic Activation Discovery: Transferring Mathematical Structures
 * from Physics to Ecology. arXiv:2601.10740
 *
 * The node's kernel traced into tfjs, registered as 'NetwrightActivationsSymbolic' like the
 * Netwright app's class, so models the app saves load with this one.
 */
export class Symbolic extends tf.layers.Layer {
  static className = 'NetwrightActivationsSymbolic';
  readonly params: tf.serialization.ConfigDict;
  readonly seed: number;
  // One traced variant per use in the graph: params, input shapes without the batch.
  private static readonly variants = [
    '[{"formula":"mul(cos(X3), X7)"},[[64]]]',
    '[{"formula":"mul(cos(X3), X7)"},[[32]]]',
  ];
  private variant = 0;

  constructor(args: KernelLayerArgs) {
    super(args);
    this.params = args.params ?? {};
    this.seed = args.seed ?? 0;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    this.variant = variantOf(Symbolic.variants, this.params, inputShape, this.name);
    this.built = true;
  }

  override computeOutputShape(): tf.Shape {
    const shapes: tf.Shape[] = [
      [null, 64],
      [null, 32],
    ];
    return shapes[this.variant]!;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      if (this.variant === 0) {
        // params { formula: 'mul(cos(X3), X7)' } and input shapes [null, 64]
        const [x] = toList(inputs) as [tf.Tensor];
        return tf.mul(tf.cos(x), x);
      }
      // params { formula: 'mul(cos(X3), X7)' } and input shapes [null, 32]
      const [x] = toList(inputs) as [tf.Tensor];
      return tf.mul(tf.cos(x), x);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      kernelType: 'activations.symbolic',
      params: this.params,
      seed: this.seed,
    };
  }
}
tf.serialization.registerClass(Symbolic);

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
  // One traced variant per use in the graph: params, input shapes without the batch.
  private static readonly variants = [
    '[{"rate":0.3},[[64]]]',
    '[{"rate":0.3},[[32]]]',
  ];
  private variant = 0;
  // Random draws so far (dropout masks): each is seeded from seed and its number, as in the app.
  private draws = 0;

  constructor(args: KernelLayerArgs) {
    super(args);
    this.params = args.params ?? {};
    this.seed = args.seed ?? 0;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    this.variant = variantOf(Dropout.variants, this.params, inputShape, this.name);
    this.built = true;
  }

  override computeOutputShape(): tf.Shape {
    const shapes: tf.Shape[] = [
      [null, 64],
      [null, 32],
    ];
    return shapes[this.variant]!;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    return tf.tidy(() => {
      if (this.variant === 0) {
        // params { rate: 0.3 } and input shapes [null, 64]
        if (kwargs.training === true) {
          const [x] = toList(inputs) as [tf.Tensor];
          const randomUniform = tf.randomUniform(
            [x.shape[0]!, 64],
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
      }
      // params { rate: 0.3 } and input shapes [null, 32]
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
  const input = tf.input({ shape: [64], name: 'input' });
  const dense1 = tf.layers
    .dense({
      name: 'dense1',
      units: 64,
      activation: 'linear',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 3654889730 }),
    })
    .apply(input) as tf.SymbolicTensor;
  // BatchNormalization: Sergey Ioffe, Christian Szegedy (2015). Batch Normalization: Accelerating
  // Deep Network Training by Reducing Internal Covariate Shift. arXiv:1502.03167
  const bn1 = tf.layers
    .batchNormalization({ name: 'bn1', axis: -1, momentum: 0.99, epsilon: 0.001, center: true, scale: true })
    .apply(dense1) as tf.SymbolicTensor;
  const act1 = new Symbolic({
    name: 'act1',
    params: { formula: 'mul(cos(X3), X7)' },
    seed: 99345085,
  }).apply(bn1) as tf.SymbolicTensor;
  const drop1 = new Dropout({
    name: 'drop1',
    params: { rate: 0.3 },
    seed: 3432922998,
  }).apply(act1) as tf.SymbolicTensor;
  const dense2 = tf.layers
    .dense({
      name: 'dense2',
      units: 32,
      activation: 'linear',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 3671667349 }),
    })
    .apply(drop1) as tf.SymbolicTensor;
  // BatchNormalization: Sergey Ioffe, Christian Szegedy (2015). Batch Normalization: Accelerating
  // Deep Network Training by Reducing Internal Covariate Shift. arXiv:1502.03167
  const bn2 = tf.layers
    .batchNormalization({ name: 'bn2', axis: -1, momentum: 0.99, epsilon: 0.001, center: true, scale: true })
    .apply(dense2) as tf.SymbolicTensor;
  const act2 = new Symbolic({
    name: 'act2',
    params: { formula: 'mul(cos(X3), X7)' },
    seed: 82567466,
  }).apply(bn2) as tf.SymbolicTensor;
  const drop2 = new Dropout({
    name: 'drop2',
    params: { rate: 0.3 },
    seed: 3449700617,
  }).apply(act2) as tf.SymbolicTensor;
  const output = tf.layers
    .dense({
      name: 'output',
      units: 10,
      activation: 'softmax',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 2041146867 }),
    })
    .apply(drop2) as tf.SymbolicTensor;
  return tf.model({ inputs: [input], outputs: [output], name: 'Symbolic_activation_transfer_light_MLP' });
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

const STAGES: Stage[] = [{ name: 'train', epochs: 2, learningRate: 0.01 }];

/**
 * Adam (learningRate 0.01, beta1 0.9, beta2 0.999, epsilon 1e-7), a fresh one per stage.
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
 * Trains a model from buildModel() as the graph configures it: Adam (learningRate 0.01, beta1 0.9,
 * beta2 0.999, epsilon 1e-7), batches of 128 in the order Netwright's trainer uses for seed 1, 2
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
