import { reject } from '../../src/core/diagnostics.ts';
import { hebbianFit, toFloat32 } from '../../src/core/fits.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { tensor } from '../../src/core/tensor-type.ts';
import { flatFeatures, P39_PAPER } from './_shared.ts';

export default defineNode({
  type: 'fit.hebbianHopfield',
  version: 1,
  kind: 'layer',
  title: 'Hebbian Hopfield network (fit)',
  docs: {
    summary:
      'Hebbian learning rule block: a fit phase sets the couplings J from examples of K patterns (no gradient anywhere); the forward pass runs zero-temperature Hopfield dynamics from the input state for a number of parallel sweeps and outputs the final state. With diluted patterns one network retrieves several patterns at once (multitasking).',
    formula:
      'supervised J = (1/N) Σ_μ η̄^μ η̄^μᵀ (η̄^μ = mean example of pattern μ);  unsupervised J = (1/(N·M)) Σ_{μ,a} η^{μa} η^{μa}ᵀ;  J_ii = 0;  dynamics σ ← sign(σ·J), sign(0) keeps σ_i, `sweeps` times',
    paper: P39_PAPER,
  },
  params: {
    mode: p.enum(
      ['sup', 'unsup'],
      'sup',
      'Supervised (examples grouped by their pattern label) or unsupervised (every example alone).',
    ),
    patterns: p.int({
      default: 3,
      min: 1,
      max: 65536,
      doc: 'K patterns (the dataset’s classes); the unsupervised rule divides by M = rows / K.',
    }),
    sweeps: p.int({
      default: 20,
      min: 0,
      max: 1000,
      doc: 'Parallel zero-temperature sweeps of the forward pass (0: the input state unchanged).',
    }),
  },
  inputs: { x: { doc: 'Neuron states [B, N] (examples in the fit phase; initial states at inference).' } },
  outputs: { y: { doc: '[B, N]: the state after the sweeps (±1; a 0 entry stays 0 while its field is 0).' } },
  infer({ inputs }) {
    flatFeatures(inputs.x!, 'Hebbian Hopfield network');
    return { y: tensor(inputs.x!.shape) };
  },
  paramCount: ({ inputs }) => (inputs.x!.shape[1] as number) ** 2,
  lower: ({ params }) => ({
    kind: 'kernel',
    config: { mode: params.mode, patterns: params.patterns, sweeps: params.sweeps },
  }),
  kernel: {
    weights: (_params, [shape]) => [
      {
        name: 'couplings',
        shape: [shape![1] as number, shape![1] as number],
        init: 'zeros',
        trainable: false,
      },
    ],
    call: (ops, [x], w, params) => {
      let s = ops.stopGradient(x!);
      for (let t = 0; t < params.sweeps; t++) {
        const h = ops.matMul(s, w.couplings!);
        const sign = ops.sub(ops.step(h), ops.step(ops.neg(h)));
        // sign(0) keeps the state: (1 − |sign|)·σ.
        s = ops.add(sign, ops.mul(ops.sub(ops.scalar(1), ops.abs(sign)), s));
      }
      return s;
    },
  },
  fit: {
    collect: 'rows',
    labels: 'optional',
    solve(data, params) {
      if (params.mode === 'sup' && (data.numClasses === undefined || !data.y))
        reject(
          'train/fit-labels',
          'Supervised Hebbian couplings need each example’s pattern as a class label; use mode unsup or a labelled dataset.',
          { field: 'mode' },
        );
      const y = data.numClasses === undefined ? undefined : data.y;
      return { couplings: toFloat32(hebbianFit(data.x, y, params.patterns, params.mode)) };
    },
  },
  examples: [{ inputs: { x: { shape: [2, 5], stopsGradient: true } }, params: { sweeps: 2 } }],
});
