// IEMF: inverse-effectiveness-driven audio-visual fusion: a tfjs model exported by Netwright.
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
 * Modality drop (unimodal copies) (fusion.modalityDrop): a′ = [a; a; 0], v′ = [v; 0; v] (along the
 * batch: [3B, …]); ∂/∂a sums the rows where a is kept
 *
 * Paper: He, Zhao, Li, Kong, Yang, Zeng (2025). Incorporating brain-inspired mechanisms for
 * multimodal learning in artificial intelligence. arXiv:2505.10176
 *
 * The node's kernel traced into tfjs, registered as 'NetwrightFusionModalityDrop' like the
 * Netwright app's class, so models the app saves load with this one.
 */
export class ModalityDrop extends tf.layers.Layer {
  static className = 'NetwrightFusionModalityDrop';
  readonly params: tf.serialization.ConfigDict;
  readonly seed: number;

  constructor(args: KernelLayerArgs) {
    super(args);
    this.params = args.params ?? {};
    this.seed = args.seed ?? 0;
  }

  override computeOutputShape(): tf.Shape[] {
    return [[null, 32], [null, 32]];
  }

  // Every output port, in order (the app keys them <node>:<port>).
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
    return tf.tidy(() => [this.port0(inputs), this.port1(inputs)]);
  }

  /** Output 'aOut', traced for params {} and input shapes [null, 32], [null, 32]. */
  private port0(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const [a, v] = toList(inputs) as [tf.Tensor, tf.Tensor];
    return tf.concat([a, a, tf.mul(a, tf.scalar(0))], 0);
  }

  /** Output 'vOut', traced for params {} and input shapes [null, 32], [null, 32]. */
  private port1(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const [a, v] = toList(inputs) as [tf.Tensor, tf.Tensor];
    return tf.concat([v, tf.mul(v, tf.scalar(0)), v], 0);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      kernelType: 'fusion.modalityDrop',
      params: this.params,
      seed: this.seed,
    };
  }
}
tf.serialization.registerClass(ModalityDrop);

/**
 * Modality split (fused / unimodal) (fusion.modalitySplit): x = [x_AV; x_A; x_V] (each [B, …]) →
 * fused = x_AV, a = x_A, v = x_V
 *
 * Paper: He, Zhao, Li, Kong, Yang, Zeng (2025). Incorporating brain-inspired mechanisms for
 * multimodal learning in artificial intelligence. arXiv:2505.10176
 *
 * The node's kernel traced into tfjs, registered as 'NetwrightFusionModalitySplit' like the
 * Netwright app's class, so models the app saves load with this one.
 */
export class ModalitySplit extends tf.layers.Layer {
  static className = 'NetwrightFusionModalitySplit';
  readonly params: tf.serialization.ConfigDict;
  readonly seed: number;

  constructor(args: KernelLayerArgs) {
    super(args);
    this.params = args.params ?? {};
    this.seed = args.seed ?? 0;
  }

  override computeOutputShape(): tf.Shape[] {
    return [[null, 10], [null, 10], [null, 10]];
  }

  // Every output port, in order (the app keys them <node>:<port>).
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
    return tf.tidy(() => [this.port0(inputs), this.port1(inputs), this.port2(inputs)]);
  }

  /** Output 'fused', traced for params {} and input shapes [null, 10]. */
  private port0(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const [x] = toList(inputs) as [tf.Tensor];
    return tf.reshape(tf.slice(tf.reshape(x, [3, -1, 10]), [0, 0, 0], [1, -1, 10]), [-1, 10]);
  }

  /** Output 'a', traced for params {} and input shapes [null, 10]. */
  private port1(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const [x] = toList(inputs) as [tf.Tensor];
    return tf.reshape(tf.slice(tf.reshape(x, [3, -1, 10]), [1, 0, 0], [1, -1, 10]), [-1, 10]);
  }

  /** Output 'v', traced for params {} and input shapes [null, 10]. */
  private port2(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const [x] = toList(inputs) as [tf.Tensor];
    return tf.reshape(tf.slice(tf.reshape(x, [3, -1, 10]), [2, 0, 0], [1, -1, 10]), [-1, 10]);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      kernelType: 'fusion.modalitySplit',
      params: this.params,
      seed: this.seed,
    };
  }
}
tf.serialization.registerClass(ModalitySplit);

