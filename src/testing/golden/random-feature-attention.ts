// Random-feature attention vs random-feature MLP: a tfjs model exported by Netwright. Standalone:
// it needs only @tensorflow/tfjs.
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
 * Random-feature attention (attention.randomFeatureAttention): f(x_{0:N}) = (1/M)·Σ_m
 * (1/N)·Σ_{i=1..N} relu(x₀ᵀ(W_m + c·I)x_i)·⟨v_m, x_i⟩, W_m entries uniform with variance 1/d
 * (frozen), v_m ∈ R^d trainable. Params M·d² (frozen) + M·d (trainable)
 *
 * Paper: Fu, Guo, Bai, Mei (2023). What can a Single Attention Layer Learn? A Study Through the
 * Random Features Lens. arXiv:2307.11353
 *
 * The node's kernel traced into tfjs, registered as 'NetwrightAttentionRandomFeatureAttention' like
 * the Netwright app's class, so models the app saves load with this one.
 */
export class RandomFeatureAttention extends tf.layers.Layer {
  static className = 'NetwrightAttentionRandomFeatureAttention';
  readonly params: tf.serialization.ConfigDict;
  readonly seed: number;
  private w!: { qk: tf.LayerVariable; values: tf.LayerVariable };

  constructor(args: KernelLayerArgs) {
    super(args);
    this.params = args.params ?? {};
    this.seed = args.seed ?? 0;
  }

  override build(): void {
    this.w = {
      qk: this.addWeight(
        'qk',
        [9, 2304],
        'float32',
        tf.initializers.randomUniform({
          minval: -0.5773502691896257,
          maxval: 0.5773502691896257,
          seed: this.seed,
        }),
        undefined,
        false,
      ),
      values: this.addWeight(
        'values',
        [9, 256],
        'float32',
        tf.initializers.glorotUniform({ seed: this.seed + 1 }),
        undefined,
        true,
      ),
    };
    this.built = true;
  }

  override computeOutputShape(): tf.Shape {
    return [null, 1];
  }

  // Traced for params { heads: 256, meanScale: 0 } and input shapes [null, 9, 9].
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [x] = toList(inputs) as [tf.Tensor];
      const qk = this.w.qk.read();
      const values = this.w.values.read();
      const slice = tf.slice(x, [0, 1, 0], [-1, 8, 9]);
      const matMul = tf.matMul(tf.reshape(tf.slice(x, [0, 0, 0], [-1, 1, 9]), [-1, 9]), qk);
      const relu = tf.relu(tf.matMul(tf.reshape(matMul, [-1, 256, 9]), slice, false, true));
      const reshape = tf.reshape(tf.matMul(tf.reshape(slice, [-1, 9]), values), [-1, 8, 256]);
      const sum = tf.sum(tf.mul(relu, tf.transpose(reshape, [0, 2, 1])), [1, 2]);
      return tf.reshape(tf.mul(sum, tf.scalar(0.00048828125)), [-1, 1]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      kernelType: 'attention.randomFeatureAttention',
      params: this.params,
      seed: this.seed,
    };
  }
}
tf.serialization.registerClass(RandomFeatureAttention);

/**
 * The model: one tfjs layer per graph node, named after the node, with the initial weights
 * Netwright gives it (seed 1).
 */
export function buildModel(): tf.LayersModel {
  const input = tf.input({ shape: [9, 9], name: 'input' });
  const rfa = new RandomFeatureAttention({
    name: 'rfa',
    params: { heads: 256, meanScale: 0 },
    seed: 771543207,
  }).apply(input) as tf.SymbolicTensor;
  const flatten = tf.layers.flatten({ name: 'flatten' }).apply(input) as tf.SymbolicTensor;
  const features = tf.layers
    .dense({
      name: 'features',
      units: 2304,
      activation: 'relu',
      useBias: false,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 1602462393 }),
    })
    .apply(flatten) as tf.SymbolicTensor;
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
    outputs: [rfa, readout],
    name: 'Random_feature_attention_vs_random_feature_MLP',
  });
}

/** Mean squared error (losses.meanSquaredError): L = mean (p − t)² */
function meanSquaredError(pred: tf.Tensor, target: tf.Tensor): tf.Scalar {
  return tf.mean(tf.square(tf.sub(pred, target))) as tf.Scalar;
}

/** Training data: features [N, 9, 9], and target values [N, …] (float32). */
export interface TrainData {
  x: tf.Tensor;
  y: tf.Tensor;
}

export interface TrainOptions {
  /** Epochs (default: the graph's 300). */
  epochs?: number;
  /** Default 1000. */
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

const STAGES: Stage[] = [{ name: 'fit readouts', epochs: 300, learningRate: 0.001, groups: ['main'] }];

/** Variable groups: the layers (node ids) whose weights each group holds. */
const GROUPS: Record<string, string[]> = { main: ['rfa', 'flatten', 'readout'], frozen: ['features'] };

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

/** Runs the model on a batch and computes the loss loss_rfa + loss_mlp and the metrics. */
function objective(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor): Batch {
  const outputs = model.apply(x, { training: true }) as tf.Tensor | tf.Tensor[];
  const [rfa, readout] = toList(outputs) as [tf.Tensor, tf.Tensor];
  const loss_rfa = meanSquaredError(rfa, y);
  const loss_mlp = meanSquaredError(readout, y);
  let total: tf.Tensor = loss_rfa;
  total = tf.add(total, loss_mlp);
  return { total: total as tf.Scalar, values: { loss_rfa, loss_mlp } };
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
 * Trains a model from buildModel() as the graph configures it: Adam (learningRate 0.001, beta1 0.9,
 * beta2 0.999, epsilon 1e-7), batches of 1000 in the order Netwright's trainer uses for seed 1, 300
 * epochs. The graph trains on Netwright's 'attentionTarget' dataset { keys: 8, dim: 8, samples:
 * 2000, valFraction: 0.5, constant: true }: pass the same data as tensors.
 *
 * Resolves to a report per epoch; a non-finite loss stops training with an error.
 */
export async function train(
  model: tf.LayersModel,
  data: TrainData,
  opts: TrainOptions = {},
): Promise<EpochReport[]> {
  const batchSize = opts.batchSize ?? 1000;
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
