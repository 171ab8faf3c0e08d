// Generalized convolution CNN (miniature): a tfjs model exported by Netwright. Standalone: it needs
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

/** Constructor arguments of the kernel layers; getConfig() returns them (as Netwright saves them). */
export interface KernelLayerArgs {
  name?: string;
  trainable?: boolean;
  params?: tf.serialization.ConfigDict;
  seed?: number;
}

/**
 * Generalized Conv2D (layers.kernelConv2d): y[b,i,j,f] = g(s(x_patch, w_f) + b_f); dot: w·x; wL2:
 * −Σ_p λ_fp (x_p − w_fp)²; wL1: −Σ_p λ_fp |x_p − w_fp|; histIntersect: Σ_p min(x_p, w_fp); rbf:
 * exp(−γ‖x − w_f‖²); poly: (w·x + c)^d; λ = softplus(ρ) (init 1), γ init 1/P, P = k·k·C; templates
 * init Glorot uniform, U[0, 1] for histIntersect; g ∈ {identity, exp, softplus}
 *
 * Paper: Kamaledin Ghiasi-Shirazi (2019). Generalizing the Convolution Operator in Convolutional
 * Neural Networks. arXiv:1707.09864
 *
 * The node's kernel traced into tfjs, registered as 'NetwrightLayersKernelConv2d' like the
 * Netwright app's class, so models the app saves load with this one.
 */
export class KernelConv2d extends tf.layers.Layer {
  static className = 'NetwrightLayersKernelConv2d';
  readonly params: tf.serialization.ConfigDict;
  readonly seed: number;
  // One traced variant per use in the graph: params, input shapes without the batch.
  private static readonly variants = [
    '[{"filters":8,"kernelSize":3,"similarity":"wL2","degree":2,"offset":1,"post":"identity","useBias":true},[[8,8,1]]]',
    '[{"filters":16,"kernelSize":3,"similarity":"wL2","degree":2,"offset":1,"post":"identity","useBias":true},[[3,3,8]]]',
  ];
  private variant = 0;
  private w!: { templates: tf.LayerVariable; rho: tf.LayerVariable; bias: tf.LayerVariable };

  constructor(args: KernelLayerArgs) {
    super(args);
    this.params = args.params ?? {};
    this.seed = args.seed ?? 0;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    this.variant = variantOf(KernelConv2d.variants, this.params, inputShape, this.name);
    if (this.variant === 0) {
      this.w = {
        templates: this.addWeight(
          'templates',
          [9, 8],
          'float32',
          tf.initializers.glorotUniform({ seed: this.seed }),
          undefined,
          true,
        ),
        rho: this.addWeight(
          'rho',
          [9, 8],
          'float32',
          tf.initializers.constant({ value: 0.541324854612918 }),
          undefined,
          true,
        ),
        bias: this.addWeight('bias', [8], 'float32', tf.initializers.zeros(), undefined, true),
      };
    }
    if (this.variant === 1) {
      this.w = {
        templates: this.addWeight(
          'templates',
          [72, 16],
          'float32',
          tf.initializers.glorotUniform({ seed: this.seed }),
          undefined,
          true,
        ),
        rho: this.addWeight(
          'rho',
          [72, 16],
          'float32',
          tf.initializers.constant({ value: 0.541324854612918 }),
          undefined,
          true,
        ),
        bias: this.addWeight('bias', [16], 'float32', tf.initializers.zeros(), undefined, true),
      };
    }
    this.built = true;
  }