/**
 * The model: one tfjs layer per graph node, named after the node, with the initial weights
 * Netwright gives it (seed 1).
 */
export function buildModel(): tf.LayersModel {
  const audioIn = tf.input({ shape: [32], name: 'audioIn' });
  const imageIn = tf.input({ shape: [64], name: 'imageIn' });
  const audio1 = tf.layers
    .dense({
      name: 'audio1',
      units: 64,
      activation: 'relu',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 3775783527 }),
    })
    .apply(audioIn) as tf.SymbolicTensor;
  const image1 = tf.layers
    .dense({
      name: 'image1',
      units: 64,
      activation: 'relu',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 332909952 }),
    })
    .apply(imageIn) as tf.SymbolicTensor;
  const audio2 = tf.layers
    .dense({
      name: 'audio2',
      units: 32,
      activation: 'relu',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 3826116384 }),
    })
    .apply(audio1) as tf.SymbolicTensor;
  const image2 = tf.layers
    .dense({
      name: 'image2',
      units: 32,
      activation: 'relu',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 282577095 }),
    })
    .apply(image1) as tf.SymbolicTensor;
  const [drop_aOut, drop_vOut] = new ModalityDrop({
    name: 'drop',
    params: {},
    seed: 2846207099,
  }).apply([audio2, image2]) as [tf.SymbolicTensor, tf.SymbolicTensor];
  const concat = tf.layers
    .concatenate({ name: 'concat', axis: 1 })
    .apply([drop_aOut, drop_vOut]) as tf.SymbolicTensor;
  const fusion = tf.layers
    .dense({
      name: 'fusion',
      units: 64,
      activation: 'relu',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 4207275180 }),
    })
    .apply(concat) as tf.SymbolicTensor;
  const head = tf.layers
    .dense({
      name: 'head',
      units: 10,
      activation: 'linear',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 845769394 }),
    })
    .apply(fusion) as tf.SymbolicTensor;
  const [split_fused, split_a, split_v] = new ModalitySplit({
    name: 'split',
    params: {},
    seed: 2277002450,
  }).apply(head) as [tf.SymbolicTensor, tf.SymbolicTensor, tf.SymbolicTensor];
  const output = tf.layers
    .activation({ name: 'output', activation: 'linear' })
    .apply(split_fused) as tf.SymbolicTensor;
  return tf.model({
    inputs: [audioIn, imageIn],
    outputs: [split_fused, split_a, split_v, output],
    name: 'IEMF_inverse_effectiveness_driven_audio_visual_fusion',
  });
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
 * IEMF κ (inverse effectiveness) (metrics.iemfKappa): s_M = mean_b softmax(o_M)_{b, y_b} (M ∈ {AV,
 * A, V}); ME = (s_AV − max(s_A, s_V)) / max(s_A, s_V); κ = clip(1 + ME, κ_min, κ_max)
 * ('enhancementIndex', default κ_min 0.5, κ_max 3) or clip(s_AV / ((s_A + s_V)/2), κ_min, κ_max)
 * ('ratioToMean')
 *
 * Paper: He, Zhao, Li, Kong, Yang, Zeng (2025). Incorporating brain-inspired mechanisms for
 * multimodal learning in artificial intelligence. arXiv:2505.10176
 *
 * Traced for { formula: 'enhancementIndex', report: 'kappa', kappaMin: 0.5, kappaMax: 3,
 * fromLogits: true }.
 */
function iemfKappaKappa(fused: tf.Tensor, a: tf.Tensor, v: tf.Tensor, target: tf.Tensor): tf.Scalar {
  const oneHot2 = oneHot(tf.cast(tf.reshape(target, [-1]), 'int32'), 10);
  const oneHot3 = oneHot(tf.cast(tf.reshape(target, [-1]), 'int32'), 10);
  const mean = tf.mean(tf.sum(tf.mul(tf.softmax(stopGradient(a)), oneHot3), [1]));
  const oneHot4 = oneHot(tf.cast(tf.reshape(target, [-1]), 'int32'), 10);
  const maximum = tf.maximum(mean, tf.mean(tf.sum(tf.mul(tf.softmax(stopGradient(v)), oneHot4), [1])));
  const sub = tf.sub(tf.mean(tf.sum(tf.mul(tf.softmax(stopGradient(fused)), oneHot2), [1])), maximum);
  return tf.clipByValue(tf.add(tf.scalar(1), tf.div(sub, maximum)), 0.5, 3) as tf.Scalar;
}

