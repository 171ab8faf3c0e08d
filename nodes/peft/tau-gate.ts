import { lastDim } from '../../src/core/kan/kan.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { tensor } from '../../src/core/tensor-type.ts';

export default defineNode({
  type: 'peft.tauGate',
  version: 1,
  kind: 'layer',
  title: 'TauGate',
  docs: {
    summary:
      'Activation-space parameter-efficient fine-tuning: on the pre-activation z of a (frozen) Dense with `activation: linear`, every unit learns a firing threshold τ and a gain γ = exp(ρ) — 2 params per unit, the weights stay. Training uses a smooth sigmoid gate of sharpness s; `hard` uses the indicator 1[z > τ] (the paper hardens the gate at inference); `mode: bypass` is a plain ReLU (pretraining, before the gates exist). `hard` and `mode` are runtime params: a phase override or the evaluation switches them without a rebuild. At τ = 0, γ = 1 the hard gate is exactly ReLU and the soft one within 0.2785/s of it (max over z > 0 of z·σ(−s·z)).',
    formula:
      'soft: y = γ ⊙ σ(s·(z − τ)) ⊙ relu(z);  hard: y = γ ⊙ 1[z > τ] ⊙ relu(z);  bypass: y = relu(z);  γ = exp(ρ), τ and ρ ∈ R^n init 0.  Params 2n',
    paper: {
      title: 'Dopamine: Brain Modes, Not Brains',
      authors: 'Ghasemlou',
      year: 2026,
      arxiv: '2602.11726',
    },
  },
  params: {
    sharpness: p.float({
      default: 10,
      min: 0,
      max: 1000,
      exclusiveMin: true,
      doc: 'Sharpness s of the soft gate σ(s·(z − τ)).',
    }),
    hard: p.bool({
      default: false,
      doc: 'Hard gate 1[z > τ] (inference) instead of σ(s·(z − τ)); no gradient reaches τ through it. Runtime: an override switches it without a rebuild.',
      runtime: true,
    }),
    mode: p.enum(
      ['gate', 'bypass'] as const,
      'gate',
      'gate: the TauGate; bypass: y = relu(z), τ and ρ unused (pretraining). Runtime: a phase override switches it without a rebuild.',
      { runtime: true },
    ),
  },
  inputs: { x: { doc: 'Pre-activations z [B, …, n] (a Dense with activation linear).' } },
  outputs: { y: { doc: 'Gated activations, same shape as z.' } },
  infer({ inputs }) {
    lastDim(inputs.x!, 'TauGate');
    return { y: tensor(inputs.x!.shape) };
  },
  paramCount: ({ inputs }) => 2 * lastDim(inputs.x!, 'TauGate'),
  kernel: {
    weights(_params, [shape]) {
      const n = shape![shape!.length - 1] as number;
      return [
        { name: 'tau', shape: [n], init: 'zeros' },
        { name: 'rho', shape: [n], init: 'zeros' },
      ];
    },
    call(ops, [z], w, params) {
      const r = ops.relu(z!);
      if (params.mode === 'bypass') return r;
      const shifted = ops.sub(z!, w.tau!);
      const gate = params.hard
        ? ops.step(shifted)
        : ops.sigmoid(ops.mul(shifted, ops.scalar(params.sharpness)));
      return ops.mul(ops.mul(ops.exp(w.rho!), gate), r);
    },
  },
  lower: ({ params }) => ({ kind: 'kernel', config: { ...params } }),
  examples: [
    { inputs: { x: { shape: [4, 6], range: [-2, 2] } }, params: { sharpness: 3 } },
    { inputs: { x: { shape: [4, 6], range: [-2, 2] } }, params: { hard: true } },
    // bypass reads neither weight (no gradient to check here): src/testing/taugate.test.ts tests it.
    { inputs: { x: { shape: [2, 3, 5] } } },
  ],
});
