// Unsupervised pretraining, then a linear probe (factor model): a tfjs model exported by Netwright.
// Standalone: it needs only @tensorflow/tfjs.
// buildModel() builds the model, train(model, data) trains it as the graph configures it.
// Compile with tsc --strict --skipLibCheck (tfjs's own type declarations fail the lib check).
import * as tf from '@tensorflow/tfjs';

/** tfjs hands a layer (and a model returns) one tensor or a list of them. */
function toList(x: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
  return Array.isArray(x) ? x : [x];
}

/**
 * The model: one tfjs layer per graph node, named after the node, with the initial weights
 * Netwright gives it (seed 1).
 */
export function buildModel(): tf.LayersModel {
  const input = tf.input({ shape: [50], name: 'input' });
  const encoder = tf.layers
    .dense({
      name: 'encoder',
      units: 5,
      activation: 'linear',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 815407902 }),
    })
    .apply(input) as tf.SymbolicTensor;
  const decoder = tf.layers
    .dense({
      name: 'decoder',
      units: 50,
      activation: 'linear',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 1936983030 }),
    })
    .apply(encoder) as tf.SymbolicTensor;
  const head = tf.layers
    .dense({
      name: 'head',
      units: 1,
      activation: 'sigmoid',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 845769394 }),
    })
    .apply(encoder) as tf.SymbolicTensor;
  const output = tf.layers
    .activation({ name: 'output', activation: 'linear' })
    .apply(head) as tf.SymbolicTensor;
  return tf.model({
    inputs: [input],
    outputs: [input, decoder, head, output],
    name: 'Unsupervised_pretraining_then_a_linear_probe_factor_model',
  });
}

/** Mean squared error (losses.meanSquaredError): L = mean (p − t)² */
function meanSquaredError(pred: tf.Tensor, target: tf.Tensor): tf.Scalar {
  return tf.mean(tf.square(tf.sub(pred, target))) as tf.Scalar;
}

/**
 * Binary cross-entropy (losses.binaryCrossentropy): L = −mean (t·log p + (1−t)·log(1−p)), p clipped
 * to [ε, 1−ε]; fromLogits: L = mean (max(z, 0) − z·t + log(1 + exp(−|z|)))
 *
 * Traced for { fromLogits: false }.
 */
function binaryCrossentropy(pred: tf.Tensor, target: tf.Tensor): tf.Scalar {
  const clip = tf.clipByValue(pred, 1e-7, 0.9999999);
  const mul = tf.mul(tf.sub(tf.scalar(1), target), tf.log(tf.sub(tf.scalar(1), clip)));
  return tf.neg(tf.mean(tf.add(tf.mul(target, tf.log(clip)), mul))) as tf.Scalar;
}

/**
 * Binary accuracy (metrics.binaryAccuracy): acc = mean_{b,j} [ [p_bj > θ] = [t_bj > 0.5] ]
 *
 * Traced for { threshold: 0.5 }.
 */
function binaryAccuracy(pred: tf.Tensor, target: tf.Tensor): tf.Scalar {
  const greater = tf.cast(tf.greater(pred, tf.scalar(0.5)), 'float32');
  const greater2 = tf.cast(tf.greater(target, tf.scalar(0.5)), 'float32');
  return tf.mean(tf.cast(tf.equal(greater, greater2), 'float32')) as tf.Scalar;
}

/** Training data: features [N, 50], and target values [N, …] (float32). */
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
}

const PHASES: Phase[] = [
  {
    name: 'pretrain',
    epochs: 30,
    groups: ['encoder', 'decoder'],
    heads: ['recon'],
    rows: [0, 5000],
    batchSize: 128,
    optimizers: [{ id: '#1', learningRate: 0.01 }],
  },
  {
    name: 'probe',
    epochs: 200,
    groups: ['head'],
    heads: ['bce', 'acc'],
    rows: [5000, 7000],
    take: 40,
    batchSize: 2000,
    optimizers: [{ id: '#2', learningRate: 0.01 }],
  },
];

/** Variable groups: the layers (node ids) whose weights each group holds. */
const GROUPS: Record<string, string[]> = {
  encoder: ['encoder'],
  decoder: ['decoder'],
  head: ['head'],
  main: ['output'],
};

/**
 * AdamW (learningRate 0.01, beta1 0.9, beta2 0.999, epsilon 1e-7, weightDecay 0.002), one per
 * optimizer group, kept across phases by its id. train() applies its decoupled weight decay before
 * each Adam step.
 *
 * Paper: Loshchilov, Hutter (2017). Decoupled Weight Decay Regularization. arXiv:1711.05101
 */
function makeOptimizer(learningRate: number): tf.Optimizer {
  return tf.train.adam(learningRate, 0.9, 0.999, 1e-7);
}

/** One batch through the model (training mode): the total loss, and each loss term and metric. */
type Batch = { total: tf.Scalar; values: Record<string, tf.Scalar> };

/** Runs the model on a batch and computes the loss recon + bce and the metrics. */
function objective(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor, phase: Phase): Batch {
  const outputs = model.apply(x, { training: true }) as tf.Tensor | tf.Tensor[];
  const [input, decoder, head] = toList(outputs) as [tf.Tensor, tf.Tensor, tf.Tensor];
  const on = (id: string) => !phase.heads || phase.heads.includes(id);
  const values: Record<string, tf.Scalar> = {};
  let total: tf.Scalar = tf.scalar(0);
  if (on('recon')) {
    const recon = meanSquaredError(decoder, input);
    values['recon'] = recon;
    const reconWeight = 1;
    total = tf.add(total, reconWeight === 1 ? recon : tf.mul(recon, reconWeight));
  }
  if (on('bce')) {
    const bce = binaryCrossentropy(head, y);
    values['bce'] = bce;
    const bceWeight = 1;
    total = tf.add(total, bceWeight === 1 ? bce : tf.mul(bce, bceWeight));
  }
  if (on('acc')) {
    values['acc'] = binaryAccuracy(head, y);
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

/** Epochs per phase for a requested total: one phase gets it; several keep their proportions. */
function scaleEpochs(phases: Phase[], total?: number): Phase[] {
  if (total === undefined) return phases;
  if (phases.length === 1) return [{ ...phases[0]!, epochs: total }];
  const sum = phases.reduce((s, p) => s + p.epochs, 0);
  return phases.map((p) => ({ ...p, epochs: Math.max(1, Math.round((p.epochs * total) / sum)) }));
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
 * Trains a model from buildModel() as the graph configures it: AdamW (learningRate 0.01, beta1 0.9,
 * beta2 0.999, epsilon 1e-7, weightDecay 0.002), batches of 128 in the order Netwright's trainer
 * uses for seed 1, phases 'pretrain' (30 epochs), 'probe' (200 epochs) as PHASES draws them. The
 * graph trains on Netwright's 'factorModel' dataset { unlabeled: 5000, labeled: 2000, test: 2000,
 * dim: 50, factors: 5, noise: 1 }: pass the same data as tensors.
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
            // Decoupled weight decay (AdamW): w ← w·(1 − lr·λ), λ = 0.002, before the Adam step.
            tf.tidy(() => {
              for (const v of g.vars) v.assign(tf.mul(v, 1 - rate * 0.002));
            });
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
      if (d !== whole) tf.dispose([...[d.x].flat(), d.y]);
    }
  } finally {
    for (const o of optimizers.values()) o.dispose();
  }
  return history;
}
