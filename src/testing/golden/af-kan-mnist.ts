// AF-KAN on MNIST: a tfjs model exported by Netwright. Standalone: it needs only @tensorflow/tfjs.
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
 * AF-KAN layer (kan.afKan): x₁ = act(x_i − low_j), x₂ = act(high_j − x_i) (low init arange(−k,
 * g)/g, high = low + (k+1)/g, learnable [g+k]); A_ij = func(x₁, x₂) (quad1: (x₁x₂)²); A ← minmax(A)
 * (per sample, or over the batch for l2mm); s_i = A_i·u + c, w = softmax(s / max(T, 1)) over i (T
 * init √in); x̃_i = w_i·Σ_j A_ij; y = act(LayerNorm(x̃))·W. Params units·in + (g+k+1) + 1 + 2·in +
 * 2·(g+k)
 *
 * Paper: Ta, Tran (2025). AF-KAN: Activation Function-Based Kolmogorov-Arnold Networks for
 * Efficient Representation Learning.
 *
 * The node's kernel traced into tfjs, registered as 'NetwrightKanAfKan' like the Netwright app's
 * class, so models the app saves load with this one.
 */
export class AfKan extends tf.layers.Layer {
  static className = 'NetwrightKanAfKan';
  readonly params: tf.serialization.ConfigDict;
  readonly seed: number;
  // One traced variant per use in the graph: params, input shapes without the batch.
  private static readonly variants = [
    '[{"units":64,"gridSize":3,"order":3,"activation":"silu","func":"quad1","funcNorm":"l2mmSample"},[[784]]]',
    '[{"units":10,"gridSize":3,"order":3,"activation":"silu","func":"quad1","funcNorm":"l2mmSample"},[[64]]]',
  ];
  private variant = 0;
  private w!: {
    low: tf.LayerVariable;
    high: tf.LayerVariable;
    attn_u: tf.LayerVariable;
    attn_c: tf.LayerVariable;
    temperature: tf.LayerVariable;
    gamma: tf.LayerVariable;
    beta: tf.LayerVariable;
    kernel: tf.LayerVariable;
  };

  constructor(args: KernelLayerArgs) {
    super(args);
    this.params = args.params ?? {};
    this.seed = args.seed ?? 0;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    this.variant = variantOf(AfKan.variants, this.params, inputShape, this.name);
    if (this.variant === 0) {
      this.w = {
        low: this.addWeight('low', [6], 'float32', tf.initializers.zeros(), undefined, true),
        high: this.addWeight('high', [6], 'float32', tf.initializers.zeros(), undefined, true),
        attn_u: this.addWeight(
          'attn_u',
          [6, 1],
          'float32',
          tf.initializers.glorotUniform({ seed: this.seed + 2 }),
          undefined,
          true,
        ),
        attn_c: this.addWeight('attn_c', [1], 'float32', tf.initializers.zeros(), undefined, true),
        temperature: this.addWeight(
          'temperature',
          [1],
          'float32',
          tf.initializers.constant({ value: 28 }),
          undefined,
          true,
        ),
        gamma: this.addWeight('gamma', [784], 'float32', tf.initializers.ones(), undefined, true),
        beta: this.addWeight('beta', [784], 'float32', tf.initializers.zeros(), undefined, true),
        kernel: this.addWeight(
          'kernel',
          [784, 64],
          'float32',
          tf.initializers.glorotUniform({ seed: this.seed + 7 }),
          undefined,
          true,
        ),
      };
    }
    if (this.variant === 1) {
      this.w = {
        low: this.addWeight('low', [6], 'float32', tf.initializers.zeros(), undefined, true),
        high: this.addWeight('high', [6], 'float32', tf.initializers.zeros(), undefined, true),
        attn_u: this.addWeight(
          'attn_u',
          [6, 1],
          'float32',
          tf.initializers.glorotUniform({ seed: this.seed + 2 }),
          undefined,
          true,
        ),
        attn_c: this.addWeight('attn_c', [1], 'float32', tf.initializers.zeros(), undefined, true),
        temperature: this.addWeight(
          'temperature',
          [1],
          'float32',
          tf.initializers.constant({ value: 8 }),
          undefined,
          true,
        ),
        gamma: this.addWeight('gamma', [64], 'float32', tf.initializers.ones(), undefined, true),
        beta: this.addWeight('beta', [64], 'float32', tf.initializers.zeros(), undefined, true),
        kernel: this.addWeight(
          'kernel',
          [64, 10],
          'float32',
          tf.initializers.glorotUniform({ seed: this.seed + 7 }),
          undefined,
          true,
        ),
      };
    }
    this.built = true;
  }

