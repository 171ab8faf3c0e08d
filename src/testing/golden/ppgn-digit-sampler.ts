// PPGN-h: class-conditional digit sampling in a latent code (8×8 digits): a tfjs model exported by
// Netwright. Standalone: it needs only @tensorflow/tfjs.
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
 * Noise (seeded, training only) (primitives.noise): training: y = x + s·ε, ε ~ N(0, I), s = σ
 * (absolute) or σ·std_batch(x) (relative, no gradient); inference: y = x
 *
 * Paper: Nguyen, Clune, Bengio, Dosovitskiy, Yosinski (2017). Plug & Play Generative Networks:
 * Conditional Iterative Generation of Images in Latent Space. arXiv:1612.00005
 *
 * The node's kernel traced into tfjs, registered as 'NetwrightPrimitivesNoise' like the Netwright
 * app's class, so models the app saves load with this one.
 */
export class Noise extends tf.layers.Layer {
  static className = 'NetwrightPrimitivesNoise';
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
    return [null, 32];
  }

  // Traced for params { stddev: 0.3, scale: 'relative' } and input shapes [null, 32].
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    return tf.tidy(() => {
      if (kwargs.training === true) {
        const [x] = toList(inputs) as [tf.Tensor];
        const randomNormal = tf.randomNormal(
          [x.shape[0]!, 32],
          0,
          1,
          'float32',
          (this.seed + Math.imul(++this.draws, 0x9e3779b9)) >>> 0,
        );
        const stopGradient2 = stopGradient(x);
        const sqrt = tf.sqrt(tf.mean(tf.square(tf.sub(stopGradient2, tf.mean(stopGradient2)))));
        const mul = tf.mul(sqrt, tf.scalar(0.3));
        const mul2 = tf.mul(randomNormal, mul);
        return tf.add(x, mul2);
      }
      const [x] = toList(inputs) as [tf.Tensor];
      return x;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      kernelType: 'primitives.noise',
      params: this.params,
      seed: this.seed,
    };
  }
}
tf.serialization.registerClass(Noise);

/**
 * The model: one tfjs layer per graph node, named after the node, with the initial weights
 * Netwright gives it (seed 1).
 */
