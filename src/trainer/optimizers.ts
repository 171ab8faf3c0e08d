// Optimizers from the IR: tfjs's own, plus AdamW (decoupled weight decay) which tfjs lacks.
import * as tf from '@tensorflow/tfjs';
import type { JsonObject } from '../core/ir.ts';
import type { Registry } from '../core/registry.ts';

/**
 * What the trainer needs from an optimizer: gradients first, then (only if the loss is finite)
 * the update — so a non-finite step leaves the weights as they were and the node can be found.
 */
export interface Stepper {
  gradients(f: () => tf.Scalar, vars: tf.Variable[]): { value: tf.Scalar; grads: tf.NamedTensorMap };
  apply(grads: tf.NamedTensorMap, vars: tf.Variable[]): void;
  /** gradients + apply, returning the cost. */
  step(f: () => tf.Scalar, vars: tf.Variable[]): tf.Scalar;
  /** The rate the next apply() uses (state such as Adam's moments is kept). */
  setLearningRate(lr: number): void;
  dispose(): void;
}

/** The list form every tfjs optimizer's applyGradients accepts. */
const named = (grads: tf.NamedTensorMap): { name: string; tensor: tf.Tensor }[] =>
  Object.entries(grads).map(([name, tensor]) => ({ name, tensor }));

/** A tfjs optimizer's per-variable state slot (Adam's `<var>/m`, momentum's `<var>/momentum`, …). */
type Slot = { originalName: string; variable: tf.Variable } | null | undefined;
const isSlotList = (v: unknown): v is Slot[] =>
  Array.isArray(v) &&
  v.length > 0 &&
  v.every(
    (s) =>
      s == null ||
      (typeof s === 'object' && typeof (s as { originalName?: unknown }).originalName === 'string'),
  );

/**
 * tfjs optimizers keep their state by position in the gradient list (slot i serves the i-th
 * gradient), so the same optimizer given another variable list would apply one variable's moments
 * to another. Before such a call, its slots are put in the new list's order by variable name; a
 * variable without state gets an empty slot (tfjs creates it), and slots of absent variables are
 * kept after the list for a later phase. Keeps state per variable across phases (kept by id).
 */
export function reslot(optimizer: tf.Optimizer, names: readonly string[]): void {
  const o = optimizer as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(o)) {
    if (!isSlotList(value)) continue;
    const byVar = new Map<string, Slot>();
    for (const s of value) if (s) byVar.set(s.originalName.slice(0, s.originalName.lastIndexOf('/')), s);
    const order = names.map((n) => byVar.get(n) ?? null);
    const rest = [...byVar].filter(([n]) => !names.includes(n)).map(([, s]) => s);
    o[key] = [...order, ...rest];
  }
}

/** applyGradients that keeps each variable's state when the variable list changes between calls. */
function slotted(opt: tf.Optimizer): (grads: tf.NamedTensorMap) => void {
  let last: string[] | undefined;
  return (grads) => {
    const names = Object.keys(grads);
    if (last && (last.length !== names.length || last.some((n, i) => n !== names[i]))) reslot(opt, names);
    last = names;
    opt.applyGradients(named(grads));
  };
}

function stepper(
  apply: (grads: tf.NamedTensorMap, vars: tf.Variable[]) => void,
  setLearningRate: (lr: number) => void,
  dispose: () => void,
): Stepper {
  const gradients = (f: () => tf.Scalar, vars: tf.Variable[]) => tf.variableGrads(f, vars);
  return {
    gradients,
    apply,
    step(f, vars) {
      const { value, grads } = gradients(f, vars);
      apply(grads, vars);
      tf.dispose(grads);
      return value;
    },
    setLearningRate,
    dispose,
  };
}

const num = (c: JsonObject, k: string, d: number): number =>
  typeof c[k] === 'number' ? (c[k] as number) : d;

/**
 * tfjs's SGD and momentum cache −lr in a tensor and offer setLearningRate; Adam and RMSProp read
 * their `learningRate` field on each update, so setting it is enough.
 */
function setTfLearningRate(opt: tf.Optimizer, lr: number): void {
  const o = opt as unknown as { learningRate: number; setLearningRate?: (lr: number) => void };
  if (typeof o.setLearningRate === 'function') o.setLearningRate(lr);
  else o.learningRate = lr;
}

function fromTf(opt: tf.Optimizer): Stepper {
  const apply = slotted(opt);
  return stepper(
    (grads) => apply(grads),
    (lr) => setTfLearningRate(opt, lr),
    () => {
      opt.dispose();
      // tfjs 4.22's momentum optimizer does not dispose the −lr scalar its SGD base caches.
      (opt as unknown as { c?: tf.Tensor }).c?.dispose();
    },
  );
}

/**
 * AdamW (Loshchilov & Hutter 2017, arXiv 1711.05101): w ← w − lr·(m̂/(√v̂+ε) + λ·w). The decay
 * uses the weights before the Adam step, so it is applied first, scaled by lr.
 */
function adamW(c: JsonObject): Stepper {
  let lr = num(c, 'learningRate', 0.001);
  const wd = num(c, 'weightDecay', 0.004);
  const adam = tf.train.adam(lr, num(c, 'beta1', 0.9), num(c, 'beta2', 0.999), num(c, 'epsilon', 1e-7));
  const applyAdam = slotted(adam);
  return stepper(
    (grads, vars) => {
      tf.tidy(() => {
        for (const v of vars) v.assign(tf.mul(v, 1 - lr * wd));
      });
      applyAdam(grads);
    },
    (rate) => {
      lr = rate;
      setTfLearningRate(adam, rate);
    },
    () => adam.dispose(),
  );
}

/** The learning rate an optimizer config sets (tfjs's default 0.001 when absent). */
export const learningRateOf = (config: JsonObject): number => num(config, 'learningRate', 0.001);

/** The optimizer of a type (registry id) and its resolved config (an IR optimizer group's). */
export function makeOptimizer(
  optimizer: { readonly type: string; readonly config: JsonObject },
  registry: Registry,
): Stepper {
  const def = registry.get(optimizer.type);
  if (!def?.optimizer) throw new Error(`unknown optimizer '${optimizer.type}'`);
  const c = optimizer.config;
  const lr = num(c, 'learningRate', 0.001);
  switch (def.optimizer.algorithm) {
    case 'sgd':
    case 'momentum': {
      const momentum = num(c, 'momentum', 0);
      return fromTf(momentum > 0 ? tf.train.momentum(lr, momentum, c.nesterov === true) : tf.train.sgd(lr));
    }
    case 'adam':
      return fromTf(tf.train.adam(lr, num(c, 'beta1', 0.9), num(c, 'beta2', 0.999), num(c, 'epsilon', 1e-7)));
    case 'adamw':
      return adamW(c);
    case 'rmsprop':
      return fromTf(
        tf.train.rmsprop(
          lr,
          num(c, 'decay', 0.9),
          num(c, 'momentum', 0),
          num(c, 'epsilon', 1e-7),
          c.centered === true,
        ),
      );
  }
}