  override computeOutputShape(): tf.Shape {
    const shapes: tf.Shape[] = [
      [null, 64],
      [null, 10],
    ];
    return shapes[this.variant]!;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      if (this.variant === 0) {
        // params { units: 64, gridSize: 3, order: 3, activation: 'silu', func: 'quad1', funcNorm:
        // 'l2mm_sample' } and input shapes [null, 784]
        const [x] = toList(inputs) as [tf.Tensor];
        const low = this.w.low.read();
        const high = this.w.high.read();
        const attn_u = this.w.attn_u.read();
        const attn_c = this.w.attn_c.read();
        const temperature = this.w.temperature.read();
        const gamma = this.w.gamma.read();
        const beta = this.w.beta.read();
        const kernel = this.w.kernel.read();
        const constant = tf.tensor(
          [-1, -0.6666666666666666, -0.3333333333333333, 0, 0.3333333333333333, 0.6666666666666666],
          [6],
          'float32',
        );
        const add = tf.add(low, constant);
        const constant2 = tf.tensor(
          [0.33333333333333326, 0.6666666666666666, 1, 1.3333333333333333, 1.6666666666666665, 2],
          [6],
          'float32',
        );
        const add2 = tf.add(high, constant2);
        const reshape = tf.reshape(tf.reshape(x, [-1, 784]), [-1, 784, 1]);
        const sub = tf.sub(reshape, add);
        const sub2 = tf.sub(add2, reshape);
        const square = tf.square(tf.mul(tf.mul(sub, tf.sigmoid(sub)), tf.mul(sub2, tf.sigmoid(sub2))));
        const neg = tf.neg(tf.max(tf.neg(square), [1, 2], true));
        const add3 = tf.add(tf.sub(tf.max(square, [1, 2], true), neg), tf.scalar(1e-8));
        const div = tf.div(tf.sub(square, neg), add3);
        const add4 = tf.add(tf.reshape(tf.matMul(tf.reshape(div, [-1, 6]), attn_u), [-1, 784]), attn_c);
        const mul = tf.mul(tf.sum(div, [2]), tf.softmax(tf.div(add4, tf.maximum(temperature, tf.scalar(1)))));
        const sub3 = tf.sub(mul, tf.mean(mul, [-1], true));
        const rsqrt = tf.rsqrt(tf.add(tf.mean(tf.square(sub3), [-1], true), tf.scalar(0.00001)));
        const add5 = tf.add(tf.mul(tf.mul(sub3, rsqrt), gamma), beta);
        return tf.reshape(tf.matMul(tf.mul(add5, tf.sigmoid(add5)), kernel), [x.shape[0]!, 64]);
      }
      // params { units: 10, gridSize: 3, order: 3, activation: 'silu', func: 'quad1', funcNorm:
      // 'l2mm_sample' } and input shapes [null, 64]
      const [x] = toList(inputs) as [tf.Tensor];
      const low = this.w.low.read();
      const high = this.w.high.read();
      const attn_u = this.w.attn_u.read();
      const attn_c = this.w.attn_c.read();
      const temperature = this.w.temperature.read();
      const gamma = this.w.gamma.read();
      const beta = this.w.beta.read();
      const kernel = this.w.kernel.read();
      const constant = tf.tensor(
        [-1, -0.6666666666666666, -0.3333333333333333, 0, 0.3333333333333333, 0.6666666666666666],
        [6],
        'float32',
      );
      const add = tf.add(low, constant);
      const constant2 = tf.tensor(
        [0.33333333333333326, 0.6666666666666666, 1, 1.3333333333333333, 1.6666666666666665, 2],
        [6],
        'float32',
      );
      const add2 = tf.add(high, constant2);
      const reshape = tf.reshape(tf.reshape(x, [-1, 64]), [-1, 64, 1]);
      const sub = tf.sub(reshape, add);
      const sub2 = tf.sub(add2, reshape);
      const square = tf.square(tf.mul(tf.mul(sub, tf.sigmoid(sub)), tf.mul(sub2, tf.sigmoid(sub2))));
      const neg = tf.neg(tf.max(tf.neg(square), [1, 2], true));
      const add3 = tf.add(tf.sub(tf.max(square, [1, 2], true), neg), tf.scalar(1e-8));
      const div = tf.div(tf.sub(square, neg), add3);
      const add4 = tf.add(tf.reshape(tf.matMul(tf.reshape(div, [-1, 6]), attn_u), [-1, 64]), attn_c);
      const mul = tf.mul(tf.sum(div, [2]), tf.softmax(tf.div(add4, tf.maximum(temperature, tf.scalar(1)))));
      const sub3 = tf.sub(mul, tf.mean(mul, [-1], true));
      const rsqrt = tf.rsqrt(tf.add(tf.mean(tf.square(sub3), [-1], true), tf.scalar(0.00001)));
      const add5 = tf.add(tf.mul(tf.mul(sub3, rsqrt), gamma), beta);
      return tf.reshape(tf.matMul(tf.mul(add5, tf.sigmoid(add5)), kernel), [x.shape[0]!, 10]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      kernelType: 'kan.afKan',
      params: this.params,
      seed: this.seed,
    };
  }
}
tf.serialization.registerClass(AfKan);

