// Nested segmentation with a multi-level activation (U-Net, 16×16): a tfjs model exported by
// Netwright. Standalone: it needs only @tensorflow/tfjs.
// buildModel() builds the model, train(model, data) trains it as the graph configures it.
// Compile with tsc --strict --skipLibCheck (tfjs's own type declarations fail the lib check).
import * as tf from '@tensorflow/tfjs';

/** tfjs hands a layer (and a model returns) one tensor or a list of them. */
function toList(x: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
  return Array.isArray(x) ? x : [x];
}

/** Constructor arguments of the kernel layers; getConfig() returns them (as Netwright saves them). */
export interface KernelLayerArgs {
  name?: string;
  trainable?: boolean;
  params?: tf.serialization.ConfigDict;
  seed?: number;
}

/**
 * Multi-level activation (activations.multiLevel): y = (1/K)·Σ_{k=1..K} p_k, p_k = σ(s·(x − τ_k)),
 * τ_k = (k − 1)·Δ; τ and s optionally learnable; levels = [p_1 … p_K] on the last axis
 *
 * Paper: Marie Piraud, Anjany Sekuboyina, Bjoern H. Menze (2018). Multi-level Activation for
 * Segmentation of Hierarchically-nested Classes. arXiv:1804.01910
 *
 * The node's kernel traced into tfjs, registered as 'NetwrightActivationsMultiLevel' like the
 * Netwright app's class, so models the app saves load with this one.
 */
export class MultiLevel extends tf.layers.Layer {
  static className = 'NetwrightActivationsMultiLevel';
  readonly params: tf.serialization.ConfigDict;
  readonly seed: number;

  constructor(args: KernelLayerArgs) {
    super(args);
    this.params = args.params ?? {};
    this.seed = args.seed ?? 0;
  }

  override computeOutputShape(): tf.Shape {
    return [null, 16, 16, 3];
  }

  // Traced for params { levels: 3, delta: 4, slope: 1, learnable: false, output: 'levels' } and
  // input shapes [null, 16, 16, 1].
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [x] = toList(inputs) as [tf.Tensor];
      const sigmoid = tf.sigmoid(tf.mul(tf.scalar(1), tf.sub(x, tf.scalar(0))));
      const sigmoid2 = tf.sigmoid(tf.mul(tf.scalar(1), tf.sub(x, tf.scalar(4))));
      return tf.concat([sigmoid, sigmoid2, tf.sigmoid(tf.mul(tf.scalar(1), tf.sub(x, tf.scalar(8))))], -1);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      kernelType: 'activations.multiLevel',
      params: this.params,
      seed: this.seed,
    };
  }
}
tf.serialization.registerClass(MultiLevel);

/**
 * The model: one tfjs layer per graph node, named after the node, with the initial weights
 * Netwright gives it (seed 1).
 */
