import { flattenLeading } from '../../src/core/kan/basis.ts';
import { lastDim } from '../../src/core/kan/kan.ts';
import { defineNode, type PaperRef } from '../../src/core/node-def.ts';
import type { Ops } from '../../src/core/ops.ts';
import { p } from '../../src/core/params.ts';
import { tensor } from '../../src/core/tensor-type.ts';

/** Luo, Song et al. 2025 (Sparsing Law), cited by the gated FFN and the CETT tool. */
export const SPARSING_LAW_PAPER: PaperRef = {
  title: 'Sparsing Law: Towards Large Language Models with Greater Activation Sparsity',
  authors: 'Luo, Song, Han, Chen, Huang, Zhao, Chen, Lin, Liu, Sun',
  year: 2025,
  arxiv: '2411.02335',
};

/** The FFN's intermediate activations a = act(x W_gate) ⊙ (x W_up), x as [rows, d]: [rows, d_ff]. */
export function gatedFfnActivations<T>(ops: Ops<T>, x2: T, wGate: T, wUp: T, activation: string): T {
  const g = ops.matMul(x2, wGate);
  const act = activation === 'silu' ? ops.mul(g, ops.sigmoid(g)) : ops.relu(g);
  return ops.mul(act, ops.matMul(x2, wUp));
}

/** ‖W_down[i, :]‖₂ per intermediate neuron i: [d_ff]. */
export function downRowNorms<T>(ops: Ops<T>, wDown: T): T {
  return ops.sqrt(ops.sum(ops.square(wDown), [1]));
}

export default defineNode({
  type: 'layers.gatedFfn',
  version: 1,
  kind: 'layer',
  title: 'Gated FFN (ReLU / SiLU)',
  docs: {
    summary:
      'The gated feed-forward block of LLaMA-style transformers without biases: a gate projection through ReLU or SiLU times an up projection, then a down projection back to the input width. Neuron i’s output is n_i = a_i · W_down[i, :], so ‖n_i‖ = |a_i|·‖W_down[i, :]‖. `threshold` ε (runtime: the CETT analysis tool sets it without a rebuild) zeroes every neuron with ‖n_i‖ < ε in the forward pass; at ε = 0 nothing is masked and the layer is the dense FFN exactly. The CETT tool (src/explain/cett.ts) reads the intermediate activations a through `gatedFfnActivations`.',
    formula:
      'a = act(x W_gate) ⊙ (x W_up),  act ∈ {ReLU, SiLU(z) = z·σ(z)};  y = (a ⊙ m) W_down,  m_i = 1[|a_i|·‖W_down[i,:]‖ ≥ ε] (m = 1 at ε = 0).  W_gate, W_up: [d, d_ff], W_down: [d_ff, d]; params 3·d·d_ff',
    paper: SPARSING_LAW_PAPER,
  },
  params: {
    units: p.int({ default: 256, min: 1, max: 65536, doc: 'Intermediate width d_ff (neurons).' }),
    activation: p.enum(
      ['relu', 'silu'] as const,
      'relu',
      'Gate activation: ReLU or SiLU z·σ(z) (the paper compares the two).',
    ),
    threshold: p.float({
      default: 0,
      min: 0,
      max: 1e6,
      doc: 'ε: neurons with |a_i|·‖W_down[i,:]‖ < ε are zeroed (0: none; the CETT tool sets it). Runtime: set without a rebuild.',
      runtime: true,
    }),
  },
  inputs: { x: { doc: 'Hidden states [B, …, d].' } },
  outputs: { y: { doc: 'FFN output, same shape as x ([B, …, d]).' } },
  infer({ inputs }) {
    lastDim(inputs.x!, 'Gated FFN');
    return { y: tensor(inputs.x!.shape) };
  },
  paramCount: ({ inputs, params }) => 3 * lastDim(inputs.x!, 'Gated FFN') * params.units,
  kernel: {
    weights(params, [shape]) {
      const d = shape![shape!.length - 1] as number;
      return [
        { name: 'wGate', shape: [d, params.units], init: 'glorotUniform' },
        { name: 'wUp', shape: [d, params.units], init: 'glorotUniform' },
        { name: 'wDown', shape: [params.units, d], init: 'glorotUniform' },
      ];
    },
    call(ops, [x], w, params) {
      const { x2, lead, d } = flattenLeading(ops, x!);
      let a = gatedFfnActivations(ops, x2, w.wGate!, w.wUp!, params.activation);
      if (params.threshold > 0) {
        // inactive: ε − |a|·‖W_down row‖ > 0 (step(0) = 0, so a neuron exactly at ε stays active)
        const norms = ops.mul(ops.abs(a), downRowNorms(ops, w.wDown!));
        const inactive = ops.step(ops.sub(ops.scalar(params.threshold), norms));
        a = ops.mul(a, ops.sub(ops.scalar(1), inactive));
      }
      return ops.reshape(ops.matMul(a, w.wDown!), [...lead, d]);
    },
  },
  lower: ({ params }) => ({ kind: 'kernel', config: { ...params } }),
  examples: [
    { inputs: { x: { shape: [4, 6] } }, params: { units: 5 } },
    { inputs: { x: { shape: [3, 4] } }, params: { units: 7, activation: 'silu' } },
    { inputs: { x: { shape: [2, 3, 4] } }, params: { units: 3, activation: 'silu' } },
  ],
});
