// TauGate: adapting a frozen MLP to rotated digits with per-neuron thresholds and gains: a tfjs
// model exported by Netwright. Standalone: it needs only @tensorflow/tfjs.
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
 * TauGate (peft.tauGate): soft: y = γ ⊙ σ(s·(z − τ)) ⊙ relu(z); hard: y = γ ⊙ 1[z > τ] ⊙ relu(z);
 * bypass: y = relu(z); γ = exp(ρ), τ and ρ ∈ R^n init 0. Params 2n
 *
 * Paper: Ghasemlou (2026). Dopamine: Brain Modes, Not Brains. arXiv:2602.11726
 *
 * The node's kernel traced into tfjs, registered as 'NetwrightPeftTauGate' like the Netwright app's
 * class, so models the app saves load with this one.
 */
export class TauGate extends tf.layers.Layer {
  static className = 'NetwrightPeftTauGate';
  readonly params: tf.serialization.ConfigDict;
  readonly seed: number;
  // One traced variant per use in the graph: params, input shapes without the batch.
  private static readonly variants = [
    '[{"sharpness":10,"hard":false,"mode":"gate"},[[128]]]',
    '[{"sharpness":10,"hard":false,"mode":"bypass"},[[128]]]',
  ];
  private variant = 0;
  private builtShape: tf.Shape | tf.Shape[] = [];
  private w!: { tau: tf.LayerVariable; rho: tf.LayerVariable };

  constructor(args: KernelLayerArgs) {
    super(args);
    this.params = args.params ?? {};
    this.seed = args.seed ?? 0;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    this.variant = variantOf(TauGate.variants, this.params, inputShape, this.name);
    this.builtShape = inputShape;
    if (this.variant === 0) {
      this.w = {
        tau: this.addWeight('tau', [128], 'float32', tf.initializers.zeros(), undefined, true),
        rho: this.addWeight('rho', [128], 'float32', tf.initializers.zeros(), undefined, true),
      };
    }
    if (this.variant === 1) {
      this.w = {
        tau: this.addWeight('tau', [128], 'float32', tf.initializers.zeros(), undefined, true),
        rho: this.addWeight('rho', [128], 'float32', tf.initializers.zeros(), undefined, true),
      };
    }
    this.built = true;
  }

  override computeOutputShape(): tf.Shape {
    const shapes: tf.Shape[] = [
      [null, 128],
      [null, 128],
    ];
    return shapes[this.variant]!;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      if (this.variant === 0) {
        // params { sharpness: 10, hard: false, mode: 'gate' } and input shapes [null, 128]
        const [x] = toList(inputs) as [tf.Tensor];
        const tau = this.w.tau.read();
        const rho = this.w.rho.read();
        return tf.mul(tf.mul(tf.exp(rho), tf.sigmoid(tf.mul(tf.sub(x, tau), tf.scalar(10)))), tf.relu(x));
      }
      // params { sharpness: 10, hard: false, mode: 'bypass' } and input shapes [null, 128]
      const [x] = toList(inputs) as [tf.Tensor];
      return tf.relu(x);
    });
  }

  /** A phase's runtime params (overrides of `params`; none puts the graph's back). Weights stay. */
  setRuntimeParams(values: tf.serialization.ConfigDict): void {
    this.variant = variantOf(TauGate.variants, { ...this.params, ...values }, this.builtShape, this.name);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      kernelType: 'peft.tauGate',
      params: this.params,
      seed: this.seed,
    };
  }
}
tf.serialization.registerClass(TauGate);

/**
 * The model: one tfjs layer per graph node, named after the node, with the initial weights
 * Netwright gives it (seed 1).
 */
