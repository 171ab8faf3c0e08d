// EvoNorm-S0 from primitives: a tfjs model exported by Netwright. Standalone: it needs only
// @tensorflow/tfjs.
// buildModel() builds the model, train(model, data) trains it as the graph configures it.
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

/** Constructor arguments of the kernel layers; getConfig() returns them (as Netwright saves them). */
export interface KernelLayerArgs {
  name?: string;
  trainable?: boolean;
  params?: tf.serialization.ConfigDict;
  seed?: number;
}

/**
 * Learnable parameter (primitives.parameter): y = w, w: [1, …, 1] (scalar) or [1, …, 1, C] (per
 * channel), initialised to `init`
 *
 * The node's kernel traced into tfjs, registered as 'NetwrightPrimitivesParameter' like the
 * Netwright app's class, so models the app saves load with this one.
 */
export class Parameter extends tf.layers.Layer {
  static className = 'NetwrightPrimitivesParameter';
  readonly params: tf.serialization.ConfigDict;
  readonly seed: number;
  // One traced variant per use in the graph: params, input shapes without the batch.
  private static readonly variants = [
    '[{"shape":"channel","init":1,"initializer":"constant"},[[8,8,8]]]',
    '[{"shape":"channel","init":0,"initializer":"constant"},[[8,8,8]]]',
  ];
  private variant = 0;
  private w!: { w: tf.LayerVariable };

  constructor(args: KernelLayerArgs) {
    super(args);
    this.params = args.params ?? {};
    this.seed = args.seed ?? 0;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    this.variant = variantOf(Parameter.variants, this.params, inputShape, this.name);
    if (this.variant === 0) {
      this.w = {
        w: this.addWeight('w', [8], 'float32', tf.initializers.constant({ value: 1 }), undefined, true),
      };
    }
    if (this.variant === 1) {
      this.w = {
        w: this.addWeight('w', [8], 'float32', tf.initializers.constant({ value: 0 }), undefined, true),
      };
    }
    this.built = true;
  }

  override computeOutputShape(): tf.Shape {
    const shapes: tf.Shape[] = [
      [1, 1, 1, 8],
      [1, 1, 1, 8],
    ];
    return shapes[this.variant]!;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      if (this.variant === 0) {
        // params { shape: 'channel', init: 1, initializer: 'constant' } and input shapes [null, 8,
        // 8, 8]
        const [x] = toList(inputs) as [tf.Tensor];
        const w = this.w.w.read();
        return tf.add(tf.reshape(w, [1, 1, 1, 8]), tf.mul(tf.scalar(0), tf.mean(tf.clipByValue(x, -1, 1))));
      }
      // params { shape: 'channel', init: 0, initializer: 'constant' } and input shapes [null, 8, 8,
      // 8]
      const [x] = toList(inputs) as [tf.Tensor];
      const w = this.w.w.read();
      return tf.add(tf.reshape(w, [1, 1, 1, 8]), tf.mul(tf.scalar(0), tf.mean(tf.clipByValue(x, -1, 1))));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      kernelType: 'primitives.parameter',
      params: this.params,
      seed: this.seed,
    };
  }
}
tf.serialization.registerClass(Parameter);

/**
 * Reduce / moments (primitives.reduce): batch: over (B, H, W) → [1,1,1,C]; instance: over (H, W) →
 * [B,1,1,C]; group: over (H, W, C/G) per group → [B,1,1,C]; layer: over (H, W, C) → [B,1,1,1];
 * variance = mean((x − mean)²) (biased), std = √(variance + ε)
 *
 * The node's kernel traced into tfjs, registered as 'NetwrightPrimitivesReduce' like the Netwright
 * app's class, so models the app saves load with this one.
 */
export class Reduce extends tf.layers.Layer {
  static className = 'NetwrightPrimitivesReduce';
  readonly params: tf.serialization.ConfigDict;
  readonly seed: number;

  constructor(args: KernelLayerArgs) {
    super(args);
    this.params = args.params ?? {};
    this.seed = args.seed ?? 0;
  }

  override computeOutputShape(): tf.Shape {
    return [null, 1, 1, 8];
  }