export function buildModel(): tf.LayersModel {
  const input = tf.input({ shape: [16, 16, 4], name: 'input' });
  const enc1__conv_a = tf.layers
    .conv2d({
      name: 'enc1__conv_a',
      filters: 4,
      kernelSize: [3, 3],
      strides: [1, 1],
      padding: 'same',
      dilationRate: [1, 1],
      activation: 'relu',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 551837313 }),
    })
    .apply(input) as tf.SymbolicTensor;
  const enc1__proj = tf.layers
    .conv2d({
      name: 'enc1__proj',
      filters: 4,
      kernelSize: [1, 1],
      strides: [1, 1],
      padding: 'same',
      dilationRate: [1, 1],
      activation: 'linear',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 1084166510 }),
    })
    .apply(input) as tf.SymbolicTensor;
  const enc1__conv_b = tf.layers
    .conv2d({
      name: 'enc1__conv_b',
      filters: 4,
      kernelSize: [3, 3],
      strides: [1, 1],
      padding: 'same',
      dilationRate: [1, 1],
      activation: 'linear',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 535059694 }),
    })
    .apply(enc1__conv_a) as tf.SymbolicTensor;
  const enc1__sum = tf.layers
    .add({ name: 'enc1__sum' })
    .apply([enc1__conv_b, enc1__proj]) as tf.SymbolicTensor;
  // ReLU: Nair, Hinton (2010). Rectified Linear Units Improve Restricted Boltzmann Machines.
  // https://www.cs.toronto.edu/~hinton/absps/reluICML.pdf
  const enc1__act = tf.layers
    .activation({ name: 'enc1__act', activation: 'relu' })
    .apply(enc1__sum) as tf.SymbolicTensor;
  const pool1 = tf.layers
    .maxPooling2d({ name: 'pool1', poolSize: [2, 2], strides: [2, 2], padding: 'valid' })
    .apply(enc1__act) as tf.SymbolicTensor;
  const enc2__conv_a = tf.layers
    .conv2d({
      name: 'enc2__conv_a',
      filters: 8,
      kernelSize: [3, 3],
      strides: [1, 1],
      padding: 'same',
      dilationRate: [1, 1],
      activation: 'relu',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 3943358670 }),
    })
    .apply(pool1) as tf.SymbolicTensor;
  const enc2__proj = tf.layers
    .conv2d({
      name: 'enc2__proj',
      filters: 8,
      kernelSize: [1, 1],
      strides: [1, 1],
      padding: 'same',
      dilationRate: [1, 1],
      activation: 'linear',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 3521401217 }),
    })
    .apply(pool1) as tf.SymbolicTensor;
  const enc2__conv_b = tf.layers
    .conv2d({
      name: 'enc2__conv_b',
      filters: 8,
      kernelSize: [3, 3],
      strides: [1, 1],
      padding: 'same',
      dilationRate: [1, 1],
      activation: 'linear',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 3960136289 }),
    })
    .apply(enc2__conv_a) as tf.SymbolicTensor;
  const enc2__sum = tf.layers
    .add({ name: 'enc2__sum' })
    .apply([enc2__conv_b, enc2__proj]) as tf.SymbolicTensor;
  // ReLU: Nair, Hinton (2010). Rectified Linear Units Improve Restricted Boltzmann Machines.
  // https://www.cs.toronto.edu/~hinton/absps/reluICML.pdf
  const enc2__act = tf.layers
    .activation({ name: 'enc2__act', activation: 'relu' })
    .apply(enc2__sum) as tf.SymbolicTensor;
  const pool2 = tf.layers
    .maxPooling2d({ name: 'pool2', poolSize: [2, 2], strides: [2, 2], padding: 'valid' })
    .apply(enc2__act) as tf.SymbolicTensor;
  const bottom__conv_a = tf.layers
    .conv2d({
      name: 'bottom__conv_a',
      filters: 16,
      kernelSize: [3, 3],
      strides: [1, 1],
      padding: 'same',
      dilationRate: [1, 1],
      activation: 'relu',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 2468277597 }),
    })
    .apply(pool2) as tf.SymbolicTensor;
  const bottom__proj = tf.layers
    .conv2d({
      name: 'bottom__proj',
      filters: 16,
      kernelSize: [1, 1],
      strides: [1, 1],
      padding: 'same',
      dilationRate: [1, 1],
      activation: 'linear',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 1761185778 }),
    })
    .apply(pool2) as tf.SymbolicTensor;
  const bottom__conv_b = tf.layers
    .conv2d({
      name: 'bottom__conv_b',
      filters: 16,
      kernelSize: [3, 3],
      strides: [1, 1],
      padding: 'same',
      dilationRate: [1, 1],
      activation: 'linear',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 2451499978 }),
    })
    .apply(bottom__conv_a) as tf.SymbolicTensor;
  const bottom__sum = tf.layers
    .add({ name: 'bottom__sum' })
    .apply([bottom__conv_b, bottom__proj]) as tf.SymbolicTensor;
  // ReLU: Nair, Hinton (2010). Rectified Linear Units Improve Restricted Boltzmann Machines.
  // https://www.cs.toronto.edu/~hinton/absps/reluICML.pdf
  const bottom__act = tf.layers
    .activation({ name: 'bottom__act', activation: 'relu' })
    .apply(bottom__sum) as tf.SymbolicTensor;
  const up2 = tf.layers
    .conv2dTranspose({
      name: 'up2',
      filters: 8,
      kernelSize: [2, 2],
      strides: [2, 2],
      padding: 'same',
      activation: 'linear',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 4102720581 }),
    })
    .apply(bottom__act) as tf.SymbolicTensor;
  const cat2 = tf.layers.concatenate({ name: 'cat2', axis: 3 }).apply([up2, enc2__act]) as tf.SymbolicTensor;
  const dec2__conv_a = tf.layers
    .conv2d({
      name: 'dec2__conv_a',
      filters: 8,
      kernelSize: [3, 3],
      strides: [1, 1],
      padding: 'same',
      dilationRate: [1, 1],
      activation: 'relu',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 2072065910 }),
    })
    .apply(cat2) as tf.SymbolicTensor;
  const dec2__proj = tf.layers
    .conv2d({
      name: 'dec2__proj',
      filters: 8,
      kernelSize: [1, 1],
      strides: [1, 1],
      padding: 'same',
      dilationRate: [1, 1],
      activation: 'linear',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 1592735385 }),
    })
    .apply(cat2) as tf.SymbolicTensor;
  const dec2__conv_b = tf.layers
    .conv2d({
      name: 'dec2__conv_b',
      filters: 8,
      kernelSize: [3, 3],
      strides: [1, 1],
      padding: 'same',
      dilationRate: [1, 1],
      activation: 'linear',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 2088843529 }),
    })
    .apply(dec2__conv_a) as tf.SymbolicTensor;
  const dec2__sum = tf.layers
    .add({ name: 'dec2__sum' })
    .apply([dec2__conv_b, dec2__proj]) as tf.SymbolicTensor;
  // ReLU: Nair, Hinton (2010). Rectified Linear Units Improve Restricted Boltzmann Machines.
  // https://www.cs.toronto.edu/~hinton/absps/reluICML.pdf
  const dec2__act = tf.layers
    .activation({ name: 'dec2__act', activation: 'relu' })
    .apply(dec2__sum) as tf.SymbolicTensor;
  const up1 = tf.layers
    .conv2dTranspose({
      name: 'up1',
      filters: 4,
      kernelSize: [2, 2],
      strides: [2, 2],
      padding: 'same',
      activation: 'linear',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 4085942962 }),
    })
    .apply(dec2__act) as tf.SymbolicTensor;
  const cat1 = tf.layers.concatenate({ name: 'cat1', axis: 3 }).apply([up1, enc1__act]) as tf.SymbolicTensor;
  const dec1__conv_a = tf.layers
    .conv2d({
      name: 'dec1__conv_a',
      filters: 4,
      kernelSize: [3, 3],
      strides: [1, 1],
      padding: 'same',
      dilationRate: [1, 1],
      activation: 'relu',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 247980649 }),
    })
    .apply(cat1) as tf.SymbolicTensor;
  const dec1__proj = tf.layers
    .conv2d({
      name: 'dec1__proj',
      filters: 4,
      kernelSize: [1, 1],
      strides: [1, 1],
      padding: 'same',
      dilationRate: [1, 1],
      activation: 'linear',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 887388454 }),
    })
    .apply(cat1) as tf.SymbolicTensor;
  const dec1__conv_b = tf.layers
    .conv2d({
      name: 'dec1__conv_b',
      filters: 4,
      kernelSize: [3, 3],
      strides: [1, 1],
      padding: 'same',
      dilationRate: [1, 1],
      activation: 'linear',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 231203030 }),
    })
    .apply(dec1__conv_a) as tf.SymbolicTensor;
  const dec1__sum = tf.layers
    .add({ name: 'dec1__sum' })
    .apply([dec1__conv_b, dec1__proj]) as tf.SymbolicTensor;
  // ReLU: Nair, Hinton (2010). Rectified Linear Units Improve Restricted Boltzmann Machines.
  // https://www.cs.toronto.edu/~hinton/absps/reluICML.pdf
  const dec1__act = tf.layers
    .activation({ name: 'dec1__act', activation: 'relu' })
    .apply(dec1__sum) as tf.SymbolicTensor;
  const logit = tf.layers
    .conv2d({
      name: 'logit',
      filters: 1,
      kernelSize: [1, 1],
      strides: [1, 1],
      padding: 'same',
      dilationRate: [1, 1],
      activation: 'linear',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 3749671107 }),
    })
    .apply(dec1__act) as tf.SymbolicTensor;
  const levels = new MultiLevel({
    name: 'levels',
    params: { levels: 3, delta: 4, slope: 1, learnable: false, output: 'levels' },
    seed: 2705839577,
  }).apply(logit) as tf.SymbolicTensor;
  return tf.model({
    inputs: [input],
    outputs: [levels],
    name: 'Nested_segmentation_with_a_multi_level_activation_U_Net_16_1',
  });
}

