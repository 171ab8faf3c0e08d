// MYOW: BYOL with mined views, then a linear probe (MNIST 14×14): a tfjs model exported by
// Netwright. Standalone: it needs only @tensorflow/tfjs.
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

/** Indices (as float32) of the k largest values on the last axis, descending; zero gradient. */
function topKIndices(x: tf.Tensor, k: number): tf.Tensor {
  const f = tf.customGrad((...args) => {
    const v = args[0] as tf.Tensor;
    return { value: tf.cast(tf.topk(v, k).indices, 'float32'), gradFunc: () => tf.zerosLike(v) };
  });
  return f(x);
}

/** Constructor arguments of the kernel layers; getConfig() returns them (as Netwright saves them). */
export interface KernelLayerArgs {
  name?: string;
  trainable?: boolean;
  params?: tf.serialization.ConfigDict;
  seed?: number;
}

/**
 * Gaussian noise (primitives.gaussianNoise): training: y = x + σ·ε, ε ~ N(0, I); inference: y = x
 *
 * The node's kernel traced into tfjs, registered as 'NetwrightPrimitivesGaussianNoise' like the
 * Netwright app's class, so models the app saves load with this one.
 */
export class GaussianNoise extends tf.layers.Layer {
  static className = 'NetwrightPrimitivesGaussianNoise';
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
    return [null, 196];
  }

  // Traced for params { stddev: 0.1 } and input shapes [null, 196].
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    return tf.tidy(() => {
      if (kwargs.training === true) {
        const [x] = toList(inputs) as [tf.Tensor];
        const randomNormal = tf.randomNormal(
          [x.shape[0]!, 196],
          0,
          1,
          'float32',
          (this.seed + Math.imul(++this.draws, 0x9e3779b9)) >>> 0,
        );
        const mul = tf.mul(randomNormal, tf.scalar(0.1));
        return tf.add(x, mul);
      }
      const [x] = toList(inputs) as [tf.Tensor];
      return x;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      kernelType: 'primitives.gaussianNoise',
      params: this.params,
      seed: this.seed,
    };
  }
}
tf.serialization.registerClass(GaussianNoise);

/**
 * Batch concat (primitives.batchConcat): y = [a; b; c] along axis 0: [B, …] × 2–3 → [2B or 3B, …]
 *
 * The node's kernel traced into tfjs, registered as 'NetwrightPrimitivesBatchConcat' like the
 * Netwright app's class, so models the app saves load with this one.
 */
export class BatchConcat extends tf.layers.Layer {
  static className = 'NetwrightPrimitivesBatchConcat';
  readonly params: tf.serialization.ConfigDict;
  readonly seed: number;

  constructor(args: KernelLayerArgs) {
    super(args);
    this.params = args.params ?? {};
    this.seed = args.seed ?? 0;
  }

  override computeOutputShape(): tf.Shape {
    return [null, 196];
  }

  // Traced for params {} and input shapes [null, 196], [null, 196], [null, 196].
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [a, b, c] = toList(inputs) as [tf.Tensor, tf.Tensor, tf.Tensor];
      return tf.concat([a, b, c], 0);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      kernelType: 'primitives.batchConcat',
      params: this.params,
      seed: this.seed,
    };
  }
}
tf.serialization.registerClass(BatchConcat);

/**
 * Batch split (primitives.batchSplit): y = x[index·B/parts : (index+1)·B/parts] along axis 0
 *
 * The node's kernel traced into tfjs, registered as 'NetwrightPrimitivesBatchSplit' like the
 * Netwright app's class, so models the app saves load with this one.
 */
export class BatchSplit extends tf.layers.Layer {
  static className = 'NetwrightPrimitivesBatchSplit';
  readonly params: tf.serialization.ConfigDict;
  readonly seed: number;
  // One traced variant per use in the graph: params, input shapes without the batch.
  private static readonly variants = [
    '[{"parts":3,"index":0},[[64]]]',
    '[{"parts":3,"index":2},[[64]]]',
    '[{"parts":3,"index":0},[[32]]]',
    '[{"parts":3,"index":1},[[32]]]',
    '[{"parts":3,"index":2},[[16]]]',
  ];
  private variant = 0;

  constructor(args: KernelLayerArgs) {
    super(args);
    this.params = args.params ?? {};
    this.seed = args.seed ?? 0;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    this.variant = variantOf(BatchSplit.variants, this.params, inputShape, this.name);
    this.built = true;
  }

