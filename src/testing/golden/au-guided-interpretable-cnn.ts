// AU-guided interpretable CNN (miniature): a tfjs model exported by Netwright. Standalone: it needs
// only @tensorflow/tfjs.
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
 * Channel mean (layer attention) (primitives.channelMean): att[b, i, j] = (1/|S|) Σ_{k∈S} F[b, i,
 * j, k], S = all channels, the first ⌊C/2⌋ or the last C − ⌊C/2⌋
 *
 * Paper: Belharbi, Pedersoli, Koerich, Bacon, Granger (2024). Guided Interpretable Facial
 * Expression Recognition via Spatial Action Unit Cues. arXiv:2402.00281
 *
 * The node's kernel traced into tfjs, registered as 'NetwrightPrimitivesChannelMean' like the
 * Netwright app's class, so models the app saves load with this one.
 */
export class ChannelMean extends tf.layers.Layer {
  static className = 'NetwrightPrimitivesChannelMean';
  readonly params: tf.serialization.ConfigDict;
  readonly seed: number;
  // One traced variant per use in the graph: params, input shapes without the batch.
  private static readonly variants = [
    '[{"channels":"all"},[[16,16,32]]]',
    '[{"channels":"all"},[[8,8,32]]]',
  ];
  private variant = 0;

  constructor(args: KernelLayerArgs) {
    super(args);
    this.params = args.params ?? {};
    this.seed = args.seed ?? 0;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    this.variant = variantOf(ChannelMean.variants, this.params, inputShape, this.name);
    this.built = true;
  }

  override computeOutputShape(): tf.Shape {
    const shapes: tf.Shape[] = [
      [null, 16, 16, 1],
      [null, 8, 8, 1],
    ];
    return shapes[this.variant]!;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      if (this.variant === 0) {
        // params { channels: 'all' } and input shapes [null, 16, 16, 32]
        const [x] = toList(inputs) as [tf.Tensor];
        return tf.mean(x, [3], true);
      }
      // params { channels: 'all' } and input shapes [null, 8, 8, 32]
      const [x] = toList(inputs) as [tf.Tensor];
      return tf.mean(x, [3], true);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      kernelType: 'primitives.channelMean',
      params: this.params,
      seed: this.seed,
    };
  }
}
tf.serialization.registerClass(ChannelMean);

/**
 * The model: one tfjs layer per graph node, named after the node, with the initial weights
 * Netwright gives it (seed 1).
 */
export function buildModel(): tf.LayersModel {
  const input = tf.input({ shape: [32, 32, 1], name: 'input' });
  const au = tf.input({ shape: [32, 32, 1], name: 'au' });
  const conv1 = tf.layers
    .conv2d({
      name: 'conv1',
      filters: 16,
      kernelSize: [3, 3],
      strides: [1, 1],
      padding: 'same',
      dilationRate: [1, 1],
      activation: 'relu',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 526142705 }),
    })
    .apply(input) as tf.SymbolicTensor;
  const conv2 = tf.layers
    .conv2d({
      name: 'conv2',
      filters: 16,
      kernelSize: [3, 3],
      strides: [1, 1],
      padding: 'same',
      dilationRate: [1, 1],
      activation: 'relu',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 509365086 }),
    })
    .apply(conv1) as tf.SymbolicTensor;
  const pool1 = tf.layers
    .maxPooling2d({ name: 'pool1', poolSize: [2, 2], strides: [2, 2], padding: 'valid' })
    .apply(conv2) as tf.SymbolicTensor;
  const conv3 = tf.layers
    .conv2d({
      name: 'conv3',
      filters: 32,
      kernelSize: [3, 3],
      strides: [1, 1],
      padding: 'same',
      dilationRate: [1, 1],
      activation: 'relu',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 492587467 }),
    })
    .apply(pool1) as tf.SymbolicTensor;
  const pool2 = tf.layers
    .maxPooling2d({ name: 'pool2', poolSize: [2, 2], strides: [2, 2], padding: 'valid' })
    .apply(conv3) as tf.SymbolicTensor;
  const att2 = new ChannelMean({
    name: 'att2',
    params: { channels: 'all' },
    seed: 3500667617,
  }).apply(conv3) as tf.SymbolicTensor;
  const conv4 = tf.layers
    .conv2d({
      name: 'conv4',
      filters: 32,
      kernelSize: [3, 3],
      strides: [1, 1],
      padding: 'same',
      dilationRate: [1, 1],
      activation: 'relu',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 475809848 }),
    })
    .apply(pool2) as tf.SymbolicTensor;
  const gap = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(conv4) as tf.SymbolicTensor;
  const att3 = new ChannelMean({
    name: 'att3',
    params: { channels: 'all' },
    seed: 3517445236,
  }).apply(conv4) as tf.SymbolicTensor;
  const logits = tf.layers
    .dense({
      name: 'logits',
      units: 4,
      activation: 'linear',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 2087561428 }),
    })
    .apply(gap) as tf.SymbolicTensor;
  return tf.model({
    inputs: [input, au],
    outputs: [au, att2, att3, logits],
    name: 'AU_guided_interpretable_CNN_miniature',
  });
}

