// Optimizers from the IR: tfjs's own, plus AdamW (decoupled weight decay) which tfjs lacks.
import * as tf from '@tensorflow/tfjs';
import type { IRTraining, JsonObject } from '../core/ir.ts';
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
  dispose(): void;
}

/** The list form every tfjs optimizer's applyGradients accepts. */
const named = (grads: tf.NamedTensorMap): { name: string; tensor: tf.Tensor }[] =>
  Object.entries(grads).map(([name, tensor]) => ({ name, tensor }));

function stepper(
  apply: (grads: tf.NamedTensorMap, vars: tf.Variable[]) => void,
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
    dispose,
  };
}

const num = (c: JsonObject, k: string, d: number): number =>
  typeof c[k] === 'number' ? (c[k] as number) : d;

function fromTf(opt: tf.Optimizer): Stepper {
  return stepper(
    (grads) => opt.applyGradients(named(grads)),
    () => opt.dispose(),
  );
}

/**
 * AdamW (Loshchilov & Hutter 2017, arXiv 1711.05101): w ← w − lr·(m̂/(√v̂+ε) + λ·w). The decay
 * uses the weights before the Adam step, so it is applied first, scaled by lr.
 */
function adamW(c: JsonObject): Stepper {
  const lr = num(c, 'learningRate', 0.001);
  const wd = num(c, 'weightDecay', 0.004);
  const adam = tf.train.adam(lr, num(c, 'beta1', 0.9), num(c, 'beta2', 0.999), num(c, 'epsilon', 1e-7));
  return stepper(
    (grads, vars) => {
      tf.tidy(() => {
        for (const v of vars) v.assign(tf.mul(v, 1 - lr * wd));
      });
      adam.applyGradients(named(grads));
    },
    () => adam.dispose(),
  );
}

export function makeOptimizer(training: IRTraining, registry: Registry, learningRate?: number): Stepper {
  const def = registry.get(training.optimizer.type);
  if (!def?.optimizer) throw new Error(`unknown optimizer '${training.optimizer.type}'`);
  const c: JsonObject = {
    ...training.optimizer.config,
    ...(learningRate !== undefined ? { learningRate } : {}),
  };
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