  override computeOutputShape(): tf.Shape {
    const shapes: tf.Shape[] = [
      [null, 64],
      [null, 64],
      [null, 32],
      [null, 32],
      [null, 16],
    ];
    return shapes[this.variant]!;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      if (this.variant === 0) {
        // params { parts: 3, index: 0 } and input shapes [null, 64]
        const [x] = toList(inputs) as [tf.Tensor];
        return tf.reshape(tf.slice(tf.reshape(x, [3, -1, 64]), [0, 0, 0], [1, -1, -1]), [-1, 64]);
      }
      if (this.variant === 1) {
        // params { parts: 3, index: 2 } and input shapes [null, 64]
        const [x] = toList(inputs) as [tf.Tensor];
        return tf.reshape(tf.slice(tf.reshape(x, [3, -1, 64]), [2, 0, 0], [1, -1, -1]), [-1, 64]);
      }
      if (this.variant === 2) {
        // params { parts: 3, index: 0 } and input shapes [null, 32]
        const [x] = toList(inputs) as [tf.Tensor];
        return tf.reshape(tf.slice(tf.reshape(x, [3, -1, 32]), [0, 0, 0], [1, -1, -1]), [-1, 32]);
      }
      if (this.variant === 3) {
        // params { parts: 3, index: 1 } and input shapes [null, 32]
        const [x] = toList(inputs) as [tf.Tensor];
        return tf.reshape(tf.slice(tf.reshape(x, [3, -1, 32]), [1, 0, 0], [1, -1, -1]), [-1, 32]);
      }
      // params { parts: 3, index: 2 } and input shapes [null, 16]
      const [x] = toList(inputs) as [tf.Tensor];
      return tf.reshape(tf.slice(tf.reshape(x, [3, -1, 16]), [2, 0, 0], [1, -1, -1]), [-1, 16]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      kernelType: 'primitives.batchSplit',
      params: this.params,
      seed: this.seed,
    };
  }
}
tf.serialization.registerClass(BatchSplit);

/**
 * Stop gradient (primitives.stopGradient): y = x; ∂y/∂x = 0
 *
 * The node's kernel traced into tfjs, registered as 'NetwrightPrimitivesStopGradient' like the
 * Netwright app's class, so models the app saves load with this one.
 */
export class StopGradient extends tf.layers.Layer {
  static className = 'NetwrightPrimitivesStopGradient';
  readonly params: tf.serialization.ConfigDict;
  readonly seed: number;
  // One traced variant per use in the graph: params, input shapes without the batch.
  private static readonly variants = [
    '[{},[[32]]]',
    '[{},[[16]]]',
  ];
  private variant = 0;

  constructor(args: KernelLayerArgs) {
    super(args);
    this.params = args.params ?? {};
    this.seed = args.seed ?? 0;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    this.variant = variantOf(StopGradient.variants, this.params, inputShape, this.name);
    this.built = true;
  }

  override computeOutputShape(): tf.Shape {
    const shapes: tf.Shape[] = [
      [null, 32],
      [null, 16],
    ];
    return shapes[this.variant]!;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      if (this.variant === 0) {
        // params {} and input shapes [null, 32]
        const [x] = toList(inputs) as [tf.Tensor];
        return stopGradient(x);
      }
      // params {} and input shapes [null, 16]
      const [x] = toList(inputs) as [tf.Tensor];
      return stopGradient(x);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      kernelType: 'primitives.stopGradient',
      params: this.params,
      seed: this.seed,
    };
  }
}
tf.serialization.registerClass(StopGradient);

/**
 * View miner (primitives.viewMiner): D_ij = 2 − 2·⟨q_i/‖q_i‖, k_j/‖k_j‖⟩ (D_ii = +∞ when
 * excludeSelf); N_i = argtopk_j(−D_ij, k); m_i = values[u_i], u_i ~ Uniform(N_i) (training),
 * nearest (inference)
 *
 * Paper: Azabou, Azar, Liu, Lin, Bhaskaran, Gheshlaghi Azar, Dyer (2021). Mine Your Own vieW:
 * Self-Supervised Learning Through Across-Sample Prediction. arXiv:2102.10106
 *
 * The node's kernel traced into tfjs, registered as 'NetwrightPrimitivesViewMiner' like the
 * Netwright app's class, so models the app saves load with this one.
 */