/**
 * AU attention alignment loss (losses.auAlign): M↓ = area-mean of M over (H/h)×(W/w) blocks; a =
 * att (cosine) or (att − mean(att))/(std(att) + 1e-4) (stdCosine); L = mean_b [1 − ⟨a_b, M↓_b⟩ /
 * (‖a_b‖·‖M↓_b‖ + 1e-8)]
 *
 * Paper: Belharbi, Pedersoli, Koerich, Bacon, Granger (2024). Guided Interpretable Facial
 * Expression Recognition via Spatial Action Unit Cues. arXiv:2402.00281
 *
 * Traced for { type: 'cosine' }.
 */
function auAlignAlign2(attention: tf.Tensor, heatmap: tf.Tensor): tf.Scalar {
  const reshape = tf.reshape(attention, [-1, 256]);
  const reshape2 = tf.reshape(tf.mean(tf.reshape(heatmap, [-1, 16, 2, 16, 2]), [2, 4]), [-1, 256]);
  const stopGradient2 = stopGradient(reshape2);
  const sqrt = tf.sqrt(tf.sum(tf.square(stopGradient2), [1]));
  const add = tf.add(tf.mul(tf.sqrt(tf.sum(tf.square(reshape), [1])), sqrt), tf.scalar(1e-8));
  return tf.mean(tf.sub(tf.scalar(1), tf.div(tf.sum(tf.mul(reshape, stopGradient2), [1]), add))) as tf.Scalar;
}

/**
 * AU attention alignment loss (losses.auAlign): M↓ = area-mean of M over (H/h)×(W/w) blocks; a =
 * att (cosine) or (att − mean(att))/(std(att) + 1e-4) (stdCosine); L = mean_b [1 − ⟨a_b, M↓_b⟩ /
 * (‖a_b‖·‖M↓_b‖ + 1e-8)]
 *
 * Paper: Belharbi, Pedersoli, Koerich, Bacon, Granger (2024). Guided Interpretable Facial
 * Expression Recognition via Spatial Action Unit Cues. arXiv:2402.00281
 *
 * Traced for { type: 'cosine' }.
 */
function auAlignAlign3(attention: tf.Tensor, heatmap: tf.Tensor): tf.Scalar {
  const reshape = tf.reshape(attention, [-1, 64]);
  const reshape2 = tf.reshape(tf.mean(tf.reshape(heatmap, [-1, 8, 4, 8, 4]), [2, 4]), [-1, 64]);
  const stopGradient2 = stopGradient(reshape2);
  const sqrt = tf.sqrt(tf.sum(tf.square(stopGradient2), [1]));
  const add = tf.add(tf.mul(tf.sqrt(tf.sum(tf.square(reshape), [1])), sqrt), tf.scalar(1e-8));
  return tf.mean(tf.sub(tf.scalar(1), tf.div(tf.sum(tf.mul(reshape, stopGradient2), [1]), add))) as tf.Scalar;
}

/**
 * Categorical cross-entropy (losses.categoricalCrossentropy): L = −mean_b Σ_c t_bc · log p_bc, p =
 * softmax(z) when fromLogits
 *
 * Traced for { fromLogits: true, labelSmoothing: 0 }.
 */
function categoricalCrossentropy(pred: tf.Tensor, target: tf.Tensor): tf.Scalar {
  return tf.neg(tf.mean(tf.sum(tf.mul(target, tf.logSoftmax(pred)), [-1]))) as tf.Scalar;
}

/** Accuracy (metrics.accuracy): acc = mean_b [argmax_c p_bc = t_b] */
function accuracy(pred: tf.Tensor, target: tf.Tensor): tf.Scalar {
  const cast = tf.cast(tf.reshape(target, [-1]), 'int32');
  return tf.mean(tf.cast(tf.equal(tf.argMax(pred, -1), cast), 'float32')) as tf.Scalar;
}

/**
 * Training data: features [N, 32, 32, 1] and [N, 32, 32, 1] (the dataset's field 'au'), one tensor
 * per model input, and class indices [N] (int32).
 */
export interface TrainData {
  x: tf.Tensor[];
  y: tf.Tensor;
}

export interface TrainOptions {
  /** Epochs (default: the graph's 6). */
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

const STAGES: Stage[] = [{ name: 'train', epochs: 6, learningRate: 0.001 }];

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

/**
 * Runs the model on a batch and computes the loss 0.5·align2 + 0.5·align3 + loss and the metrics.
 */
function objective(model: tf.LayersModel, x: tf.Tensor[], y: tf.Tensor): Batch {
  const outputs = model.apply(x, { training: true }) as tf.Tensor | tf.Tensor[];
  const [au, att2, att3, logits] = toList(outputs) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
  const align2 = auAlignAlign2(att2, au);
  const align3 = auAlignAlign3(att3, au);
  const onehot = oneHot(y, 4);
  const loss = categoricalCrossentropy(logits, onehot);
  let total: tf.Tensor = tf.mul(align2, 0.5);
  total = tf.add(total, tf.mul(align3, 0.5));
  total = tf.add(total, loss);
  return { total: total as tf.Scalar, values: { align2, align3, loss, accuracy: accuracy(logits, y) } };
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
 * beta2 0.999, epsilon 1e-7), batches of 32 in the order Netwright's trainer uses for seed 1, 6
 * epochs. The graph trains on Netwright's 'auFaces' dataset { samples: 1600 }: pass the same data
 * as tensors.
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