export function buildModel(): tf.LayersModel {
  const input = tf.input({ shape: [8, 8, 1], name: 'input' });
  const conv1 = tf.layers
    .conv2d({
      name: 'conv1',
      filters: 16,
      kernelSize: [3, 3],
      strides: [1, 1],
      padding: 'same',
      dilationRate: [1, 1],
      activation: 'relu',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 526142705 }),
    })
    .apply(input) as tf.SymbolicTensor;
  const conv2 = tf.layers
    .conv2d({
      name: 'conv2',
      filters: 32,
      kernelSize: [3, 3],
      strides: [2, 2],
      padding: 'same',
      dilationRate: [1, 1],
      activation: 'relu',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 509365086 }),
    })
    .apply(conv1) as tf.SymbolicTensor;
  const flat = tf.layers.flatten({ name: 'flat' }).apply(conv2) as tf.SymbolicTensor;
  const h = tf.layers
    .dense({
      name: 'h',
      units: 32,
      activation: 'linear',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 3977008710 }),
    })
    .apply(flat) as tf.SymbolicTensor;
  // ReLU: Nair, Hinton (2010). Rectified Linear Units Improve Restricted Boltzmann Machines.
  // https://www.cs.toronto.edu/~hinton/absps/reluICML.pdf
  const hrelu = tf.layers.activation({ name: 'hrelu', activation: 'relu' }).apply(h) as tf.SymbolicTensor;
  const g1 = tf.layers
    .dense({
      name: 'g1',
      units: 128,
      activation: 'relu',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 270550916 }),
    })
    .apply(h) as tf.SymbolicTensor;
  const hnoise = new Noise({
    name: 'hnoise',
    params: { stddev: 0.3, scale: 'relative' },
    seed: 1400371122,
  }).apply(h) as tf.SymbolicTensor;
  const logits = tf.layers
    .dense({
      name: 'logits',
      units: 10,
      activation: 'linear',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 2087561428 }),
    })
    .apply(hrelu) as tf.SymbolicTensor;
  const g2 = tf.layers
    .dense({
      name: 'g2',
      units: 256,
      activation: 'relu',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 220218059 }),
    })
    .apply(g1) as tf.SymbolicTensor;
  const r1 = tf.layers
    .dense({
      name: 'r1',
      units: 64,
      activation: 'relu',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 206838939 }),
    })
    .apply(hnoise) as tf.SymbolicTensor;
  const output = tf.layers
    .activation({ name: 'output', activation: 'linear' })
    .apply(logits) as tf.SymbolicTensor;
  const g3 = tf.layers
    .dense({
      name: 'g3',
      units: 64,
      activation: 'sigmoid',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 236995678 }),
    })
    .apply(g2) as tf.SymbolicTensor;
  const r_out = tf.layers
    .dense({
      name: 'r_out',
      units: 32,
      activation: 'linear',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 2344237361 }),
    })
    .apply(r1) as tf.SymbolicTensor;
  const g_out = tf.layers.reshape({ name: 'g_out', targetShape: [8, 8, 1] }).apply(g3) as tf.SymbolicTensor;
  const e_conv1 = tf.layers
    .conv2d({
      name: 'e_conv1',
      filters: 16,
      kernelSize: [3, 3],
      strides: [1, 1],
      padding: 'same',
      dilationRate: [1, 1],
      activation: 'relu',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 4231879081 }),
    })
    .apply(g_out) as tf.SymbolicTensor;
  const e_conv2 = tf.layers
    .conv2d({
      name: 'e_conv2',
      filters: 32,
      kernelSize: [3, 3],
      strides: [2, 2],
      padding: 'same',
      dilationRate: [1, 1],
      activation: 'relu',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 4215101462 }),
    })
    .apply(e_conv1) as tf.SymbolicTensor;
  const e_flat = tf.layers.flatten({ name: 'e_flat' }).apply(e_conv2) as tf.SymbolicTensor;
  const e_h = tf.layers
    .dense({
      name: 'e_h',
      units: 32,
      activation: 'linear',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 1694993166 }),
    })
    .apply(e_flat) as tf.SymbolicTensor;
  return tf.model({
    inputs: [input],
    outputs: [input, h, logits, output, r_out, g_out, e_h],
    name: 'PPGN_h_class_conditional_digit_sampling_in_a_latent_code_8_8',
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
 * Feature matching loss (losses.featureMatching): L = mean_b Σ_j (E(x̂)_{b,j} − E(x)_{b,j})²
 *
 * Paper: Nguyen, Clune, Bengio, Dosovitskiy, Yosinski (2017). Plug & Play Generative Networks:
 * Conditional Iterative Generation of Images in Latent Space. arXiv:1612.00005
 */
function featureMatching(pred: tf.Tensor, target: tf.Tensor): tf.Scalar {
  const sum = tf.sum(tf.square(tf.reshape(tf.sub(pred, target), [pred.shape[0]!, -1])), [-1]);
  return tf.mean(sum) as tf.Scalar;
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
}

/** A training phase, as the graph draws it. */
interface Phase {
  name: string;
  epochs: number;
  /** Variable groups it trains; the others are frozen and run in inference mode (all when absent). */
  groups?: string[];
  /** Active loss and metric nodes (all when absent). */
  heads?: string[];
  batchSize?: number;
  optimizers: OptimizerGroup[];
  /** Loss node → its weight in this phase: constant, or linear over the phase's steps. */
  lossWeights?: Record<string, number | { from: number; to: number }>;
  /** 'copy': copies the weights of group `from` onto group `to` once, here (a frozen teacher). */
  kind?: 'copy';
  from?: string;
  to?: string;
  /** EMA copies after every optimizer step: θ_to ← τ·θ_to + (1 − τ)·θ_from, τ over the phase. */
  copies?: { from: string; to: string; tau: number | { from: number; to: number } }[];
}

const PHASES: Phase[] = [
  {
    name: 'classifier C',
    epochs: 10,
    groups: ['enc', 'head'],
    heads: ['ce', 'acc'],
    optimizers: [{ id: '#1', learningRate: 0.001 }],
  },
  { name: 'freeze E', kind: 'copy', epochs: 0, from: 'enc', to: 'E', optimizers: [] },
  {
    name: 'generator G',
    epochs: 30,
    groups: ['G'],
    heads: ['img', 'fm'],
    optimizers: [{ id: '#3', learningRate: 0.001 }],
    lossWeights: { img: 1, fm: 0.1 },
  },
  {
    name: 'latent DAE R_h',
    epochs: 30,
    groups: ['R'],
    heads: ['rdae'],
    optimizers: [{ id: '#4', learningRate: 0.001 }],
  },
];

/** Variable groups: the layers (node ids) whose weights each group holds. */
const GROUPS: Record<string, string[]> = {
  enc: ['conv1', 'conv2', 'flat', 'h'],
  head: ['hrelu', 'logits'],
  G: ['g1', 'g2', 'g3', 'g_out'],
  R: ['hnoise', 'r1', 'r_out'],
  main: ['output'],
  E: ['e_conv1', 'e_conv2', 'e_flat', 'e_h'],
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

/** Runs the model on a batch and computes the loss ce + rdae + img + fm and the metrics. */
function objective(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor, phase: Phase, progress: number): Batch {
  const outputs = model.apply(x, { training: true }) as tf.Tensor | tf.Tensor[];
  const [input, h, logits, , r_out, g_out, e_h] = toList(outputs) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
  const on = (id: string) => !phase.heads || phase.heads.includes(id);
  const values: Record<string, tf.Scalar> = {};
  let total: tf.Scalar = tf.scalar(0);
  if (on('ce')) {
    const ce = sparseCategoricalCrossentropy(logits, y);
    values['ce'] = ce;
    const ceWeight = lossWeight(phase, 'ce', 1, progress);
    total = tf.add(total, ceWeight === 1 ? ce : tf.mul(ce, ceWeight));
  }
  if (on('rdae')) {
    const rdae = featureMatching(r_out, h);
    values['rdae'] = rdae;
    const rdaeWeight = lossWeight(phase, 'rdae', 1, progress);
    total = tf.add(total, rdaeWeight === 1 ? rdae : tf.mul(rdae, rdaeWeight));
  }
  if (on('img')) {
    const img = featureMatching(g_out, input);
    values['img'] = img;
    const imgWeight = lossWeight(phase, 'img', 1, progress);
    total = tf.add(total, imgWeight === 1 ? img : tf.mul(img, imgWeight));
  }
  if (on('fm')) {
    const fm = featureMatching(e_h, h);
    values['fm'] = fm;
    const fmWeight = lossWeight(phase, 'fm', 1, progress);
    total = tf.add(total, fmWeight === 1 ? fm : tf.mul(fm, fmWeight));
  }
  if (on('acc')) {
    values['acc'] = accuracy(logits, y);
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
function emaCopy(model: tf.LayersModel, c: { from: string; to: string; tau: number | { from: number; to: number } }, t: number): void {
  const tau = typeof c.tau === 'number' ? c.tau : c.tau.from + (c.tau.to - c.tau.from) * t;
  const src = groupWeights(model, c.from);
  const dst = groupWeights(model, c.to);
  tf.tidy(() => {
    for (const [i, w] of dst.entries()) w.write(tf.add(tf.mul(w.read(), tau), tf.mul(src[i]!.read(), 1 - tau)));
  });
}

/** A loss node's weight at progress t ∈ [0, 1] through the phase (the node's own when the phase sets none). */
function lossWeight(phase: Phase, id: string, own: number, t: number): number {
  const s = phase.lossWeights?.[id];
  if (s === undefined) return own;
  return typeof s === 'number' ? s : s.from + (s.to - s.from) * t;
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
 * phases 'classifier C' (10 epochs), 'freeze E' (0 epochs), 'generator G' (30 epochs), 'latent DAE
 * R_h' (30 epochs) as PHASES draws them. The graph trains on Netwright's 'digits8' dataset { flat:
 * false }: pass the same data as tensors.
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
    }
  } finally {
    for (const o of optimizers.values()) o.dispose();
  }
  return history;
}
