// Counter-Current Learning: forward and feedback MLPs on MNIST: a tfjs model exported by Netwright.
// Standalone: it needs only @tensorflow/tfjs.
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

/** Constructor arguments of the kernel layers; getConfig() returns them (as Netwright saves them). */
export interface KernelLayerArgs {
  name?: string;
  trainable?: boolean;
  params?: tf.serialization.ConfigDict;
  seed?: number;
}

/**
 * Expression activation (activations.expression): y = f(x; θ) elementwise. Syntax: + − * / ^ (or
 * **), parentheses, numbers, pi, e, and abs exp log sqrt rsqrt square sin cos tan tanh sigmoid relu
 * softplus erf gelu silu neg, max(a, b) min(a, b) pow(a, b) add sub mul div
 *
 * The node's kernel traced into tfjs, registered as 'NetwrightActivationsExpression' like the
 * Netwright app's class, so models the app saves load with this one.
 */
export class Expression extends tf.layers.Layer {
  static className = 'NetwrightActivationsExpression';
  readonly params: tf.serialization.ConfigDict;
  readonly seed: number;

  constructor(args: KernelLayerArgs) {
    super(args);
    this.params = args.params ?? {};
    this.seed = args.seed ?? 0;
  }

  override computeOutputShape(): tf.Shape {
    return [null, 784];
  }

  // Traced for params { formula: '(x - 0.1307) / 0.3081', scalars: '', learnable: false } and input
  // shapes [null, 784].
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [x] = toList(inputs) as [tf.Tensor];
      return tf.div(tf.sub(x, tf.scalar(0.1307)), tf.scalar(0.3081));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      kernelType: 'activations.expression',
      params: this.params,
      seed: this.seed,
    };
  }
}
tf.serialization.registerClass(Expression);

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
    '[{},[[784]]]',
    '[{},[[256]]]',
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
      [null, 784],
      [null, 256],
    ];
    return shapes[this.variant]!;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      if (this.variant === 0) {
        // params {} and input shapes [null, 784]
        const [x] = toList(inputs) as [tf.Tensor];
        return stopGradient(x);
      }
      // params {} and input shapes [null, 256]
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
 * Identity rows (one-hot of every class) (primitives.eye): y = I_n, y[k, j] = 1 if j = k else 0,
 * shape [n, n]
 *
 * The node's kernel traced into tfjs, registered as 'NetwrightPrimitivesEye' like the Netwright
 * app's class, so models the app saves load with this one.
 */
export class Eye extends tf.layers.Layer {
  static className = 'NetwrightPrimitivesEye';
  readonly params: tf.serialization.ConfigDict;
  readonly seed: number;

  constructor(args: KernelLayerArgs) {
    super(args);
    this.params = args.params ?? {};
    this.seed = args.seed ?? 0;
  }

  override computeOutputShape(): tf.Shape {
    return [10, 10];
  }

  // Traced for params { n: 10 } and input shapes [null, 784].
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [x] = toList(inputs) as [tf.Tensor];
      const constant = tf.tensor(
        [
          1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
          1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
          1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
        ],
        [10, 10],
        'float32',
      );
      const mul = tf.mul(tf.scalar(0), tf.mean(tf.clipByValue(x, -1, 1)));
      return tf.add(constant, mul);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      kernelType: 'primitives.eye',
      params: this.params,
      seed: this.seed,
    };
  }
}
tf.serialization.registerClass(Eye);

/**
 * The model: one tfjs layer per graph node, named after the node, with the initial weights
 * Netwright gives it (seed 1).
 */