  override computeOutputShape(): tf.Shape {
    const shapes: tf.Shape[] = [
      [null, 6, 6, 8],
      [null, 1, 1, 16],
    ];
    return shapes[this.variant]!;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      if (this.variant === 0) {
        // params { filters: 8, kernelSize: 3, similarity: 'wL2', degree: 2, offset: 1, post:
        // 'identity', useBias: true } and input shapes [null, 8, 8, 1]
        const [x] = toList(inputs) as [tf.Tensor];
        const templates = this.w.templates.read();
        const rho = this.w.rho.read();
        const bias = this.w.bias.read();
        const slice = tf.slice(x, [0, 0, 0, 0], [-1, 6, 6, -1]);
        const slice2 = tf.slice(x, [0, 0, 1, 0], [-1, 6, 6, -1]);
        const slice3 = tf.slice(x, [0, 0, 2, 0], [-1, 6, 6, -1]);
        const slice4 = tf.slice(x, [0, 1, 0, 0], [-1, 6, 6, -1]);
        const slice5 = tf.slice(x, [0, 1, 1, 0], [-1, 6, 6, -1]);
        const slice6 = tf.slice(x, [0, 1, 2, 0], [-1, 6, 6, -1]);
        const slice7 = tf.slice(x, [0, 2, 0, 0], [-1, 6, 6, -1]);
        const slice8 = tf.slice(x, [0, 2, 1, 0], [-1, 6, 6, -1]);
        const slice9 = tf.slice(x, [0, 2, 2, 0], [-1, 6, 6, -1]);
        const concat = tf.concat([slice, slice2, slice3, slice4, slice5, slice6, slice7, slice8, slice9], 3);
        const reshape = tf.reshape(concat, [x.shape[0]! * 36, 9]);
        const softplus = tf.softplus(rho);
        const mul = tf.mul(tf.scalar(2), tf.matMul(reshape, tf.mul(softplus, templates)));
        const sum = tf.sum(tf.mul(softplus, tf.square(templates)), [0], true);
        const neg = tf.neg(tf.add(tf.sub(tf.matMul(tf.square(reshape), softplus), mul), sum));
        return tf.reshape(tf.add(neg, bias), [x.shape[0]!, 6, 6, 8]);
      }
      // params { filters: 16, kernelSize: 3, similarity: 'wL2', degree: 2, offset: 1, post:
      // 'identity', useBias: true } and input shapes [null, 3, 3, 8]
      const [x] = toList(inputs) as [tf.Tensor];
      const templates = this.w.templates.read();
      const rho = this.w.rho.read();
      const bias = this.w.bias.read();
      const slice = tf.slice(x, [0, 0, 0, 0], [-1, 1, 1, -1]);
      const slice2 = tf.slice(x, [0, 0, 1, 0], [-1, 1, 1, -1]);
      const slice3 = tf.slice(x, [0, 0, 2, 0], [-1, 1, 1, -1]);
      const slice4 = tf.slice(x, [0, 1, 0, 0], [-1, 1, 1, -1]);
      const slice5 = tf.slice(x, [0, 1, 1, 0], [-1, 1, 1, -1]);
      const slice6 = tf.slice(x, [0, 1, 2, 0], [-1, 1, 1, -1]);
      const slice7 = tf.slice(x, [0, 2, 0, 0], [-1, 1, 1, -1]);
      const slice8 = tf.slice(x, [0, 2, 1, 0], [-1, 1, 1, -1]);
      const slice9 = tf.slice(x, [0, 2, 2, 0], [-1, 1, 1, -1]);
      const concat = tf.concat([slice, slice2, slice3, slice4, slice5, slice6, slice7, slice8, slice9], 3);
      const reshape = tf.reshape(concat, [x.shape[0]!, 72]);
      const softplus = tf.softplus(rho);
      const mul = tf.mul(tf.scalar(2), tf.matMul(reshape, tf.mul(softplus, templates)));
      const sum = tf.sum(tf.mul(softplus, tf.square(templates)), [0], true);
      const neg = tf.neg(tf.add(tf.sub(tf.matMul(tf.square(reshape), softplus), mul), sum));
      return tf.reshape(tf.add(neg, bias), [x.shape[0]!, 1, 1, 16]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      kernelType: 'layers.kernelConv2d',
      params: this.params,
      seed: this.seed,
    };
  }
}
tf.serialization.registerClass(KernelConv2d);

/**
 * The model: one tfjs layer per graph node, named after the node, with the initial weights
 * Netwright gives it (seed 1).
 */
export function buildModel(): tf.LayersModel {
  const input = tf.input({ shape: [8, 8, 1], name: 'input' });
  const kconv1 = new KernelConv2d({
    name: 'kconv1',
    params: {
      filters: 8,
      kernelSize: 3,
      similarity: 'wL2',
      degree: 2,
      offset: 1,
      post: 'identity',
      useBias: true,
    },
    seed: 3505924066,
  }).apply(input) as tf.SymbolicTensor;
  // BatchNormalization: Sergey Ioffe, Christian Szegedy (2015). Batch Normalization: Accelerating
  // Deep Network Training by Reducing Internal Covariate Shift. arXiv:1502.03167
  const bn1 = tf.layers
    .batchNormalization({ name: 'bn1', axis: -1, momentum: 0.9, epsilon: 0.001, center: true, scale: true })
    .apply(kconv1) as tf.SymbolicTensor;
  // ReLU: Nair, Hinton (2010). Rectified Linear Units Improve Restricted Boltzmann Machines.
  // https://www.cs.toronto.edu/~hinton/absps/reluICML.pdf
  const act1 = tf.layers.activation({ name: 'act1', activation: 'relu' }).apply(bn1) as tf.SymbolicTensor;
  const pool1 = tf.layers
    .maxPooling2d({ name: 'pool1', poolSize: [2, 2], strides: [2, 2], padding: 'valid' })
    .apply(act1) as tf.SymbolicTensor;
  const kconv2 = new KernelConv2d({
    name: 'kconv2',
    params: {
      filters: 16,
      kernelSize: 3,
      similarity: 'wL2',
      degree: 2,
      offset: 1,
      post: 'identity',
      useBias: true,
    },
    seed: 3522701685,
  }).apply(pool1) as tf.SymbolicTensor;
  // BatchNormalization: Sergey Ioffe, Christian Szegedy (2015). Batch Normalization: Accelerating
  // Deep Network Training by Reducing Internal Covariate Shift. arXiv:1502.03167
  const bn2 = tf.layers
    .batchNormalization({ name: 'bn2', axis: -1, momentum: 0.9, epsilon: 0.001, center: true, scale: true })
    .apply(kconv2) as tf.SymbolicTensor;
  // ReLU: Nair, Hinton (2010). Rectified Linear Units Improve Restricted Boltzmann Machines.
  // https://www.cs.toronto.edu/~hinton/absps/reluICML.pdf
  const act2 = tf.layers.activation({ name: 'act2', activation: 'relu' }).apply(bn2) as tf.SymbolicTensor;
  const flatten = tf.layers.flatten({ name: 'flatten' }).apply(act2) as tf.SymbolicTensor;
  const output = tf.layers
    .dense({
      name: 'output',
      units: 10,
      activation: 'softmax',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 2041146867 }),
    })
    .apply(flatten) as tf.SymbolicTensor;
  return tf.model({ inputs: [input], outputs: [output], name: 'Generalized_convolution_CNN_miniature' });
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