/**
 * IEMF κ (inverse effectiveness) (metrics.iemfKappa): s_M = mean_b softmax(o_M)_{b, y_b} (M ∈ {AV,
 * A, V}); ME = (s_AV − max(s_A, s_V)) / max(s_A, s_V); κ = clip(1 + ME, κ_min, κ_max)
 * ('enhancementIndex', default κ_min 0.5, κ_max 3) or clip(s_AV / ((s_A + s_V)/2), κ_min, κ_max)
 * ('ratioToMean')
 *
 * Paper: He, Zhao, Li, Kong, Yang, Zeng (2025). Incorporating brain-inspired mechanisms for
 * multimodal learning in artificial intelligence. arXiv:2505.10176
 *
 * Traced for { formula: 'enhancementIndex', report: 'enhancement', kappaMin: 0.5, kappaMax: 3,
 * fromLogits: true }.
 */
function iemfKappaEnhancement(fused: tf.Tensor, a: tf.Tensor, v: tf.Tensor, target: tf.Tensor): tf.Scalar {
  const oneHot2 = oneHot(tf.cast(tf.reshape(target, [-1]), 'int32'), 10);
  const oneHot3 = oneHot(tf.cast(tf.reshape(target, [-1]), 'int32'), 10);
  const mean = tf.mean(tf.sum(tf.mul(tf.softmax(stopGradient(a)), oneHot3), [1]));
  const oneHot4 = oneHot(tf.cast(tf.reshape(target, [-1]), 'int32'), 10);
  const maximum = tf.maximum(mean, tf.mean(tf.sum(tf.mul(tf.softmax(stopGradient(v)), oneHot4), [1])));
  const sub = tf.sub(tf.mean(tf.sum(tf.mul(tf.softmax(stopGradient(fused)), oneHot2), [1])), maximum);
  return tf.div(sub, maximum) as tf.Scalar;
}

/**
 * Training data: features [N, 32] (the dataset's field 'audio') and [N, 64], one tensor per model
 * input, and class indices [N] (int32).
 */
export interface TrainData {
  x: tf.Tensor[];
  y: tf.Tensor;
}