/**
 * The model: one tfjs layer per graph node, named after the node, with the initial weights
 * Netwright gives it (seed 1).
 */
export function buildModel(): tf.LayersModel {
  const input = tf.input({ shape: [784], name: 'input' });
  const afkan1 = new AfKan({
    name: 'afkan1',
    params: { units: 64, gridSize: 3, order: 3, activation: 'silu', func: 'quad1', funcNorm: 'l2mm_sample' },
    seed: 3266608886,
  }).apply(input) as tf.SymbolicTensor;
  const afkan2 = new AfKan({
    name: 'afkan2',
    params: { units: 10, gridSize: 3, order: 3, activation: 'silu', func: 'quad1', funcNorm: 'l2mm_sample' },
    seed: 3283386505,
  }).apply(afkan1) as tf.SymbolicTensor;
  return tf.model({ inputs: [input], outputs: [afkan2], name: 'AF_KAN_on_MNIST' });
}

/**
 * Sparse categorical cross-entropy (losses.sparseCategoricalCrossentropy): L = −mean_b log p_{b,
 * t_b}, log p = logSoftmax(z) when fromLogits, else log(clip(p / Σ_c p, ε, 1−ε))
 *
 * Traced for { fromLogits: true }.
 */
function sparseCategoricalCrossentropy(pred: tf.Tensor, target: tf.Tensor): tf.Scalar {
  return tf.neg(tf.mean(tf.sum(tf.mul(oneHot(target, 10), tf.logSoftmax(pred)), [-1]))) as tf.Scalar;
}

/** Accuracy (metrics.accuracy): acc = mean_b [argmax_c p_bc = t_b] */
function accuracy(pred: tf.Tensor, target: tf.Tensor): tf.Scalar {
  const cast = tf.cast(tf.reshape(target, [-1]), 'int32');
  return tf.mean(tf.cast(tf.equal(tf.argMax(pred, -1), cast), 'float32')) as tf.Scalar;
}

/** Training data: features [N, 784], and class indices [N] (int32). */
export interface TrainData {
  x: tf.Tensor;
  y: tf.Tensor;
}

export interface TrainOptions {
  /** Epochs (default: the graph's 3). */
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

const STAGES: Stage[] = [{ name: 'train', epochs: 3, learningRate: 0.001 }];

/**
 * AdamW (learningRate 0.001, beta1 0.9, beta2 0.999, epsilon 1e-7, weightDecay 0.0001), a fresh one
 * per stage. train() applies its decoupled weight decay before each Adam step.
 *
 * Paper: Loshchilov, Hutter (2017). Decoupled Weight Decay Regularization. arXiv:1711.05101
 */
function makeOptimizer(learningRate: number): tf.Optimizer {
  return tf.train.adam(learningRate, 0.9, 0.999, 1e-7);
}

/** One batch through the model (training mode): the total loss, and each loss term and metric. */
type Batch = { total: tf.Scalar; values: Record<string, tf.Scalar> };

/** Runs the model on a batch and computes the loss and the metrics. */
function objective(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor): Batch {
  const [afkan2] = toList(model.apply(x, { training: true }) as tf.Tensor | tf.Tensor[]) as [tf.Tensor];
  const loss = sparseCategoricalCrossentropy(afkan2, y);
  return { total: loss, values: { loss, accuracy: accuracy(afkan2, y) } };
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
 * 0.9, beta2 0.999, epsilon 1e-7, weightDecay 0.0001), batches of 64 in the order Netwright's
 * trainer uses for seed 1, 3 epochs. The graph trains on Netwright's 'mnist' dataset { trainSize:
 * 6000, valSize: 2000, flat: true }: pass the same data as tensors.
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
        // Decoupled weight decay (AdamW): w ← w·(1 − lr·λ), λ = 0.0001, before the Adam step.
        tf.tidy(() => {
          for (const v of vars) v.assign(tf.mul(v, 1 - stage.learningRate * 0.0001));
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
