// EvoNorm-S0 from primitives: a tfjs model exported by Netwright. Standalone: it needs only
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
 * Group (group.subgraph): y = inner graph(x) (the inner nodes, wired as drawn)
 *
 * The node's kernel traced into tfjs, registered as 'NetwrightGroupSubgraph' like the Netwright
 * app's class, so models the app saves load with this one.
 */
export class Subgraph extends tf.layers.Layer {
  static className = 'NetwrightGroupSubgraph';
  readonly params: tf.serialization.ConfigDict;
  readonly seed: number;
  private w!: { 'v.w': tf.LayerVariable; 'gamma.w': tf.LayerVariable; 'beta.w': tf.LayerVariable };

  constructor(args: KernelLayerArgs) {
    super(args);
    this.params = args.params ?? {};
    this.seed = args.seed ?? 0;
  }

  override build(): void {
    this.w = {
      'v.w': this.addWeight('v.w', [8], 'float32', tf.initializers.constant({ value: 1 }), undefined, true),
      'gamma.w': this.addWeight(
        'gamma.w',
        [8],
        'float32',
        tf.initializers.constant({ value: 1 }),
        undefined,
        true,
      ),
      'beta.w': this.addWeight(
        'beta.w',
        [8],
        'float32',
        tf.initializers.constant({ value: 0 }),
        undefined,
        true,
      ),
    };
    this.built = true;
  }

  override computeOutputShape(): tf.Shape {
    return [null, 8, 8, 8];
  }