/**
 * Nested multi-level loss (losses.nestedMultiLevel): L = Σ_{k=1..K} SoftDice(p_k, t_k) + λ·mean (y
 * − label/K)², t_k = 1[label ≥ k], SoftDice(p, t) = 1 − (2Σpt + s)/(Σp + Σt + s), y = (1/K)·Σ_k p_k
 *
 * Paper: Marie Piraud, Anjany Sekuboyina, Bjoern H. Menze (2018). Multi-level Activation for
 * Segmentation of Hierarchically-nested Classes. arXiv:1804.01910
 *
 * Traced for { perLevel: 'dice', mseWeight: 0.5, smooth: 1 }.
 */
function nestedMultiLevel(pred: tf.Tensor, target: tf.Tensor): tf.Scalar {
  const reshape = tf.reshape(tf.cast(target, 'float32'), [-1, 1]);
  const reshape2 = tf.reshape(pred, [-1, 3]);
  const greater = tf.cast(tf.greater(reshape, tf.tensor([0.5, 1.5, 2.5], [1, 3], 'float32')), 'float32');
  const add = tf.add(tf.mul(tf.scalar(2), tf.sum(tf.mul(reshape2, greater), [0])), tf.scalar(1));
  const div = tf.div(add, tf.add(tf.add(tf.sum(reshape2, [0]), tf.sum(greater, [0])), tf.scalar(1)));
  const sub = tf.sub(tf.mean(reshape2, [-1], true), tf.mul(reshape, tf.scalar(0.3333333333333333)));
  const mul = tf.mul(tf.scalar(0.5), tf.mean(tf.square(sub)));
  return tf.add(tf.sum(tf.sub(tf.scalar(1), div)), mul) as tf.Scalar;
}