export class ViewMiner extends tf.layers.Layer {
  static className = 'NetwrightPrimitivesViewMiner';
  readonly params: tf.serialization.ConfigDict;
  readonly seed: number;

  constructor(args: KernelLayerArgs) {
    super(args);
    this.params = args.params ?? {};
    this.seed = args.seed ?? 0;
  }

  override computeOutputShape(): tf.Shape {
    return [null, 16];
  }

  // Traced for params { k: 1, excludeSelf: true } and input shapes [null, 64], [null, 64], [null,
  // 16].
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [query, keys, values] = toList(inputs) as [tf.Tensor, tf.Tensor, tf.Tensor];
      const rsqrt = tf.rsqrt(tf.maximum(tf.sum(tf.square(query), [-1], true), tf.scalar(1e-12)));
      const rsqrt2 = tf.rsqrt(tf.maximum(tf.sum(tf.square(keys), [-1], true), tf.scalar(1e-12)));
      const stopGradient2 = stopGradient(tf.matMul(tf.mul(query, rsqrt), tf.mul(keys, rsqrt2), false, true));
      const slice = tf.slice(tf.slice(topKIndices(stopGradient2, 2), [0, 1], [-1, 1]), [0, 0], [-1, 1]);
      return tf.matMul(oneHot(tf.reshape(slice, [-1]), query.shape[0]!), values);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      kernelType: 'primitives.viewMiner',
      params: this.params,
      seed: this.seed,
    };
  }
}
tf.serialization.registerClass(ViewMiner);

/**
 * The model: one tfjs layer per graph node, named after the node, with the initial weights
 * Netwright gives it (seed 1).
 */