  // Traced for params { steps: [{ id: 'v', type: 'primitives.parameter', params: { shape:
  // 'channel', init: 1, initializer: 'constant' }, inputs: [{ port: 0 }], shapes: [[null, 8, 8, 8]]
  // }, { id: 'std', type: 'primitives.reduce', params: { stat: 'std', over: 'group', groups: 2,
  // epsilon: 0.00001 }, inputs: [{ port: 0 }], shapes: [[null, 8, 8, 8]] }, { id: 'gamma', type:
  // 'primitives.parameter', params: { shape: 'channel', init: 1, initializer: 'constant' }, inputs:
  // [{ port: 0 }], shapes: [[null, 8, 8, 8]] }, { id: 'beta', type: 'primitives.parameter', params:
  // { shape: 'channel', init: 0, initializer: 'constant' }, inputs: [{ port: 0 }], shapes: [[null,
  // 8, 8, 8]] }, { id: 'vx', type: 'primitives.binary', params: { op: 'mul', constant: 1 }, inputs:
  // [{ port: 0 }, { step: 0 }], shapes: [[null, 8, 8, 8], [1, 1, 1, 8]] }, { id: 'gate', type:
  // 'primitives.unary', params: { op: 'sigmoid' }, inputs: [{ step: 4 }], shapes: [[null, 8, 8, 8]]
  // }, { id: 'num', type: 'primitives.binary', params: { op: 'mul', constant: 1 }, inputs: [{ port:
  // 0 }, { step: 5 }], shapes: [[null, 8, 8, 8], [null, 8, 8, 8]] }, { id: 'normed', type:
  // 'primitives.binary', params: { op: 'div', constant: 1 }, inputs: [{ step: 6 }, { step: 1 }],
  // shapes: [[null, 8, 8, 8], [null, 1, 1, 8]] }, { id: 'scaled', type: 'primitives.binary',
  // params: { op: 'mul', constant: 1 }, inputs: [{ step: 7 }, { step: 2 }], shapes: [[null, 8, 8,
  // 8], [1, 1, 1, 8]] }, { id: 'y', type: 'primitives.binary', params: { op: 'add', constant: 1 },
  // inputs: [{ step: 8 }, { step: 3 }], shapes: [[null, 8, 8, 8], [1, 1, 1, 8]] }], output: 9,
  // ports: ['x'], outputShape: [null, 8, 8, 8] } and input shapes [null, 8, 8, 8].
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [x] = toList(inputs) as [tf.Tensor];
      const vW = this.w['v.w'].read();
      const gammaW = this.w['gamma.w'].read();
      const betaW = this.w['beta.w'].read();
      const mul = tf.mul(tf.scalar(0), tf.mean(tf.clipByValue(x, -1, 1)));
      const reshape = tf.reshape(x, [x.shape[0]!, 8, 8, 2, 4]);
      const square = tf.square(tf.sub(reshape, tf.mean(reshape, [1, 2, 4], true)));
      const sqrt = tf.sqrt(tf.add(tf.mean(square, [1, 2, 4], true), tf.scalar(0.00001)));
      const mul2 = tf.mul(sqrt, tf.tensor([1, 1, 1, 1], [4], 'float32'));
      const mul3 = tf.mul(tf.scalar(0), tf.mean(tf.clipByValue(x, -1, 1)));
      const mul4 = tf.mul(tf.scalar(0), tf.mean(tf.clipByValue(x, -1, 1)));
      const mul5 = tf.mul(x, tf.sigmoid(tf.mul(x, tf.add(tf.reshape(vW, [1, 1, 1, 8]), mul))));
      const div = tf.div(mul5, tf.reshape(mul2, [x.shape[0]!, 1, 1, 8]));
      const mul6 = tf.mul(div, tf.add(tf.reshape(gammaW, [1, 1, 1, 8]), mul3));
      return tf.add(mul6, tf.add(tf.reshape(betaW, [1, 1, 1, 8]), mul4));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      kernelType: 'group.subgraph',
      params: this.params,
      seed: this.seed,
    };
  }
}
tf.serialization.registerClass(Subgraph);

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
  const evonorm = new Subgraph({
    name: 'evonorm',
    params: {
      steps: [
        {
          id: 'v',
          type: 'primitives.parameter',
          params: { shape: 'channel', init: 1, initializer: 'constant' },
          inputs: [{ port: 0 }],
          shapes: [[null, 8, 8, 8]],
        },
        {
          id: 'std',
          type: 'primitives.reduce',
          params: { stat: 'std', over: 'group', groups: 2, epsilon: 0.00001 },
          inputs: [{ port: 0 }],
          shapes: [[null, 8, 8, 8]],
        },
        {
          id: 'gamma',
          type: 'primitives.parameter',
          params: { shape: 'channel', init: 1, initializer: 'constant' },
          inputs: [{ port: 0 }],
          shapes: [[null, 8, 8, 8]],
        },
        {
          id: 'beta',
          type: 'primitives.parameter',
          params: { shape: 'channel', init: 0, initializer: 'constant' },
          inputs: [{ port: 0 }],
          shapes: [[null, 8, 8, 8]],
        },
        {
          id: 'vx',
          type: 'primitives.binary',
          params: { op: 'mul', constant: 1 },
          inputs: [{ port: 0 }, { step: 0 }],
          shapes: [
            [null, 8, 8, 8],
            [1, 1, 1, 8],
          ],
        },
        {
          id: 'gate',
          type: 'primitives.unary',
          params: { op: 'sigmoid' },
          inputs: [{ step: 4 }],
          shapes: [[null, 8, 8, 8]],
        },
        {
          id: 'num',
          type: 'primitives.binary',
          params: { op: 'mul', constant: 1 },
          inputs: [{ port: 0 }, { step: 5 }],
          shapes: [
            [null, 8, 8, 8],
            [null, 8, 8, 8],
          ],
        },
        {
          id: 'normed',
          type: 'primitives.binary',
          params: { op: 'div', constant: 1 },
          inputs: [{ step: 6 }, { step: 1 }],
          shapes: [
            [null, 8, 8, 8],
            [null, 1, 1, 8],
          ],
        },
        {
          id: 'scaled',
          type: 'primitives.binary',
          params: { op: 'mul', constant: 1 },
          inputs: [{ step: 7 }, { step: 2 }],
          shapes: [
            [null, 8, 8, 8],
            [1, 1, 1, 8],
          ],
        },
        {
          id: 'y',
          type: 'primitives.binary',
          params: { op: 'add', constant: 1 },
          inputs: [{ step: 8 }, { step: 3 }],
          shapes: [
            [null, 8, 8, 8],
            [1, 1, 1, 8],
          ],
        },
      ],
      output: 9,
      ports: ['x'],
      outputShape: [null, 8, 8, 8],
    },
    seed: 1895015220,
  }).apply(conv) as tf.SymbolicTensor;
  const gap = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(evonorm) as tf.SymbolicTensor;
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
