// Optimizers from the IR: tfjs's own, plus AdamW (decoupled weight decay) which tfjs lacks.
import * as tf from '@tensorflow/tfjs';
import type { IRTraining, JsonObject } from '../core/ir.ts';
import type { Registry } from '../core/registry.ts';

/** The one operation the trainer needs: a step that returns the cost. */
export interface Stepper {
  step(f: () => tf.Scalar, vars: tf.Variable[]): tf.Scalar;
  dispose(): void;
}

const num = (c: JsonObject, k: string, d: number): number => (typeof c[k] === 'number' ? (c[k] as number) : d);

function fromTf(opt: tf.Optimizer): Stepper {
  return {
    step: (f, vars) => opt.minimize(f, true, vars) as tf.Scalar,
    dispose: () => opt.dispose(),
  };
}

/**
 * AdamW (Loshchilov & Hutter 2017, arXiv 1711.05101): w ← w − lr·(m̂/(√v̂+ε) + λ·w). The decay
 * uses the weights before the Adam step, so it is applied first, scaled by lr.
 */
function adamW(c: JsonObject): Stepper {
  const lr = num(c, 'learningRate', 0.001);
  const wd = num(c, 'weightDecay', 0.004);
  const adam = tf.train.adam(lr, num(c, 'beta1', 0.9), num(c, 'beta2', 0.999), num(c, 'epsilon', 1e-7));
  return {
    step(f, vars) {
      const { value, grads } = tf.variableGrads(f, vars);
      tf.tidy(() => {
        for (const v of vars) v.assign(tf.mul(v, 1 - lr * wd));
      });
      adam.applyGradients(grads as tf.NamedTensorMap as Parameters<typeof adam.applyGradients>[0]);
      tf.dispose(grads);
      return value;
    },
    dispose: () => adam.dispose(),
  };
}

export function makeOptimizer(training: IRTraining, registry: Registry, learningRate?: number): Stepper {
  const def = registry.get(training.optimizer.type);
  if (!def?.optimizer) throw new Error(`unknown optimizer '${training.optimizer.type}'`);
  const c: JsonObject = { ...training.optimizer.config, ...(learningRate !== undefined ? { learningRate } : {}) };
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
        tf.train.rmsprop(lr, num(c, 'decay', 0.9), num(c, 'momentum', 0), num(c, 'epsilon', 1e-7), c.centered === true),
      );
  }
}