/**
 * Nesting violation rate (metrics.nestingViolation): V = mean_{positions} 1[∃k ≥ 2: p_k > ½ ∧
 * p_{k−1} ≤ ½]
 *
 * Paper: Marie Piraud, Anjany Sekuboyina, Bjoern H. Menze (2018). Multi-level Activation for
 * Segmentation of Hierarchically-nested Classes. arXiv:1804.01910
 */
function nestingViolation(pred: tf.Tensor): tf.Scalar {
  const greater = tf.cast(tf.greater(tf.reshape(pred, [-1, 3]), tf.scalar(0.5)), 'float32');
  const sub = tf.sub(tf.scalar(1), tf.slice(greater, [0, 0], [-1, 2]));
  const sum = tf.sum(tf.mul(tf.slice(greater, [0, 1], [-1, 2]), sub), [-1]);
  return tf.mean(tf.cast(tf.greater(sum, tf.scalar(0.5)), 'float32')) as tf.Scalar;
}

/**
 * Training data: features [N, 16, 16, 4], and class indices [N, 16, 16] (int32, a class per
 * position).
 */
export interface TrainData {
  x: tf.Tensor;
  y: tf.Tensor;
}

export interface TrainOptions {
  /** Epochs (default: the graph's 6). */
  epochs?: number;
  /** Default 16. */
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

const STAGES: Stage[] = [{ name: 'train', epochs: 6, learningRate: 0.003 }];

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
  const [levels] = toList(model.apply(x, { training: true }) as tf.Tensor | tf.Tensor[]) as [tf.Tensor];
  const loss = nestedMultiLevel(levels, y);
  return { total: loss, values: { loss, violation: nestingViolation(levels) } };
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
 * beta2 0.999, epsilon 1e-7), batches of 16 in the order Netwright's trainer uses for seed 1, 6
 * epochs. The graph trains on Netwright's 'nested' dataset { size: 16, trainSamples: 400,
 * valSamples: 200 }: pass the same data as tensors.
 *
 * Resolves to a report per epoch; a non-finite loss stops training with an error.
 */
export async function train(
  model: tf.LayersModel,
  data: TrainData,
  opts: TrainOptions = {},
): Promise<EpochReport[]> {
  const batchSize = opts.batchSize ?? 16;
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