export function buildModel(): tf.LayersModel {
  const input = tf.input({ shape: [784], name: 'input' });
  const normalize = new Expression({
    name: 'normalize',
    params: { formula: '(x - 0.1307) / 0.3081', scalars: '', learnable: false },
    seed: 3464054875,
  }).apply(input) as tf.SymbolicTensor;
  const detach0 = new StopGradient({
    name: 'detach0',
    params: {},
    seed: 1417013653,
  }).apply(normalize) as tf.SymbolicTensor;
  const classes = new Eye({
    name: 'classes',
    params: { n: 10 },
    seed: 1882047894,
  }).apply(normalize) as tf.SymbolicTensor;
  const fwd1 = tf.layers
    .dense({
      name: 'fwd1',
      units: 256,
      activation: 'elu',
      useBias: false,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 296271760 }),
    })
    .apply(detach0) as tf.SymbolicTensor;
  const back3 = tf.layers
    .dense({
      name: 'back3',
      units: 256,
      activation: 'elu',
      useBias: false,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 3985700402 }),
    })
    .apply(classes) as tf.SymbolicTensor;
  const detach1 = new StopGradient({
    name: 'detach1',
    params: {},
    seed: 1433791272,
  }).apply(fwd1) as tf.SymbolicTensor;
  const backDetach3 = new StopGradient({
    name: 'backDetach3',
    params: {},
    seed: 379049329,
  }).apply(back3) as tf.SymbolicTensor;
  const fwd2 = tf.layers
    .dense({
      name: 'fwd2',
      units: 256,
      activation: 'elu',
      useBias: false,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 245938903 }),
    })
    .apply(detach1) as tf.SymbolicTensor;
  const back2 = tf.layers
    .dense({
      name: 'back2',
      units: 256,
      activation: 'elu',
      useBias: false,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 3968922783 }),
    })
    .apply(backDetach3) as tf.SymbolicTensor;
  const detach2 = new StopGradient({
    name: 'detach2',
    params: {},
    seed: 1383458415,
  }).apply(fwd2) as tf.SymbolicTensor;
  const backDetach2 = new StopGradient({
    name: 'backDetach2',
    params: {},
    seed: 395826948,
  }).apply(back2) as tf.SymbolicTensor;
  const fwd3 = tf.layers
    .dense({
      name: 'fwd3',
      units: 256,
      activation: 'elu',
      useBias: false,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 262716522 }),
    })
    .apply(detach2) as tf.SymbolicTensor;
  const back1 = tf.layers
    .dense({
      name: 'back1',
      units: 256,
      activation: 'elu',
      useBias: false,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 4019255640 }),
    })
    .apply(backDetach2) as tf.SymbolicTensor;
  const detach3 = new StopGradient({
    name: 'detach3',
    params: {},
    seed: 1400236034,
  }).apply(fwd3) as tf.SymbolicTensor;
  const backDetach1 = new StopGradient({
    name: 'backDetach1',
    params: {},
    seed: 345494091,
  }).apply(back1) as tf.SymbolicTensor;
  const logits = tf.layers
    .dense({
      name: 'logits',
      units: 10,
      activation: 'linear',
      useBias: false,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 2087561428 }),
    })
    .apply(detach3) as tf.SymbolicTensor;
  const back0 = tf.layers
    .dense({
      name: 'back0',
      units: 784,
      activation: 'linear',
      useBias: false,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 4002478021 }),
    })
    .apply(backDetach1) as tf.SymbolicTensor;
  const output = tf.layers
    .activation({ name: 'output', activation: 'linear' })
    .apply(logits) as tf.SymbolicTensor;
  return tf.model({
    inputs: [input],
    outputs: [normalize, fwd1, back3, fwd2, back2, fwd3, back1, logits, back0, output],
    name: 'Counter_Current_Learning_forward_and_feedback_MLPs_on_MNIST',
  });
}

/**
 * CCL alignment loss (losses.cclAlign): C = A·Sᵀ (A: activations [B, d], S: signals [n, d], C: [B,
 * n]), Y = oneHot(y, n), L = mean_{b,k} (C_bk − Y_bk)² / d · scale · 256
 *
 * Paper: Kao, Hariharan (2024). Counter-Current Learning: A Biologically Plausible Dual Network
 * Approach for Deep Learning. arXiv:2409.19841
 *
 * Traced for { scale: 0.5 }.
 */
function cclAlignAlign2(activations: tf.Tensor, signals: tf.Tensor, target: tf.Tensor): tf.Scalar {
  const sub = tf.sub(tf.matMul(activations, signals, false, true), oneHot(tf.reshape(target, [-1]), 10));
  return tf.mul(tf.mean(tf.square(sub)), tf.scalar(0.5)) as tf.Scalar;
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

/**
 * CCL alignment loss (losses.cclAlign): C = A·Sᵀ (A: activations [B, d], S: signals [n, d], C: [B,
 * n]), Y = oneHot(y, n), L = mean_{b,k} (C_bk − Y_bk)² / d · scale · 256
 *
 * Paper: Kao, Hariharan (2024). Counter-Current Learning: A Biologically Plausible Dual Network
 * Approach for Deep Learning. arXiv:2409.19841
 *
 * Traced for { scale: 0.5 }.
 */
function cclAlignAlign0(activations: tf.Tensor, signals: tf.Tensor, target: tf.Tensor): tf.Scalar {
  const sub = tf.sub(tf.matMul(activations, signals, false, true), oneHot(tf.reshape(target, [-1]), 10));
  return tf.mul(tf.mean(tf.square(sub)), tf.scalar(0.16326530612244897)) as tf.Scalar;
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
  /**
   * Epochs in all: the phases are scaled to it, keeping their proportions (each at least 1;
   * default: as drawn).
   */
  epochs?: number;
  /** Default 256. */
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
  /** Clips its gradients to this global norm. */
  clipNorm?: number;
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
    name: 'counter-current',
    epochs: 4,
    optimizers: [
      { id: 'forward', groups: ['forward'], learningRate: 1, clipNorm: 1 },
      { id: 'feedback', groups: ['feedback'], learningRate: 1, clipNorm: 1 },
    ],
  },
];