  // Traced for params { stat: 'std', over: 'group', groups: 2, epsilon: 0.00001 } and input shapes
  // [null, 8, 8, 8].
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [x] = toList(inputs) as [tf.Tensor];
      const reshape = tf.reshape(x, [x.shape[0]!, 8, 8, 2, 4]);
      const square = tf.square(tf.sub(reshape, tf.mean(reshape, [1, 2, 4], true)));
      const sqrt = tf.sqrt(tf.add(tf.mean(square, [1, 2, 4], true), tf.scalar(0.00001)));
      return tf.reshape(tf.mul(sqrt, tf.tensor([1, 1, 1, 1], [4], 'float32')), [x.shape[0]!, 1, 1, 8]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      kernelType: 'primitives.reduce',
      params: this.params,
      seed: this.seed,
    };
  }
}
tf.serialization.registerClass(Reduce);

/**
 * Binary op (primitives.binary): y = a ∘ b, ∘ ∈ {+, −, ·, /, max, min, ^}; b = constant when
 * unconnected
 *
 * The node's kernel traced into tfjs, registered as 'NetwrightPrimitivesBinary' like the Netwright
 * app's class, so models the app saves load with this one.
 */
export class Binary extends tf.layers.Layer {
  static className = 'NetwrightPrimitivesBinary';
  readonly params: tf.serialization.ConfigDict;
  readonly seed: number;
  // One traced variant per use in the graph: params, input shapes without the batch.
  private static readonly variants = [
    '[{"op":"mul","constant":1},[[8,8,8],[1,1,8]]]',
    '[{"op":"mul","constant":1},[[8,8,8],[8,8,8]]]',
    '[{"op":"div","constant":1},[[8,8,8],[1,1,8]]]',
    '[{"op":"add","constant":1},[[8,8,8],[1,1,8]]]',
  ];
  private variant = 0;

  constructor(args: KernelLayerArgs) {
    super(args);
    this.params = args.params ?? {};
    this.seed = args.seed ?? 0;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    this.variant = variantOf(Binary.variants, this.params, inputShape, this.name);
    this.built = true;
  }

  override computeOutputShape(): tf.Shape {
    const shapes: tf.Shape[] = [
      [null, 8, 8, 8],
      [null, 8, 8, 8],
      [null, 8, 8, 8],
      [null, 8, 8, 8],
    ];
    return shapes[this.variant]!;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      if (this.variant === 0) {
        // params { op: 'mul', constant: 1 } and input shapes [null, 8, 8, 8], [1, 1, 1, 8]
        const [a, b] = toList(inputs) as [tf.Tensor, tf.Tensor];
        return tf.mul(a, b);
      }
      if (this.variant === 1) {
        // params { op: 'mul', constant: 1 } and input shapes [null, 8, 8, 8], [null, 8, 8, 8]
        const [a, b] = toList(inputs) as [tf.Tensor, tf.Tensor];
        return tf.mul(a, b);
      }
      if (this.variant === 2) {
        // params { op: 'div', constant: 1 } and input shapes [null, 8, 8, 8], [null, 1, 1, 8]
        const [a, b] = toList(inputs) as [tf.Tensor, tf.Tensor];
        return tf.div(a, b);
      }
      // params { op: 'add', constant: 1 } and input shapes [null, 8, 8, 8], [1, 1, 1, 8]
      const [a, b] = toList(inputs) as [tf.Tensor, tf.Tensor];
      return tf.add(a, b);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      kernelType: 'primitives.binary',
      params: this.params,
      seed: this.seed,
    };
  }
}
tf.serialization.registerClass(Binary);

/**
 * Unary op (primitives.unary): y = f(x) elementwise; f ∈ {−x, |x|, eˣ, ln x, √x, 1/√x, x², sin x,
 * cos x, tanh x, σ(x), max(0, x), ln(1 + eˣ), erf x}
 *
 * The node's kernel traced into tfjs, registered as 'NetwrightPrimitivesUnary' like the Netwright
 * app's class, so models the app saves load with this one.
 */
