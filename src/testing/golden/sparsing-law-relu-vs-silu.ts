// Sparsing Law: ReLU vs SiLU gated-FFN char LM (CETT sparsity): a tfjs model exported by Netwright.
// Standalone: it needs only @tensorflow/tfjs.
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
 * Gated FFN (ReLU / SiLU) (layers.gatedFfn): a = act(x W_gate) ⊙ (x W_up), act ∈ {ReLU, SiLU(z) =
 * z·σ(z)}; y = (a ⊙ m) W_down, m_i = 1[|a_i|·‖W_down[i,:]‖ ≥ ε] (m = 1 at ε = 0). W_gate, W_up: [d,
 * d_ff], W_down: [d_ff, d]; params 3·d·d_ff
 *
 * Paper: Luo, Song, Han, Chen, Huang, Zhao, Chen, Lin, Liu, Sun (2025). Sparsing Law: Towards Large
 * Language Models with Greater Activation Sparsity. arXiv:2411.02335
 *
 * The node's kernel traced into tfjs, registered as 'NetwrightLayersGatedFfn' like the Netwright
 * app's class, so models the app saves load with this one.
 */
export class GatedFfn extends tf.layers.Layer {
  static className = 'NetwrightLayersGatedFfn';
  readonly params: tf.serialization.ConfigDict;
  readonly seed: number;
  private w!: { wGate: tf.LayerVariable; wUp: tf.LayerVariable; wDown: tf.LayerVariable };

  constructor(args: KernelLayerArgs) {
    super(args);
    this.params = args.params ?? {};
    this.seed = args.seed ?? 0;
  }

  override build(): void {
    this.w = {
      wGate: this.addWeight(
        'wGate',
        [64, 256],
        'float32',
        tf.initializers.glorotUniform({ seed: this.seed }),
        undefined,
        true,
      ),
      wUp: this.addWeight(
        'wUp',
        [64, 256],
        'float32',
        tf.initializers.glorotUniform({ seed: this.seed + 1 }),
        undefined,
        true,
      ),
      wDown: this.addWeight(
        'wDown',
        [256, 64],
        'float32',
        tf.initializers.glorotUniform({ seed: this.seed + 2 }),
        undefined,
        true,
      ),
    };
    this.built = true;
  }

  override computeOutputShape(): tf.Shape {
    return [null, 64];
  }

  // Traced for params { units: 256, activation: 'relu', threshold: 0 } and input shapes [null, 64].
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [x] = toList(inputs) as [tf.Tensor];
      const wGate = this.w.wGate.read();
      const wUp = this.w.wUp.read();
      const wDown = this.w.wDown.read();
      const reshape = tf.reshape(x, [-1, 64]);
      const matMul = tf.matMul(tf.mul(tf.relu(tf.matMul(reshape, wGate)), tf.matMul(reshape, wUp)), wDown);
      return tf.reshape(matMul, [x.shape[0]!, 64]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      kernelType: 'layers.gatedFfn',
      params: this.params,
      seed: this.seed,
    };
  }
}
tf.serialization.registerClass(GatedFfn);

/**
 * The model: one tfjs layer per graph node, named after the node, with the initial weights
 * Netwright gives it (seed 1).
 */
export function buildModel(): tf.LayersModel {
  const tokens = tf.input({ shape: [16], dtype: 'int32', name: 'tokens' });
  const embedding = tf.layers
    .embedding({
      name: 'embedding',
      inputDim: 28,
      outputDim: 16,
      embeddingsInitializer: tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed: 3454391521 }),
    })
    .apply(tokens) as tf.SymbolicTensor;
  const flatten = tf.layers.flatten({ name: 'flatten' }).apply(embedding) as tf.SymbolicTensor;
  const proj = tf.layers
    .dense({
      name: 'proj',
      units: 64,
      activation: 'linear',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 3812507813 }),
    })
    .apply(flatten) as tf.SymbolicTensor;
  // LayerNormalization: Jimmy Lei Ba, Jamie Ryan Kiros, Geoffrey E. Hinton (2016). Layer
  // Normalization. arXiv:1607.06450
  const norm1 = tf.layers
    .layerNormalization({ name: 'norm1', axis: -1, epsilon: 0.001, center: true, scale: true })
    .apply(proj) as tf.SymbolicTensor;
  const ffn1 = new GatedFfn({
    name: 'ffn1',
    params: { units: 256, activation: 'relu', threshold: 0 },
    seed: 3348768519,
  }).apply(norm1) as tf.SymbolicTensor;
  const res1 = tf.layers.add({ name: 'res1' }).apply([ffn1, proj]) as tf.SymbolicTensor;
  // LayerNormalization: Jimmy Lei Ba, Jamie Ryan Kiros, Geoffrey E. Hinton (2016). Layer
  // Normalization. arXiv:1607.06450
  const norm2 = tf.layers
    .layerNormalization({ name: 'norm2', axis: -1, epsilon: 0.001, center: true, scale: true })
    .apply(res1) as tf.SymbolicTensor;
  const ffn2 = new GatedFfn({
    name: 'ffn2',
    params: { units: 256, activation: 'relu', threshold: 0 },
    seed: 3399101376,
  }).apply(norm2) as tf.SymbolicTensor;
  const res2 = tf.layers.add({ name: 'res2' }).apply([ffn2, res1]) as tf.SymbolicTensor;
  const logits = tf.layers
    .dense({
      name: 'logits',
      units: 28,
      activation: 'linear',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 2087561428 }),
    })
    .apply(res2) as tf.SymbolicTensor;
  return tf.model({
    inputs: [tokens],
    outputs: [logits],
    name: 'Sparsing_Law_ReLU_vs_SiLU_gated_FFN_char_LM_CETT_sparsity',
  });
}

/**
 * Sparse categorical cross-entropy (losses.sparseCategoricalCrossentropy): L = −mean_b log p_{b,
 * t_b}, log p = logSoftmax(z) when fromLogits, else log(clip(p / Σ_c p, ε, 1−ε))
 *
 * Traced for { fromLogits: true }.
 */
function sparseCategoricalCrossentropy(pred: tf.Tensor, target: tf.Tensor): tf.Scalar {
  return tf.neg(tf.mean(tf.sum(tf.mul(oneHot(target, 28), tf.logSoftmax(pred)), [-1]))) as tf.Scalar;
}

/** Accuracy (metrics.accuracy): acc = mean_b [argmax_c p_bc = t_b] */
function accuracy(pred: tf.Tensor, target: tf.Tensor): tf.Scalar {
  const cast = tf.cast(tf.reshape(target, [-1]), 'int32');
  return tf.mean(tf.cast(tf.equal(tf.argMax(pred, -1), cast), 'float32')) as tf.Scalar;
}

/** Training data: features [N, 16], and class indices [N] (int32). */
export interface TrainData {
  x: tf.Tensor;
  y: tf.Tensor;
}

export interface TrainOptions {
  /** Epochs (default: the graph's 4). */
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

const STAGES: Stage[] = [{ name: 'train', epochs: 4, learningRate: 0.003 }];

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
  const [logits] = toList(model.apply(x, { training: true }) as tf.Tensor | tf.Tensor[]) as [tf.Tensor];
  const loss = sparseCategoricalCrossentropy(logits, y);
  return { total: loss, values: { loss, accuracy: accuracy(logits, y) } };
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
 * beta2 0.999, epsilon 1e-7), batches of 64 in the order Netwright's trainer uses for seed 1, 4
 * epochs. The graph trains on Netwright's 'charText' dataset: pass the same data as tensors.
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
