import { LAYER_ACTIVATIONS } from '../../src/core/activations.ts';
import {
  recurrentFlops,
  recurrentOutput,
  recurrentParamCount,
} from '../../src/core/layer-kinds/recurrent.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';

export default defineNode({
  type: 'layers.lstm',
  version: 1,
  kind: 'layer',
  title: 'LSTM',
  docs: {
    summary:
      'Long short-term memory: a recurrent layer whose gated cell state carries information across many steps. Returns the last output, or every step with returnSequences.',
    formula:
      'i = σ(x W_i + h U_i + b_i),  f = σ(x W_f + h U_f + b_f),  o = σ(x W_o + h U_o + b_o),  c̃ = tanh(x W_c + h U_c + b_c);  c′ = f ⊙ c + i ⊙ c̃,  h′ = o ⊙ tanh(c′)  (σ = recurrentActivation, tanh = activation; params 4·(F·u + u·u + u))',
    paper: {
      title: 'Long Short-Term Memory',
      authors: 'Sepp Hochreiter, Jürgen Schmidhuber',
      year: 1997,
      url: 'https://doi.org/10.1162/neco.1997.9.8.1735',
    },
  },
  params: {
    units: p.int({ default: 32, min: 1, max: 65536, doc: 'Size u of the hidden and cell state.' }),
    activation: p.enum(
      LAYER_ACTIVATIONS,
      'tanh',
      'Activation of the candidate cell and the output (tanh in the paper).',
    ),
    recurrentActivation: p.enum(
      LAYER_ACTIVATIONS,
      'sigmoid',
      'Activation of the input, forget and output gates.',
    ),
    useBias: p.bool({ default: true, doc: 'Add learned gate biases.' }),
    unitForgetBias: p.bool({
      default: false,
      doc: 'Initialize the forget-gate bias to 1 (Jozefowicz et al. 2015). Off by default: with it on, tfjs leaks 4 small tensors each time the layer is built.',
    }),
    returnSequences: p.bool({
      default: false,
      doc: 'Return the output of every step [B, T, u] instead of the last [B, u].',
    }),
    goBackwards: p.bool({ default: false, doc: 'Process the sequence in reverse order.' }),
  },
  inputs: { x: { doc: 'Sequences [B, T, F].' } },
  outputs: { y: { doc: '[B, units], or [B, T, units] with returnSequences' } },
  infer: ({ inputs, params }) => recurrentOutput('LSTM', inputs.x!, params),
  paramCount: ({ inputs, params }) => recurrentParamCount(4, inputs.x!, params),
  // The 4 gates' weights at every time step, plus ~6 ops per unit and step.
  flops: ({ inputs, params }) => recurrentFlops(4, 6, inputs.x!, params),
  examples: [
    { inputs: { x: { shape: [2, 3, 4] } }, params: { units: 3 } },
    { inputs: { x: { shape: [2, 4, 2] } }, params: { units: 2, returnSequences: true } },
  ],
  lower: ({ params }) => ({
    kind: 'layer',
    layer: 'lstm',
    config: {
      units: params.units,
      activation: params.activation,
      recurrentActivation: params.recurrentActivation,
      useBias: params.useBias,
      unitForgetBias: params.unitForgetBias,
      returnSequences: params.returnSequences,
      goBackwards: params.goBackwards,
    },
  }),
});
