// MIP hypernetwork (λ-conditioned smoothing): a tfjs model exported by Netwright. Standalone: it
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

/** Segment-wise initialiser: each segment of the last axis drawn by its own initialiser, fans from its fanShape. */
function segmentedInitializer(
  segments: [number, number[] | null, ReturnType<typeof tf.initializers.zeros>][],
): ReturnType<typeof tf.initializers.zeros> {
  const apply = (shape: number[], dtype?: tf.DataType): tf.Tensor =>
    tf.tidy(() => {
      const lead = shape.slice(0, -1);
      const parts = segments.map(([size, fan, init]) =>
        tf.reshape(init.apply(fan ?? [...lead, size], dtype), [...lead, size]),
      );
      return tf.concat(parts, -1);
    });
  return { apply } as unknown as ReturnType<typeof tf.initializers.zeros>;
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
 * Random scalar (primitives.randomScalar): training: λ_b ~ U(lo, hi) (per sample, or one λ for the
 * whole batch); inference: λ_b = value; y: [B, 1]
 *
 * The node's kernel traced into tfjs, registered as 'NetwrightPrimitivesRandomScalar' like the
 * Netwright app's class, so models the app saves load with this one.
 */
export class RandomScalar extends tf.layers.Layer {
  static className = 'NetwrightPrimitivesRandomScalar';
  readonly params: tf.serialization.ConfigDict;
  readonly seed: number;
  // Random draws so far (dropout masks): each is seeded from seed and its number, as in the app.
  private draws = 0;

  constructor(args: KernelLayerArgs) {
    super(args);
    this.params = args.params ?? {};
    this.seed = args.seed ?? 0;
  }

  override computeOutputShape(): tf.Shape {
    return [null, 1];
  }

  // Traced for params { lo: 0, hi: 1, per: 'batch', value: 0.5 } and input shapes [null, 128, 1].
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    return tf.tidy(() => {
      if (kwargs.training === true) {
        const [x] = toList(inputs) as [tf.Tensor];
        const stopGradient2 = stopGradient(tf.slice(tf.reshape(x, [x.shape[0]!, -1]), [0, 0], [-1, 1]));
        const mul = tf.mul(tf.scalar(0), stopGradient2);
        const randomUniform = tf.randomUniform(
          [1, 1],
          0,
          1,
          'float32',
          (this.seed + Math.imul(++this.draws, 0x9e3779b9)) >>> 0,
        );
        const mul2 = tf.mul(randomUniform, tf.scalar(1));
        const add = tf.add(mul2, tf.scalar(0));
        return tf.add(mul, add);
      }
      const [x] = toList(inputs) as [tf.Tensor];
      const stopGradient2 = stopGradient(tf.slice(tf.reshape(x, [x.shape[0]!, -1]), [0, 0], [-1, 1]));
      return tf.add(tf.mul(tf.scalar(0), stopGradient2), tf.scalar(0.5));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      kernelType: 'primitives.randomScalar',
      params: this.params,
      seed: this.seed,
    };
  }
}
tf.serialization.registerClass(RandomScalar);

/**
 * Hypernetwork input encoding (hyper.encoding): cos|sin: e(z) = [cos(πz/2), sin(πz/2)] ∈ R^{2k},
 * ‖e‖ = √k; z|1−z: e(z) = [z, 1 − z]; raw: e(z) = z
 *
 * Paper: Jose Javier Gonzalez Ortiz, John Guttag, Adrian V. Dalca (2023). Magnitude Invariant
 * Parametrizations Improve Hypernetwork Learning. arXiv:2304.07645
 *
 * The node's kernel traced into tfjs, registered as 'NetwrightHyperEncoding' like the Netwright
 * app's class, so models the app saves load with this one.
 */
export class Encoding extends tf.layers.Layer {
  static className = 'NetwrightHyperEncoding';
  readonly params: tf.serialization.ConfigDict;
  readonly seed: number;

  constructor(args: KernelLayerArgs) {
    super(args);
    this.params = args.params ?? {};
    this.seed = args.seed ?? 0;
  }

  override computeOutputShape(): tf.Shape {
    return [null, 2];
  }

  // Traced for params { mode: 'cosSin' } and input shapes [null, 1].
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [z] = toList(inputs) as [tf.Tensor];
      const mul = tf.mul(z, tf.scalar(1.5707963267948966));
      return tf.concat([tf.cos(mul), tf.sin(mul)], -1);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      kernelType: 'hyper.encoding',
      params: this.params,
      seed: this.seed,
    };
  }
}
tf.serialization.registerClass(Encoding);

