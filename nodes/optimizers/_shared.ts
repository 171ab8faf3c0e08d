// Param specs and ports shared by the optimizer nodes (not a node file: the registry skips `_` names).
import { p } from '../../src/core/params.ts';

/** The step size; `dflt` is each optimizer's usual default. */
export const learningRate = (dflt: number) =>
  p.float({
    default: dflt,
    min: 0,
    exclusiveMin: true,
    max: 1e6,
    doc: 'Step size lr (large values diverge; the trainer stops and names the node).',
  });

export const epsilon = p.float({
  default: 1e-7,
  min: 0,
  exclusiveMin: true,
  max: 1,
  doc: 'Numerical stabiliser ε.',
});

/** Adam's hyperparameters (Adam and AdamW). */
export const adamParams = {
  learningRate: learningRate(0.001),
  beta1: p.float({ default: 0.9, min: 0, max: 0.9999, doc: 'Decay of the first moment.' }),
  beta2: p.float({ default: 0.999, min: 0, max: 0.99999, doc: 'Decay of the second moment.' }),
  epsilon,
};

/** An optimizer is set in training.optimizer, never wired: no ports, nothing to infer. */
export const noPorts = { inputs: {}, outputs: {}, infer: () => ({}) };