export function buildModel(): tf.LayersModel {
  const input = tf.input({ shape: [784], name: 'input' });
  const dense1 = tf.layers
    .dense({
      name: 'dense1',
      units: 128,
      activation: 'linear',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 3654889730 }),
    })
    .apply(input) as tf.SymbolicTensor;
  const gate1 = new TauGate({
    name: 'gate1',
    params: { sharpness: 10, hard: false, mode: 'gate' },
    seed: 1569867528,
  }).apply(dense1) as tf.SymbolicTensor;
  const dense2 = tf.layers
    .dense({
      name: 'dense2',
      units: 128,
      activation: 'linear',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 3671667349 }),
    })
    .apply(gate1) as tf.SymbolicTensor;
  const gate2 = new TauGate({
    name: 'gate2',
    params: { sharpness: 10, hard: false, mode: 'gate' },
    seed: 1519534671,
  }).apply(dense2) as tf.SymbolicTensor;
  const logits = tf.layers
    .dense({
      name: 'logits',
      units: 10,
      activation: 'linear',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 2087561428 }),
    })
    .apply(gate2) as tf.SymbolicTensor;
  const probs = tf.layers.softmax({ name: 'probs', axis: -1 }).apply(logits) as tf.SymbolicTensor;
  const output = tf.layers
    .activation({ name: 'output', activation: 'linear' })
    .apply(probs) as tf.SymbolicTensor;
  return tf.model({
    inputs: [input],
    outputs: [logits, output],
    name: 'TauGate_adapting_a_frozen_MLP_to_rotated_digits_with_per_neu',
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
  /** The tensors of each phase that trains on its own dataset, by phase name (see PHASES). */
  phaseData?: Record<string, TrainData>;
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
  /** Its own Netwright dataset: pass its tensors as opts.phaseData[name]. */
  dataset?: string;
  batchSize?: number;
  optimizers: OptimizerGroup[];
  /** Runtime params by layer, set for this phase only (the layer's setRuntimeParams). */
  overrides?: Record<string, tf.serialization.ConfigDict>;
}

const PHASES: Phase[] = [
  {
    name: 'pretrain',
    epochs: 3,
    groups: ['base'],
    optimizers: [{ id: 'base', groups: ['base'], learningRate: 0.001 }],
    overrides: { gate1: { mode: 'bypass' }, gate2: { mode: 'bypass' } },
  },
  {
    name: 'adapt',
    epochs: 3,
    groups: ['gates'],
    dataset: 'mnist',
    optimizers: [{ id: 'gates', groups: ['gates'], learningRate: 0.01 }],
  },
];

/** Variable groups: the layers (node ids) whose weights each group holds. */
const GROUPS: Record<string, string[]> = {
  base: ['dense1', 'dense2', 'logits'],
  gates: ['gate1', 'gate2'],
  main: ['probs', 'output'],
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
function objective(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor, _phase: Phase): Batch {
  const [logits] = toList(model.apply(x, { training: true }) as tf.Tensor | tf.Tensor[]) as [tf.Tensor];
  const onehot = oneHot(y, 10);
  const values: Record<string, tf.Scalar> = {};
  let total: tf.Scalar = tf.scalar(0);
  const loss = categoricalCrossentropy(logits, onehot);
  values['loss'] = loss;
  const lossWeight = 1;
  total = tf.add(total, lossWeight === 1 ? loss : tf.mul(loss, lossWeight));
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

/** A kernel layer whose params a phase overrides at run time. */
interface RuntimeParams {
  setRuntimeParams(values: tf.serialization.ConfigDict): void;
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
 * phases 'pretrain' (3 epochs), 'adapt' (3 epochs, dataset 'mnist') as PHASES draws them. The graph
 * trains on Netwright's 'mnist' dataset { trainSize: 5000, valSize: 1000, flat: true }: pass the
 * same data as tensors. Its binding declares transforms [{ type: 'rotate', degrees: 45, fraction:
 * 0.5 }]: Netwright applies them when it loads and feeds the data (augment on training batches
 * only); do the same to the tensors you pass.
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
    let overridden: string[] = [];
    for (const phase of scaleEpochs(PHASES, opts.epochs)) {
      // The graph's values back on the layers the previous phase overrode, then this phase's.
      const runtime = (id: string) => model.getLayer(id) as unknown as RuntimeParams;
      for (const id of overridden) runtime(id).setRuntimeParams({});
      for (const [id, values] of Object.entries(phase.overrides ?? {})) runtime(id).setRuntimeParams(values);
      overridden = Object.keys(phase.overrides ?? {});
      const d = phase.dataset ? opts.phaseData?.[phase.name] : data;
      if (!d)
        throw new Error(
          `Phase '${phase.name}' trains on Netwright's '${phase.dataset}' dataset: pass its tensors as opts.phaseData['${phase.name}'].`,
        );
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
            const clipped = own;
            const rate = g.learningRate;
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