/**
 * Hypernetwork output (θ₀ bias) (hyper.output): θ = h·W + b, W: [H, P], b: [P], P = Σ_l
 * (w_{l−1}·w_l + w_l); mip: b = θ₀ segment-wise (kernel_l ~ N(0, 2/w_{l−1}), bias_l = 0), W ~ N(0,
 * 1/P); else W Glorot uniform, b = 0
 *
 * Paper: Jose Javier Gonzalez Ortiz, John Guttag, Adrian V. Dalca (2023). Magnitude Invariant
 * Parametrizations Improve Hypernetwork Learning. arXiv:2304.07645
 *
 * The node's kernel traced into tfjs, registered as 'NetwrightHyperOutput' like the Netwright app's
 * class, so models the app saves load with this one.
 */
export class Output extends tf.layers.Layer {
  static className = 'NetwrightHyperOutput';
  readonly params: tf.serialization.ConfigDict;
  readonly seed: number;
  private w!: { kernel: tf.LayerVariable; bias: tf.LayerVariable };

  constructor(args: KernelLayerArgs) {
    super(args);
    this.params = args.params ?? {};
    this.seed = args.seed ?? 0;
  }

  override build(): void {
    this.w = {
      kernel: this.addWeight(
        'kernel',
        [128, 1153],
        'float32',
        tf.initializers.varianceScaling({
          scale: 1.2924216342232246,
          mode: 'fanOut',
          distribution: 'normal',
          seed: this.seed,
        }),
        undefined,
        true,
      ),
      bias: this.addWeight('bias', [1153], 'float32', segmentedInitializer([
          [
            32,
            [1, 32],
            tf.initializers.varianceScaling({
              scale: 2.5848432684464493,
              mode: 'fanIn',
              distribution: 'normal',
              seed: this.seed + 1 + 7919,
            }),
          ],
          [32, null, tf.initializers.zeros()],
          [
            1024,
            [32, 32],
            tf.initializers.varianceScaling({
              scale: 2.5848432684464493,
              mode: 'fanIn',
              distribution: 'normal',
              seed: this.seed + 1 + 23757,
            }),
          ],
          [32, null, tf.initializers.zeros()],
          [
            32,
            [32, 1],
            tf.initializers.varianceScaling({
              scale: 2.5848432684464493,
              mode: 'fanIn',
              distribution: 'normal',
              seed: this.seed + 1 + 39595,
            }),
          ],
          [1, null, tf.initializers.zeros()],
        ]), undefined, true),
    };
    this.built = true;
  }

  override computeOutputShape(): tf.Shape {
    return [null, 1153];
  }

  // Traced for params { primary: [1, 32, 32, 1], mip: true } and input shapes [null, 128].
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [h] = toList(inputs) as [tf.Tensor];
      const kernel = this.w.kernel.read();
      const bias = this.w.bias.read();
      return tf.add(tf.matMul(h, kernel), bias);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      kernelType: 'hyper.output',
      params: this.params,
      seed: this.seed,
    };
  }
}
tf.serialization.registerClass(Output);

/**
 * Hyper dense (hyper.dense): W_b = reshape(θ_b[o : o + n·u], [n, u]), c_b = θ_b[o + n·u : o + n·u +
 * u]; y_b = x_b·W_b + c_b (x_b: [M, n], per sample b; no own parameters)
 *
 * Paper: Jose Javier Gonzalez Ortiz, John Guttag, Adrian V. Dalca (2023). Magnitude Invariant
 * Parametrizations Improve Hypernetwork Learning. arXiv:2304.07645
 *
 * The node's kernel traced into tfjs, registered as 'NetwrightHyperDense' like the Netwright app's
 * class, so models the app saves load with this one.
 */
export class Dense extends tf.layers.Layer {
  static className = 'NetwrightHyperDense';
  readonly params: tf.serialization.ConfigDict;
  readonly seed: number;
  // One traced variant per use in the graph: params, input shapes without the batch.
  private static readonly variants = [
    '[{"units":32,"offset":0},[[128,1],[1153]]]',
    '[{"units":32,"offset":64},[[128,32],[1153]]]',
    '[{"units":1,"offset":1120},[[128,32],[1153]]]',
  ];
  private variant = 0;

  constructor(args: KernelLayerArgs) {
    super(args);
    this.params = args.params ?? {};
    this.seed = args.seed ?? 0;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    this.variant = variantOf(Dense.variants, this.params, inputShape, this.name);
    this.built = true;
  }

