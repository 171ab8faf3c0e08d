// Inductive-bias meter: bits to generalise vs input dimension: a tfjs model exported by Netwright.
// Standalone: it needs only @tensorflow/tfjs.
// buildModel() builds the model, train(model, data) trains it as the graph configures it.
// Compile with tsc --strict --skipLibCheck (tfjs's own type declarations fail the lib check).
import * as tf from '@tensorflow/tfjs';

/** tfjs hands a layer (and a model returns) one tensor or a list of them. */
function toList(x: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
  return Array.isArray(x) ? x : [x];
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

/** Constructor arguments of the kernel layers; getConfig() returns them (as Netwright saves them). */
export interface KernelLayerArgs {
  name?: string;
  trainable?: boolean;
  params?: tf.serialization.ConfigDict;
  seed?: number;
}

/**
 * Random ReLU features (frozen, with random bias) (layers.randomReluFeatures): φ(x) = ReLU(x·W +
 * b), W_{ij} ~ N(0, σ_w²/d), b_j ~ N(0, σ_b²), both frozen
 *
 * Paper: Akhilan Boopathy, William Yue, Jaedong Hwang, Abhiram Iyer, Ila Fiete (2024). Towards
 * Exact Computation of Inductive Bias. arXiv:2406.15941
 *
 * The node's kernel traced into tfjs, registered as 'NetwrightLayersRandomReluFeatures' like the
 * Netwright app's class, so models the app saves load with this one.
 */
export class RandomReluFeatures extends tf.layers.Layer {
  static className = 'NetwrightLayersRandomReluFeatures';
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
        [8, 512],
        'float32',
        tf.initializers.varianceScaling({
          scale: 2.5848432684464493,
          mode: 'fanIn',
          distribution: 'normal',
          seed: this.seed,
        }),
        undefined,
        false,
      ),
      bias: this.addWeight(
        'bias',
        [512],
        'float32',
        segmentedInitializer([
          [
            512,
            [1, 512],
            tf.initializers.varianceScaling({
              scale: 1.2924216342232246,
              mode: 'fanIn',
              distribution: 'normal',
              seed: this.seed + 1 + 7919,
            }),
          ],
        ]),
        undefined,
        false,
      ),
    };
    this.built = true;
  }

  override computeOutputShape(): tf.Shape {
    return [null, 512];
  }

  // Traced for params { units: 512, weightVariance: 2, biasVariance: 1 } and input shapes [null,
  // 8].
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [x] = toList(inputs) as [tf.Tensor];
      const kernel = this.w.kernel.read();
      const bias = this.w.bias.read();
      return tf.relu(tf.add(tf.matMul(x, kernel), bias));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      kernelType: 'layers.randomReluFeatures',
      params: this.params,
      seed: this.seed,
    };
  }
}
tf.serialization.registerClass(RandomReluFeatures);

/**
 * The model: one tfjs layer per graph node, named after the node, with the initial weights
 * Netwright gives it (seed 1).
 */
export function buildModel(): tf.LayersModel {
  const input = tf.input({ shape: [8], name: 'input' });
  const features = new RandomReluFeatures({
    name: 'features',
    params: { units: 512, weightVariance: 2, biasVariance: 1 },
    seed: 1602462393,
  }).apply(input) as tf.SymbolicTensor;
  const readout = tf.layers
    .dense({
      name: 'readout',
      units: 1,
      activation: 'linear',
      useBias: false,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 879695694 }),
    })
    .apply(features) as tf.SymbolicTensor;
  return tf.model({
    inputs: [input],
    outputs: [readout],
    name: 'Inductive_bias_meter_bits_to_generalise_vs_input_dimension',
  });
}

/** Mean squared error (losses.meanSquaredError): L = mean (p − t)² */
function meanSquaredError(pred: tf.Tensor, target: tf.Tensor): tf.Scalar {
  return tf.mean(tf.square(tf.sub(pred, target))) as tf.Scalar;
}

/** Training data: features [N, 8], and target values [N, …] (float32). */
export interface TrainData {
  x: tf.Tensor;
  y: tf.Tensor;
}

export interface TrainOptions {
  /** Epochs (default: the graph's 100). */
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

/** A training stage: epochs, learning rate, and the variable groups it trains (all when absent). */
interface Stage {
  name: string;
  epochs: number;
  learningRate: number;
  groups?: string[];
}

const STAGES: Stage[] = [{ name: 'fit readout', epochs: 100, learningRate: 0.01, groups: ['main'] }];

/** Variable groups: the layers (node ids) whose weights each group holds. */
const GROUPS: Record<string, string[]> = { frozen: ['features'], main: ['readout'] };

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
  const [readout] = toList(model.apply(x, { training: true }) as tf.Tensor | tf.Tensor[]) as [tf.Tensor];
  const loss = meanSquaredError(readout, y);
  return { total: loss, values: { loss } };
}

/** Trainable variables of the layers in `groups` (every layer when absent). */
function trainableVariables(model: tf.LayersModel, groups?: string[]): tf.Variable[] {
  const ids = groups?.flatMap((g) => GROUPS[g] ?? []);
  const layers = ids ? ids.map((id) => model.getLayer(id)) : model.layers;
  return layers.flatMap((l) => l.trainableWeights.map((w) => w.read() as tf.Variable));
}

/**
 * Runs the layers outside `groups` in inference mode while a stage trains (BatchNorm uses and
 * keeps its moving statistics, dropout is off), as Netwright's trainer does. Returns the undo.
 */
function freezeOthers(model: tf.LayersModel, groups?: string[]): () => void {
  if (!groups) return () => {};
  const trained = new Set(groups.flatMap((g) => GROUPS[g] ?? []));
  type Call = (inputs: unknown, kwargs: Record<string, unknown>) => unknown;
  const undo: (() => void)[] = [];
  for (const layer of model.layers) {
    if (trained.has(layer.name)) continue;
    const l = layer as unknown as { call: Call };
    const call = l.call;
    l.call = (inputs, kwargs) => call.call(layer, inputs, { ...kwargs, training: false });
    undo.push(() => {
      l.call = call;
    });
  }
  return () => {
    for (const u of undo) u();
  };
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
 * beta2 0.999, epsilon 1e-7), batches of 100 in the order Netwright's trainer uses for seed 1, 100
 * epochs. The graph trains on Netwright's 'sinRidge' dataset { d: 8, train: 100, test: 500, norm: 2
 * }: pass the same data as tensors.
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
    const vars = trainableVariables(model, stage.groups);
    const unfreeze = freezeOthers(model, stage.groups);
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
    unfreeze();
  }
  return history;
}