export function buildModel(): tf.LayersModel {
  const input = tf.input({ shape: [196], name: 'input' });
  const view1 = new GaussianNoise({
    name: 'view1',
    params: { stddev: 0.1 },
    seed: 2376955738,
  }).apply(input) as tf.SymbolicTensor;
  const view2 = new GaussianNoise({
    name: 'view2',
    params: { stddev: 0.1 },
    seed: 2393733357,
  }).apply(input) as tf.SymbolicTensor;
  const view3 = new GaussianNoise({
    name: 'view3',
    params: { stddev: 0.1 },
    seed: 2410510976,
  }).apply(input) as tf.SymbolicTensor;
  const views = new BatchConcat({
    name: 'views',
    params: {},
    seed: 1336743360,
  }).apply([view1, view2, view3]) as tf.SymbolicTensor;
  const enc1 = tf.layers
    .dense({
      name: 'enc1',
      units: 128,
      activation: 'relu',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 3644276605 }),
    })
    .apply(views) as tf.SymbolicTensor;
  const tenc1 = tf.layers
    .dense({
      name: 'tenc1',
      units: 128,
      activation: 'relu',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 2510133019 }),
    })
    .apply(views) as tf.SymbolicTensor;
  const enc2 = tf.layers
    .dense({
      name: 'enc2',
      units: 64,
      activation: 'linear',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 3627498986 }),
    })
    .apply(enc1) as tf.SymbolicTensor;
  const tenc2 = tf.layers
    .dense({
      name: 'tenc2',
      units: 64,
      activation: 'linear',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 2560465876 }),
    })
    .apply(tenc1) as tf.SymbolicTensor;
  const g1 = tf.layers
    .dense({
      name: 'g1',
      units: 128,
      activation: 'relu',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 270550916 }),
    })
    .apply(enc2) as tf.SymbolicTensor;
  const y_1 = new BatchSplit({
    name: 'y_1',
    params: { parts: 3, index: 0 },
    seed: 215978991,
  }).apply(enc2) as tf.SymbolicTensor;
  const tg1 = tf.layers
    .dense({
      name: 'tg1',
      units: 128,
      activation: 'relu',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 2013079926 }),
    })
    .apply(tenc2) as tf.SymbolicTensor;
  const yt_3 = new BatchSplit({
    name: 'yt_3',
    params: { parts: 3, index: 2 },
    seed: 1164597385,
  }).apply(tenc2) as tf.SymbolicTensor;
  const g2 = tf.layers
    .dense({
      name: 'g2',
      units: 32,
      activation: 'linear',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 220218059 }),
    })
    .apply(g1) as tf.SymbolicTensor;
  const probe = tf.layers
    .dense({
      name: 'probe',
      units: 10,
      activation: 'linear',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 2112015520 }),
    })
    .apply(y_1) as tf.SymbolicTensor;
  const tg2 = tf.layers
    .dense({
      name: 'tg2',
      units: 32,
      activation: 'linear',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 2029857545 }),
    })
    .apply(tg1) as tf.SymbolicTensor;
  const r1 = tf.layers
    .dense({
      name: 'r1',
      units: 64,
      activation: 'relu',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 206838939 }),
    })
    .apply(g2) as tf.SymbolicTensor;
  const q1 = tf.layers
    .dense({
      name: 'q1',
      units: 128,
      activation: 'relu',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 2622271622 }),
    })
    .apply(g2) as tf.SymbolicTensor;
  const output = tf.layers
    .activation({ name: 'output', activation: 'linear' })
    .apply(probe) as tf.SymbolicTensor;
  const tr1 = tf.layers
    .dense({
      name: 'tr1',
      units: 64,
      activation: 'relu',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 1679646117 }),
    })
    .apply(tg2) as tf.SymbolicTensor;
  const sgz = new StopGradient({ name: 'sgz', params: {}, seed: 3558943694 }).apply(tg2) as tf.SymbolicTensor;
  const r2 = tf.layers
    .dense({
      name: 'r2',
      units: 16,
      activation: 'linear',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 257171796 }),
    })
    .apply(r1) as tf.SymbolicTensor;
  const q2 = tf.layers
    .dense({
      name: 'q2',
      units: 32,
      activation: 'linear',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 2639049241 }),
    })
    .apply(q1) as tf.SymbolicTensor;
  const tr2 = tf.layers
    .dense({
      name: 'tr2',
      units: 16,
      activation: 'linear',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 1662868498 }),
    })
    .apply(tr1) as tf.SymbolicTensor;
  const zt_1 = new BatchSplit({
    name: 'zt_1',
    params: { parts: 3, index: 0 },
    seed: 2174308982,
  }).apply(sgz) as tf.SymbolicTensor;
  const zt_2 = new BatchSplit({
    name: 'zt_2',
    params: { parts: 3, index: 1 },
    seed: 2191086601,
  }).apply(sgz) as tf.SymbolicTensor;
  const qm1 = tf.layers
    .dense({
      name: 'qm1',
      units: 64,
      activation: 'relu',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 2851374149 }),
    })
    .apply(r2) as tf.SymbolicTensor;
  const q_1 = new BatchSplit({
    name: 'q_1',
    params: { parts: 3, index: 0 },
    seed: 3045217031,
  }).apply(q2) as tf.SymbolicTensor;
  const q_2 = new BatchSplit({
    name: 'q_2',
    params: { parts: 3, index: 1 },
    seed: 3095549888,
  }).apply(q2) as tf.SymbolicTensor;
  const vt_3 = new BatchSplit({
    name: 'vt_3',
    params: { parts: 3, index: 2 },
    seed: 4017244368,
  }).apply(tr2) as tf.SymbolicTensor;
  const qm2 = tf.layers
    .dense({
      name: 'qm2',
      units: 16,
      activation: 'linear',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 2834596530 }),
    })
    .apply(qm1) as tf.SymbolicTensor;
  const miner = new ViewMiner({
    name: 'miner',
    params: { k: 1, excludeSelf: true },
    seed: 4146162299,
  }).apply([yt_3, yt_3, vt_3]) as tf.SymbolicTensor;
  const qm_3 = new BatchSplit({
    name: 'qm_3',
    params: { parts: 3, index: 2 },
    seed: 1908542964,
  }).apply(qm2) as tf.SymbolicTensor;
  const sgm = new StopGradient({
    name: 'sgm',
    params: {},
    seed: 3777052741,
  }).apply(miner) as tf.SymbolicTensor;
  return tf.model({
    inputs: [input],
    outputs: [probe, output, zt_1, zt_2, q_1, q_2, qm_3, sgm],
    name: 'MYOW_BYOL_with_mined_views_then_a_linear_probe_MNIST_14_14',
  });
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

/**
 * BYOL cosine loss (losses.byolCosine): L = mean_b (2 − 2·⟨q_b/‖q_b‖, z_b/‖z_b‖⟩), ‖v‖ = √max(Σ v²,
 * 1e−12)
 *
 * Paper: Azabou, Azar, Liu, Lin, Bhaskaran, Gheshlaghi Azar, Dyer (2021). Mine Your Own vieW:
 * Self-Supervised Learning Through Across-Sample Prediction. arXiv:2102.10106
 */