export interface TrainOptions {
  /**
   * Epochs in all: the phases are scaled to it, keeping their proportions (each at least 1;
   * default: as drawn).
   */
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

/** An optimizer of a phase: its state is kept across phases for the same id (fresh for a new id). */
interface OptimizerGroup {
  id: string;
  /** Variable groups it updates (the phase's trained groups when absent). */
  groups?: string[];
  learningRate: number;
  /** Multiplies its rate: a constant, or a metric's batch value clamped to [min, max]. */
  lrScale?: number | { metric: string; min: number; max: number };
}

/** A training phase, as the graph draws it. */
interface Phase {
  name: string;
  epochs: number;
  /** Variable groups it trains; the others are frozen and run in inference mode (all when absent). */
  groups?: string[];
  batchSize?: number;
  optimizers: OptimizerGroup[];
}

const PHASES: Phase[] = [
  {
    name: 'iemf',
    epochs: 15,
    optimizers: [
      {
        id: 'fusion',
        groups: ['fusion'],
        learningRate: 0.001,
        lrScale: { metric: 'kappa', min: 0.5, max: 3 },
      },
      { id: 'encoders-head', groups: ['audio', 'visual', 'head'], learningRate: 0.001 },
    ],
  },
];

/** Variable groups: the layers (node ids) whose weights each group holds. */
const GROUPS: Record<string, string[]> = {
  audio: ['audio1', 'audio2'],
  visual: ['image1', 'image2'],
  main: ['drop', 'concat', 'split', 'output'],
  fusion: ['fusion'],
  head: ['head'],
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

/** Runs the model on a batch and computes the loss and the metrics. */
function objective(model: tf.LayersModel, x: tf.Tensor[], y: tf.Tensor, _phase: Phase): Batch {
  const outputs = model.apply(x, { training: true }) as tf.Tensor | tf.Tensor[];
  const [split_fused, split_a, split_v] = toList(outputs) as [tf.Tensor, tf.Tensor, tf.Tensor];
  const onehot = oneHot(y, 10);
  const values: Record<string, tf.Scalar> = {};
  let total: tf.Scalar = tf.scalar(0);
  const ce = categoricalCrossentropy(split_fused, onehot);
  values['ce'] = ce;
  const ceWeight = 1;
  total = tf.add(total, ceWeight === 1 ? ce : tf.mul(ce, ceWeight));
  values['accuracy'] = accuracy(split_fused, y);
  values['accuracyA'] = accuracy(split_a, y);
  values['accuracyV'] = accuracy(split_v, y);
  values['kappa'] = iemfKappaKappa(split_fused, split_a, split_v, y);
  values['enhancement'] = iemfKappaEnhancement(split_fused, split_a, split_v, y);
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

/** Epochs per phase for a requested total: one phase gets it; several keep their proportions. */
function scaleEpochs(phases: Phase[], total?: number): Phase[] {
  if (total === undefined) return phases;
  if (phases.length === 1) return [{ ...phases[0]!, epochs: total }];
  const sum = phases.reduce((s, p) => s + p.epochs, 0);
  return phases.map((p) => ({ ...p, epochs: Math.max(1, Math.round((p.epochs * total) / sum)) }));
}

/** An optimizer group's rate multiplier on a batch, from the batch's metric values. */
function rateScale(g: OptimizerGroup, values: Record<string, number>): number {
  const s = g.lrScale;
  if (s === undefined) return 1;
  if (typeof s === 'number') return s;
  const v = values[s.metric];
  if (v === undefined || !Number.isFinite(v))
    throw new Error(`optimizer group '${g.id}': lrScale reads metric '${s.metric}', which has no value on this batch.`);
  return Math.min(s.max, Math.max(s.min, v));
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
 * beta2 0.999, epsilon 1e-7), batches of 64 in the order Netwright's trainer uses for seed 1,
 * phases 'iemf' (15 epochs) as PHASES draws them. The graph trains on Netwright's 'audioVisual'
 * dataset: pass the same data as tensors.
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
      const d = data;
      const batchSize = opts.batchSize ?? phase.batchSize ?? 64;
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
      for (let e = 0; e < phase.epochs; e++) {
        const order = shuffle(count);
        const sums: Record<string, number> = {};
        let lossSum = 0;
        for (let start = 0; start < count; start += batchSize) {
          const idx = tf.tensor1d(order.slice(start, start + batchSize), 'int32');
          const x = d.x.map((t) => tf.gather(t, idx));
          const y = tf.gather(d.y, idx);
          let kept: Record<string, tf.Scalar> = {};
          const { value, grads } = tf.variableGrads(() => {
            const batch = objective(model, x, y, phase);
            kept = Object.fromEntries(Object.entries(batch.values).map(([k, v]) => [k, tf.keep(v)]));
            return batch.total;
          }, vars);
          const stacked = tf.stack([value, ...Object.values(kept)]);
          const [loss, ...rest] = Array.from(await stacked.data());
          tf.dispose([stacked, value, ...Object.values(kept), idx, ...x, y]);
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
            const rate = g.learningRate * rateScale(g, batchValues);
            if (g.lrScale !== undefined) setRate(g.optimizer, rate);
            const names = Object.keys(clipped);
            const last = slotNames.get(g.id);
            if (last && (last.length !== names.length || last.some((n, i) => n !== names[i])))
              reslot(g.optimizer, names);
            slotNames.set(g.id, names);
            g.optimizer.applyGradients(clipped);
          }
          tf.dispose(grads);
        }
        const values = Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, v / count]));
        const report = { stage: phase.name, epoch: history.length + 1, loss: lossSum / count, values };
        history.push(report);
        await opts.onEpoch?.(report);
      }
      unfreeze();
    }
  } finally {
    for (const o of optimizers.values()) o.dispose();
  }
  return history;
}