  override computeOutputShape(): tf.Shape {
    const shapes: tf.Shape[] = [
      [null, 128, 32],
      [null, 128, 32],
      [null, 128, 1],
    ];
    return shapes[this.variant]!;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      if (this.variant === 0) {
        // params { units: 32, offset: 0 } and input shapes [null, 128, 1], [null, 1153]
        const [x, theta] = toList(inputs) as [tf.Tensor, tf.Tensor];
        const reshape = tf.reshape(tf.slice(theta, [0, 0], [-1, 32]), [-1, 1, 32]);
        const reshape2 = tf.reshape(tf.slice(theta, [0, 32], [-1, 32]), [-1, 1, 32]);
        return tf.reshape(tf.add(tf.matMul(tf.reshape(x, [-1, 128, 1]), reshape), reshape2), [-1, 128, 32]);
      }
      if (this.variant === 1) {
        // params { units: 32, offset: 64 } and input shapes [null, 128, 32], [null, 1153]
        const [x, theta] = toList(inputs) as [tf.Tensor, tf.Tensor];
        const reshape = tf.reshape(tf.slice(theta, [0, 64], [-1, 1024]), [-1, 32, 32]);
        const reshape2 = tf.reshape(tf.slice(theta, [0, 1088], [-1, 32]), [-1, 1, 32]);
        return tf.reshape(tf.add(tf.matMul(tf.reshape(x, [-1, 128, 32]), reshape), reshape2), [-1, 128, 32]);
      }
      // params { units: 1, offset: 1120 } and input shapes [null, 128, 32], [null, 1153]
      const [x, theta] = toList(inputs) as [tf.Tensor, tf.Tensor];
      const reshape = tf.reshape(tf.slice(theta, [0, 1120], [-1, 32]), [-1, 32, 1]);
      const reshape2 = tf.reshape(tf.slice(theta, [0, 1152], [-1, 1]), [-1, 1, 1]);
      return tf.reshape(tf.add(tf.matMul(tf.reshape(x, [-1, 128, 32]), reshape), reshape2), [-1, 128, 1]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      kernelType: 'hyper.dense',
      params: this.params,
      seed: this.seed,
    };
  }
}
tf.serialization.registerClass(Dense);

/**
 * The model: one tfjs layer per graph node, named after the node, with the initial weights
 * Netwright gives it (seed 1).
 */
export function buildModel(): tf.LayersModel {
  const input = tf.input({ shape: [128, 1], name: 'input' });
  const lambda = new RandomScalar({
    name: 'lambda',
    params: { lo: 0, hi: 1, per: 'batch', value: 0.5 },
    seed: 2131071193,
  }).apply(input) as tf.SymbolicTensor;
  const encoding = new Encoding({
    name: 'encoding',
    params: { mode: 'cosSin' },
    seed: 3204182239,
  }).apply(lambda) as tf.SymbolicTensor;
  const hyper1 = tf.layers
    .dense({
      name: 'hyper1',
      units: 16,
      activation: 'linear',
      useBias: true,
      kernelInitializer: tf.initializers.varianceScaling({
        scale: 2.5848432684464493,
        mode: 'fanIn',
        distribution: 'normal',
        seed: 1612772967,
      }),
    })
    .apply(encoding) as tf.SymbolicTensor;
  // Leaky ReLU: Maas, Hannun, Ng (2013). Rectifier Nonlinearities Improve Neural Network Acoustic
  // Models. https://ai.stanford.edu/~amaas/papers/relu_hybrid_icml2013_final.pdf
  const act1 = tf.layers.leakyReLU({ name: 'act1', alpha: 0.01 }).apply(hyper1) as tf.SymbolicTensor;
  const hyper2 = tf.layers
    .dense({
      name: 'hyper2',
      units: 64,
      activation: 'linear',
      useBias: true,
      kernelInitializer: tf.initializers.varianceScaling({
        scale: 2.5848432684464493,
        mode: 'fanIn',
        distribution: 'normal',
        seed: 1663105824,
      }),
    })
    .apply(act1) as tf.SymbolicTensor;
  // Leaky ReLU: Maas, Hannun, Ng (2013). Rectifier Nonlinearities Improve Neural Network Acoustic
  // Models. https://ai.stanford.edu/~amaas/papers/relu_hybrid_icml2013_final.pdf
  const act2 = tf.layers.leakyReLU({ name: 'act2', alpha: 0.01 }).apply(hyper2) as tf.SymbolicTensor;
  const hyper3 = tf.layers
    .dense({
      name: 'hyper3',
      units: 128,
      activation: 'linear',
      useBias: true,
      kernelInitializer: tf.initializers.varianceScaling({
        scale: 2.5848432684464493,
        mode: 'fanIn',
        distribution: 'normal',
        seed: 1646328205,
      }),
    })
    .apply(act2) as tf.SymbolicTensor;
  // Leaky ReLU: Maas, Hannun, Ng (2013). Rectifier Nonlinearities Improve Neural Network Acoustic
  // Models. https://ai.stanford.edu/~amaas/papers/relu_hybrid_icml2013_final.pdf
  const act3 = tf.layers.leakyReLU({ name: 'act3', alpha: 0.01 }).apply(hyper3) as tf.SymbolicTensor;
  const theta = new Output({
    name: 'theta',
    params: { primary: [1, 32, 32, 1], mip: true },
    seed: 3504148362,
  }).apply(act3) as tf.SymbolicTensor;
  const primary1 = new Dense({
    name: 'primary1',
    params: { units: 32, offset: 0 },
    seed: 3741391143,
  }).apply([input, theta]) as tf.SymbolicTensor;
  // ReLU: Nair, Hinton (2010). Rectified Linear Units Improve Restricted Boltzmann Machines.
  // https://www.cs.toronto.edu/~hinton/absps/reluICML.pdf
  const relu1 = tf.layers
    .activation({ name: 'relu1', activation: 'relu' })
    .apply(primary1) as tf.SymbolicTensor;
  const primary2 = new Dense({
    name: 'primary2',
    params: { units: 32, offset: 64 },
    seed: 3791724000,
  }).apply([relu1, theta]) as tf.SymbolicTensor;
  // ReLU: Nair, Hinton (2010). Rectified Linear Units Improve Restricted Boltzmann Machines.
  // https://www.cs.toronto.edu/~hinton/absps/reluICML.pdf
  const relu2 = tf.layers
    .activation({ name: 'relu2', activation: 'relu' })
    .apply(primary2) as tf.SymbolicTensor;
  const primary3 = new Dense({
    name: 'primary3',
    params: { units: 1, offset: 1120 },
    seed: 3774946381,
  }).apply([relu2, theta]) as tf.SymbolicTensor;
  const output = tf.layers
    .activation({ name: 'output', activation: 'linear' })
    .apply(primary3) as tf.SymbolicTensor;
  return tf.model({
    inputs: [input],
    outputs: [lambda, primary3, output],
    name: 'MIP_hypernetwork_conditioned_smoothing',
  });
}