function byolCosine(pred: tf.Tensor, target: tf.Tensor): tf.Scalar {
  const mul = tf.mul(pred, tf.rsqrt(tf.maximum(tf.sum(tf.square(pred), [-1], true), tf.scalar(1e-12))));
  const rsqrt = tf.rsqrt(tf.maximum(tf.sum(tf.square(target), [-1], true), tf.scalar(1e-12)));
  const mul2 = tf.mul(tf.scalar(2), tf.sum(tf.mul(mul, tf.mul(target, rsqrt)), [-1]));
  return tf.mean(tf.sub(tf.scalar(2), mul2)) as tf.Scalar;
}

/** Accuracy (metrics.accuracy): acc = mean_b [argmax_c p_bc = t_b] */
function accuracy(pred: tf.Tensor, target: tf.Tensor): tf.Scalar {
  const cast = tf.cast(tf.reshape(target, [-1]), 'int32');
  return tf.mean(tf.cast(tf.equal(tf.argMax(pred, -1), cast), 'float32')) as tf.Scalar;
}

/** Training data: features [N, 196], and class indices [N] (int32). */
export interface TrainData {
  x: tf.Tensor;
  y: tf.Tensor;
}

export interface TrainOptions {
  /**
   * Epochs in all: the phases are scaled to it, keeping their proportions (each at least 1;
   * default: as drawn).
   */
  epochs?: number;
  /** Default 128. */
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

/** A value over a phase's steps: constant, linear from → to, or cosine (from + (to − from)·(1 − cos πt)/2). */
type Schedule = number | { from: number; to: number; curve?: 'cosine' };

/** An optimizer of a phase: its state is kept across phases for the same id (fresh for a new id). */
interface OptimizerGroup {
  id: string;
  /** Variable groups it updates (the phase's trained groups when absent). */
  groups?: string[];
  learningRate: number;
}

/** A training phase, as the graph draws it. */
interface Phase {
  name: string;
  epochs: number;
  /** Variable groups it trains; the others are frozen and run in inference mode (all when absent). */
  groups?: string[];
  /** Active loss and metric nodes (all when absent). */
  heads?: string[];
  /** Trains on the data's rows [from, to) only (Netwright's data subset of that name). */
  rows?: [number, number];
  /** Then on at most this many of them, the first ones (Netwright’s data.sizes[0]). */
  take?: number;
  batchSize?: number;
  optimizers: OptimizerGroup[];
  /** Loss node → its weight in this phase: constant, or linear over the phase's steps. */
  lossWeights?: Record<string, Schedule>;
  /** 'copy': copies the weights of group `from` onto group `to` once, here (a frozen teacher). */
  kind?: 'copy';
  from?: string;
  to?: string;
  /** EMA copies after every optimizer step: θ_to ← τ·θ_to + (1 − τ)·θ_from, τ over the phase. */
  copies?: { from: string; to: string; tau: Schedule }[];
}

const PHASES: Phase[] = [
  { name: 'initialise target', kind: 'copy', epochs: 0, from: 'online', to: 'target', optimizers: [] },
  {
    name: 'byol warm-up',
    epochs: 1,
    groups: ['online', 'predictor'],
    heads: ['aug12', 'aug21', 'mine'],
    rows: [0, 3000],
    optimizers: [{ id: '#2', learningRate: 0.001 }],
    lossWeights: { aug12: 1, aug21: 1, mine: 0 },
    copies: [{ from: 'online', to: 'target', tau: 0.99 }],
  },
  {
    name: 'λ ramp',
    epochs: 2,
    groups: ['online', 'predictor'],
    heads: ['aug12', 'aug21', 'mine'],
    rows: [0, 3000],
    optimizers: [{ id: '#3', learningRate: 0.001 }],
    lossWeights: { aug12: { from: 1, to: 0.5 }, aug21: { from: 1, to: 0.5 }, mine: { from: 0, to: 0.5 } },
    copies: [{ from: 'online', to: 'target', tau: { from: 0.99, to: 0.995 } }],
  },
  {
    name: 'myow',
    epochs: 3,
    groups: ['online', 'predictor'],
    heads: ['aug12', 'aug21', 'mine'],
    rows: [0, 3000],
    optimizers: [{ id: '#4', learningRate: 0.001 }],
    lossWeights: { aug12: 0.5, aug21: 0.5, mine: 0.5 },
    copies: [{ from: 'online', to: 'target', tau: { from: 0.995, to: 1, curve: 'cosine' } }],
  },
  {
    name: 'probe',
    epochs: 20,
    groups: ['probe'],
    heads: ['ce', 'acc'],
    rows: [3000, 4000],
    optimizers: [{ id: 'probe', groups: ['probe'], learningRate: 0.01 }],
  },
];

/** Variable groups: the layers (node ids) whose weights each group holds. */
const GROUPS: Record<string, string[]> = {
  online: ['view1', 'view2', 'view3', 'views', 'enc1', 'enc2', 'g1', 'g2', 'r1', 'r2'],
  target: ['tenc1', 'tenc2', 'tg1', 'tg2', 'tr1', 'tr2'],
  main: ['y_1', 'yt_3', 'output', 'sgz', 'zt_1', 'zt_2', 'q_1', 'q_2', 'vt_3', 'miner', 'qm_3', 'sgm'],
  probe: ['probe'],
  predictor: ['q1', 'q2', 'qm1', 'qm2'],
};

/**
 * Adam (learningRate 0.001, beta1 0.9, beta2 0.999, epsilon 1e-7), one per optimizer group, kept
 * across phases by its id.
 *
 * Paper: Kingma, Ba (2014). Adam: A Method for Stochastic Optimization. arXiv:1412.6980
 */
function makeOptimizer(learningRate: number): tf.Optimizer {
  return tf.train.adam(learningRate, 0.9, 0.999, 1e-7);
}

/** One batch through the model (training mode): the total loss, and each loss term and metric. */
type Batch = { total: tf.Scalar; values: Record<string, tf.Scalar> };

/** Runs the model on a batch and computes the loss ce + aug12 + aug21 + mine and the metrics. */
function objective(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor, phase: Phase, progress: number): Batch {
  const outputs = model.apply(x, { training: true }) as tf.Tensor | tf.Tensor[];
  const [probe, , zt_1, zt_2, q_1, q_2, qm_3, sgm] = toList(outputs) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
  const on = (id: string) => !phase.heads || phase.heads.includes(id);
  const values: Record<string, tf.Scalar> = {};
  let total: tf.Scalar = tf.scalar(0);
  if (on('ce')) {
    const ce = sparseCategoricalCrossentropy(probe, y);
    values['ce'] = ce;
    const ceWeight = lossWeight(phase, 'ce', 1, progress);
    total = tf.add(total, ceWeight === 1 ? ce : tf.mul(ce, ceWeight));
  }
  if (on('aug12')) {
    const aug12 = byolCosine(q_1, zt_2);
    values['aug12'] = aug12;
    const aug12Weight = lossWeight(phase, 'aug12', 1, progress);
    total = tf.add(total, aug12Weight === 1 ? aug12 : tf.mul(aug12, aug12Weight));
  }
  if (on('aug21')) {
    const aug21 = byolCosine(q_2, zt_1);
    values['aug21'] = aug21;
    const aug21Weight = lossWeight(phase, 'aug21', 1, progress);
    total = tf.add(total, aug21Weight === 1 ? aug21 : tf.mul(aug21, aug21Weight));
  }
  if (on('mine')) {
    const mine = byolCosine(qm_3, sgm);
    values['mine'] = mine;
    const mineWeight = lossWeight(phase, 'mine', 1, progress);
    total = tf.add(total, mineWeight === 1 ? mine : tf.mul(mine, mineWeight));
  }
  if (on('acc')) {
    values['acc'] = accuracy(probe, y);
  }
  return { total: total, values: values };
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

/** Sets an optimizer's rate, keeping its state (SGD caches it; Adam and RMSProp read the field). */
function setRate(optimizer: tf.Optimizer, rate: number): void {
  const o = optimizer as unknown as { learningRate: number; setLearningRate?: (lr: number) => void };
  if (typeof o.setLearningRate === 'function') o.setLearningRate(rate);
  else o.learningRate = rate;
}

/**
 * tfjs optimizers keep per-variable state by position in the gradient list; before a kept optimizer
 * sees another variable list, its slots ('<var>/m', …) are put in the new order by name (empty for a
 * new variable; slots of absent variables are kept after the list), as Netwright's trainer does.
 */
function reslot(optimizer: tf.Optimizer, names: string[]): void {
  type Slot = { originalName: string } | null;
  const o = optimizer as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(o)) {
    const isSlots =
      Array.isArray(value) &&
      value.length > 0 &&
      value.every((s) => s == null || (typeof s === 'object' && typeof s.originalName === 'string'));
    if (!isSlots) continue;
    const byVar = new Map<string, Slot>();
    for (const s of value as Slot[]) if (s) byVar.set(s.originalName.slice(0, s.originalName.lastIndexOf('/')), s);
    const order = names.map((n) => byVar.get(n) ?? null);
    const rest = [...byVar].filter(([n]) => !names.includes(n)).map(([, s]) => s);
    o[key] = [...order, ...rest];
  }
}

/** Epochs per phase for a requested total: one phase gets it; several keep their proportions (copy phases keep 0). */
function scaleEpochs(phases: Phase[], total?: number): Phase[] {
  if (total === undefined) return phases;
  const trained = phases.filter((p) => p.kind !== 'copy');
  if (trained.length === 1) return phases.map((p) => (p.kind === 'copy' ? p : { ...p, epochs: total }));
  const sum = trained.reduce((s, p) => s + p.epochs, 0);
  return phases.map((p) =>
    p.kind === 'copy' ? p : { ...p, epochs: Math.max(1, Math.round((p.epochs * total) / sum)) },
  );
}

/** A schedule's value at progress t ∈ [0, 1] through the phase. */
function scheduleValue(s: Schedule, t: number): number {
  if (typeof s === 'number') return s;
  const u = s.curve === 'cosine' ? (1 - Math.cos(Math.PI * t)) / 2 : t;
  return s.from + (s.to - s.from) * u;
}

/** A variable group's weights in node order (moving statistics included): what copies pair up. */
function groupWeights(model: tf.LayersModel, group: string): tf.LayerVariable[] {
  return (GROUPS[group] ?? []).flatMap((id) => model.getLayer(id).weights);
}

/** A copy phase: group `to` takes group `from`'s weights (the i-th weight of one onto the i-th of the other). */
function copyGroup(model: tf.LayersModel, from: string, to: string): void {
  const src = groupWeights(model, from);
  const dst = groupWeights(model, to);
  tf.tidy(() => {
    for (const [i, w] of dst.entries()) w.write(src[i]!.read().clone());
  });
}

/** An EMA copy after an optimizer step: θ_to ← τ·θ_to + (1 − τ)·θ_from, τ at progress t through the phase. */
function emaCopy(model: tf.LayersModel, c: { from: string; to: string; tau: Schedule }, t: number): void {
  const tau = scheduleValue(c.tau, t);
  const src = groupWeights(model, c.from);
  const dst = groupWeights(model, c.to);
  tf.tidy(() => {
    for (const [i, w] of dst.entries()) w.write(tf.add(tf.mul(w.read(), tau), tf.mul(src[i]!.read(), 1 - tau)));
  });
}

/** A phase's rows of the data: rows [from, to) (all when absent), then the first `take` of them. */
function rowView(d: TrainData, phase: Phase): TrainData {
  if (phase.rows === undefined && phase.take === undefined) return d;
  const count = d.y.shape[0]!;
  const [from, to] = phase.rows ?? [0, count];
  if (to > count)
    throw new Error(`Phase '${phase.name}': rows [${from}, ${to}) reach beyond the ${count} rows of its data.`);
  const size = Math.min(to - from, phase.take ?? to - from);
  const cut = (t: tf.Tensor) => tf.slice(t, from, size);
  return { x: Array.isArray(d.x) ? d.x.map(cut) : cut(d.x), y: cut(d.y) } as TrainData;
}

/** A loss node's weight at progress t ∈ [0, 1] through the phase (the node's own when the phase sets none). */
function lossWeight(phase: Phase, id: string, own: number, t: number): number {
  const s = phase.lossWeights?.[id];
  if (s === undefined) return own;
  return scheduleValue(s, t);
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
 * beta2 0.999, epsilon 1e-7), batches of 128 in the order Netwright's trainer uses for seed 1,
 * phases 'initialise target' (0 epochs), 'byol warm-up' (1 epochs), 'λ ramp' (2 epochs), 'myow' (3
 * epochs), 'probe' (20 epochs) as PHASES draws them. The graph trains on Netwright's 'mnist'
 * dataset { trainSize: 4000, valSize: 1000, flat: true }: pass the same data as tensors. Its
 * binding declares transforms [{ type: 'pool', size: 2 }]: Netwright applies them when it loads and
 * feeds the data (augment on training batches only); do the same to the tensors you pass.
 *
 * Resolves to a report per epoch; a non-finite loss stops training with an error.
 */
export async function train(
  model: tf.LayersModel,
  data: TrainData,
  opts: TrainOptions = {},
): Promise<EpochReport[]> {
  const shuffle = createShuffler(opts.seed ?? 1);
  const history: EpochReport[] = [];
  const optimizers = new Map<string, tf.Optimizer>();
  const slotNames = new Map<string, string[]>(); // the variable list each optimizer saw last
  try {
    for (const phase of scaleEpochs(PHASES, opts.epochs)) {
      if (phase.kind === 'copy') {
        copyGroup(model, phase.from!, phase.to!); // a frozen teacher: copied once, here
        continue;
      }
      const whole = data;
      const d = rowView(whole, phase); // the phase's rows: its data subset, then its size
      const batchSize = opts.batchSize ?? phase.batchSize ?? 128;
      const count = d.y.shape[0]!;
      const groups = phase.optimizers.map((g) => {
        let optimizer = optimizers.get(g.id);
        if (optimizer) setRate(optimizer, g.learningRate);
        else {
          optimizer = makeOptimizer(g.learningRate);
          optimizers.set(g.id, optimizer);
        }
        return { ...g, optimizer, vars: trainableVariables(model, g.groups ?? phase.groups) };
      });
      const vars = [...new Set(groups.flatMap((g) => g.vars))];
      const unfreeze = freezeOthers(model, phase.groups);
      const steps = phase.epochs * Math.ceil(count / batchSize);
      let step = 0;
      for (let e = 0; e < phase.epochs; e++) {
        const order = shuffle(count);
        const sums: Record<string, number> = {};
        let lossSum = 0;
        for (let start = 0; start < count; start += batchSize) {
          const idx = tf.tensor1d(order.slice(start, start + batchSize), 'int32');
          const x = tf.gather(d.x, idx);
          const y = tf.gather(d.y, idx);
          const progress = steps > 1 ? step / (steps - 1) : 0;
          let kept: Record<string, tf.Scalar> = {};
          const { value, grads } = tf.variableGrads(() => {
            const batch = objective(model, x, y, phase, progress);
            kept = Object.fromEntries(Object.entries(batch.values).map(([k, v]) => [k, tf.keep(v)]));
            return batch.total;
          }, vars);
          const stacked = tf.stack([value, ...Object.values(kept)]);
          const [loss, ...rest] = Array.from(await stacked.data());
          tf.dispose([stacked, value, ...Object.values(kept), idx, x, y]);
          if (!Number.isFinite(loss)) {
            tf.dispose(grads);
            throw new Error(`Training stopped in phase '${phase.name}': the loss became ${loss}.`);
          }
          const size = Math.min(batchSize, count - start);
          lossSum += loss! * size;
          const batchValues: Record<string, number> = {}; // this batch's value of each loss and metric
          for (const [i, k] of Object.keys(kept).entries()) {
            batchValues[k] = rest[i]!;
            sums[k] = (sums[k] ?? 0) + rest[i]! * size;
          }
          for (const g of groups) {
            const own: tf.NamedTensorMap = {};
            for (const v of g.vars) if (grads[v.name]) own[v.name] = grads[v.name]!;
            const clipped = own;
            const rate = g.learningRate;
            const names = Object.keys(clipped);
            const last = slotNames.get(g.id);
            if (last && (last.length !== names.length || last.some((n, i) => n !== names[i])))
              reslot(g.optimizer, names);
            slotNames.set(g.id, names);
            g.optimizer.applyGradients(clipped);
          }
          for (const c of phase.copies ?? []) emaCopy(model, c, progress);
          tf.dispose(grads);
          step++;
        }
        const values = Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, v / count]));
        const report = { stage: phase.name, epoch: history.length + 1, loss: lossSum / count, values };
        history.push(report);
        await opts.onEpoch?.(report);
      }
      unfreeze();
      if (d !== whole) tf.dispose([...[d.x].flat(), d.y]);
    }
  } finally {
    for (const o of optimizers.values()) o.dispose();
  }
  return history;
}