/** Variable groups: the layers (node ids) whose weights each group holds. */
const GROUPS: Record<string, string[]> = {
  main: ['normalize', 'output'],
  forward: ['detach0', 'fwd1', 'detach1', 'fwd2', 'detach2', 'fwd3', 'detach3', 'logits'],
  feedback: ['classes', 'back3', 'backDetach3', 'back2', 'backDetach2', 'back1', 'backDetach1', 'back0'],
};

/**
 * SGD (learningRate 1, momentum 0, nesterov false), one per optimizer group, kept across phases by
 * its id.
 */
function makeOptimizer(learningRate: number): tf.Optimizer {
  return tf.train.sgd(learningRate);
}

/** One batch through the model (training mode): the total loss, and each loss term and metric. */
type Batch = { total: tf.Scalar; values: Record<string, tf.Scalar> };

/**
 * Runs the model on a batch and computes the loss align2 + align3 + align1 + ce + align0 and the
 * metrics.
 */
function objective(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor, _phase: Phase): Batch {
  const outputs = model.apply(x, { training: true }) as tf.Tensor | tf.Tensor[];
  const [normalize, fwd1, back3, fwd2, back2, fwd3, back1, logits, back0] = toList(outputs) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
  const onehot = oneHot(y, 10);
  const values: Record<string, tf.Scalar> = {};
  let total: tf.Scalar = tf.scalar(0);
  const align2 = cclAlignAlign2(fwd2, back2, y);
  values['align2'] = align2;
  const align2Weight = 1;
  total = tf.add(total, align2Weight === 1 ? align2 : tf.mul(align2, align2Weight));
  const align3 = cclAlignAlign2(fwd3, back3, y);
  values['align3'] = align3;
  const align3Weight = 1;
  total = tf.add(total, align3Weight === 1 ? align3 : tf.mul(align3, align3Weight));
  const align1 = cclAlignAlign2(fwd1, back1, y);
  values['align1'] = align1;
  const align1Weight = 1;
  total = tf.add(total, align1Weight === 1 ? align1 : tf.mul(align1, align1Weight));
  const ce = categoricalCrossentropy(logits, onehot);
  values['ce'] = ce;
  const ceWeight = 1;
  total = tf.add(total, ceWeight === 1 ? ce : tf.mul(ce, ceWeight));
  const align0 = cclAlignAlign0(normalize, back0, y);
  values['align0'] = align0;
  const align0Weight = 1;
  total = tf.add(total, align0Weight === 1 ? align0 : tf.mul(align0, align0Weight));
  values['accuracy'] = accuracy(logits, y);
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

/** Gradients scaled by clipNorm / max(‖g‖, clipNorm), ‖g‖ the global norm over all of them. */
function clipByGlobalNorm(grads: tf.NamedTensorMap, clipNorm: number): tf.NamedTensorMap {
  return tf.tidy(() => {
    const list = Object.values(grads);
    if (!list.length) return {};
    const norm = tf.sqrt(tf.addN(list.map((g) => tf.sum(tf.square(g)))));
    const factor = tf.div(clipNorm, tf.maximum(norm, clipNorm));
    return Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, tf.mul(g, factor)]));
  });
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
 * Trains a model from buildModel() as the graph configures it: SGD (learningRate 1, momentum 0,
 * nesterov false), batches of 256 in the order Netwright's trainer uses for seed 1, phases
 * 'counter-current' (4 epochs) as PHASES draws them. The graph trains on Netwright's 'mnist'
 * dataset { trainSize: 5000, valSize: 1000, flat: true }: pass the same data as tensors.
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
      const batchSize = opts.batchSize ?? phase.batchSize ?? 256;
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
          const x = tf.gather(d.x, idx);
          const y = tf.gather(d.y, idx);
          let kept: Record<string, tf.Scalar> = {};
          const { value, grads } = tf.variableGrads(() => {
            const batch = objective(model, x, y, phase);
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
            const clipped = g.clipNorm === undefined ? own : clipByGlobalNorm(own, g.clipNorm);
            const rate = g.learningRate;
            const names = Object.keys(clipped);
            const last = slotNames.get(g.id);
            if (last && (last.length !== names.length || last.some((n, i) => n !== names[i])))
              reslot(g.optimizer, names);
            slotNames.set(g.id, names);
            g.optimizer.applyGradients(clipped);
            if (clipped !== own) tf.dispose(Object.values(clipped));
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