export class Unary extends tf.layers.Layer {
  static className = 'NetwrightPrimitivesUnary';
  readonly params: tf.serialization.ConfigDict;
  readonly seed: number;

  constructor(args: KernelLayerArgs) {
    super(args);
    this.params = args.params ?? {};
    this.seed = args.seed ?? 0;
  }

  override computeOutputShape(): tf.Shape {
    return [null, 8, 8, 8];
  }

  // Traced for params { op: 'sigmoid' } and input shapes [null, 8, 8, 8].
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [x] = toList(inputs) as [tf.Tensor];
      return tf.sigmoid(x);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      kernelType: 'primitives.unary',
      params: this.params,
      seed: this.seed,
    };
  }
}
tf.serialization.registerClass(Unary);

/**
 * The model: one tfjs layer per graph node, named after the node, with the initial weights
 * Netwright gives it (seed 1).
 */
export function buildModel(): tf.LayersModel {
  const input = tf.input({ shape: [8, 8, 1], name: 'input' });
  const conv = tf.layers
    .conv2d({
      name: 'conv',
      filters: 8,
      kernelSize: [3, 3],
      strides: [1, 1],
      padding: 'same',
      dilationRate: [1, 1],
      activation: 'linear',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 3963650550 }),
    })
    .apply(input) as tf.SymbolicTensor;
  const v = new Parameter({
    name: 'v',
    params: { shape: 'channel', init: 1, initializer: 'constant' },
    seed: 4077674424,
  }).apply(conv) as tf.SymbolicTensor;
  const std = new Reduce({
    name: 'std',
    params: { stat: 'std', over: 'group', groups: 2, epsilon: 0.00001 },
    seed: 3091980481,
  }).apply(conv) as tf.SymbolicTensor;
  const gamma = new Parameter({
    name: 'gamma',
    params: { shape: 'channel', init: 1, initializer: 'constant' },
    seed: 3492360953,
  }).apply(conv) as tf.SymbolicTensor;
  const beta = new Parameter({
    name: 'beta',
    params: { shape: 'channel', init: 0, initializer: 'constant' },
    seed: 2944533430,
  }).apply(conv) as tf.SymbolicTensor;
  const vx = new Binary({
    name: 'vx',
    params: { op: 'mul', constant: 1 },
    seed: 1296692626,
  }).apply([conv, v]) as tf.SymbolicTensor;
  const gate = new Unary({
    name: 'gate',
    params: { op: 'sigmoid' },
    seed: 375458305,
  }).apply(vx) as tf.SymbolicTensor;
  const num = new Binary({
    name: 'num',
    params: { op: 'mul', constant: 1 },
    seed: 242384034,
  }).apply([conv, gate]) as tf.SymbolicTensor;
  const normed = new Binary({
    name: 'normed',
    params: { op: 'div', constant: 1 },
    seed: 243363037,
  }).apply([num, std]) as tf.SymbolicTensor;
  const scaled = new Binary({
    name: 'scaled',
    params: { op: 'mul', constant: 1 },
    seed: 2833339390,
  }).apply([normed, gamma]) as tf.SymbolicTensor;
  const y = new Binary({
    name: 'y',
    params: { op: 'add', constant: 1 },
    seed: 4228672995,
  }).apply([scaled, beta]) as tf.SymbolicTensor;
  const gap = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(y) as tf.SymbolicTensor;
  const output = tf.layers
    .dense({
      name: 'output',
      units: 10,
      activation: 'softmax',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 2041146867 }),
    })
    .apply(gap) as tf.SymbolicTensor;
  return tf.model({ inputs: [input], outputs: [output], name: 'EvoNorm_S0_from_primitives' });
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

/** Training data: features [N, 8, 8, 1], and class indices [N] (int32). */
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
 * Trains a model from buildModel() as the graph configures it: Adam (learningRate 0.003, beta1 0.9,
 * beta2 0.999, epsilon 1e-7), batches of 32 in the order Netwright's trainer uses for seed 1, 2
 * epochs. The graph trains on Netwright's 'digits8' dataset { flat: false }: pass the same data as
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