/**
 * Loss mix (λ-conditioned) (losses.lossMix): L = mean_b [ (1 − λ_b)·mean_i (ŷ_{b,i} − y_{b,i})² +
 * λ_b·(1/(N−1))·Σ_i |ŷ_{b,i+1} − ŷ_{b,i}| ]
 *
 * Paper: Jose Javier Gonzalez Ortiz, John Guttag, Adrian V. Dalca (2023). Magnitude Invariant
 * Parametrizations Improve Hypernetwork Learning. arXiv:2304.07645
 */
function lossMix(pred: tf.Tensor, target: tf.Tensor, lambda: tf.Tensor): tf.Scalar {
  const reshape = tf.reshape(lambda, [-1]);
  const sub = tf.sub(tf.slice(pred, [0, 1, 0], [-1, -1, -1]), tf.slice(pred, [0, 0, 0], [-1, 127, -1]));
  const mul = tf.mul(tf.sub(tf.scalar(1), reshape), tf.mean(tf.square(tf.sub(pred, target)), [1, 2]));
  return tf.mean(tf.add(mul, tf.mul(reshape, tf.mean(tf.abs(sub), [1, 2])))) as tf.Scalar;
}

/** Training data: features [N, 128, 1], and target values [N, …] (float32). */
export interface TrainData {
  x: tf.Tensor;
  y: tf.Tensor;
}

export interface TrainOptions {
  /** Epochs (default: the graph's 10). */
  epochs?: number;
  /** Default 8. */
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

const STAGES: Stage[] = [{ name: 'train', epochs: 10, learningRate: 0.001 }];

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
  const outputs = model.apply(x, { training: true }) as tf.Tensor | tf.Tensor[];
  const [lambda, primary3] = toList(outputs) as [tf.Tensor, tf.Tensor];
  const loss = lossMix(primary3, y, lambda);
  return { total: loss, values: { loss } };
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
 * beta2 0.999, epsilon 1e-7), batches of 8 in the order Netwright's trainer uses for seed 1, 10
 * epochs. The graph trains on Netwright's 'noisySineGrid' dataset { samples: 600, points: 128,
 * noise: 0.3 }: pass the same data as tensors.
 *
 * Resolves to a report per epoch; a non-finite loss stops training with an error.
 */
export async function train(
  model: tf.LayersModel,
  data: TrainData,
  opts: TrainOptions = {},
): Promise<EpochReport[]> {
  const batchSize = opts.batchSize ?? 8;
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
