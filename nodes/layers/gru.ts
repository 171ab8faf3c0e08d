import { LAYER_ACTIVATIONS } from '../../src/core/activations.ts';
import {
  recurrentFlops,
  recurrentOutput,
  recurrentParamCount,
} from '../../src/core/layer-kinds/recurrent.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';

export default defineNode({
  type: 'layers.gru',
  version: 1,
  kind: 'layer',
  title: 'GRU',
  docs: {
    summary:
      'Gated recurrent unit: a recurrent layer with update and reset gates (lighter than LSTM). Returns the last output, or every step with returnSequences. tfjs applies the reset gate before the recurrent product (reset_after = false).',
    formula:
      'z = σ(x W_z + h U_z + b_z),  r = σ(x W_r + h U_r + b_r),  h̃ = tanh(x W_h + (r ⊙ h) U_h + b_h);  h′ = z ⊙ h + (1 − z) ⊙ h̃  (σ = recurrentActivation, tanh = activation; params 3·(F·u + u·u + u))',
    paper: {
      title: 'Learning Phrase Representations using RNN Encoder-Decoder for Statistical Machine Translation',
      authors:
        'Kyunghyun Cho, Bart van Merriënboer, Caglar Gulcehre, Dzmitry Bahdanau, Fethi Bougares, Holger Schwenk, Yoshua Bengio',
      year: 2014,
      arxiv: '1406.1078',
    },
  },
  params: {
    units: p.int({ default: 32, min: 1, max: 65536, doc: 'Size u of the hidden state.' }),
    activation: p.enum(LAYER_ACTIVATIONS, 'tanh', 'Activation of the candidate state.'),
    recurrentActivation: p.enum(LAYER_ACTIVATIONS, 'sigmoid', 'Activation of the update and reset gates.'),
    useBias: p.bool({ default: true, doc: 'Add learned gate biases.' }),
    returnSequences: p.bool({
      default: false,
      doc: 'Return the output of every step [B, T, u] instead of the last [B, u].',
    }),
    goBackwards: p.bool({ default: false, doc: 'Process the sequence in reverse order.' }),
  },
  inputs: { x: { doc: 'Sequences [B, T, F].' } },
  outputs: { y: { doc: '[B, units], or [B, T, units] with returnSequences' } },
  infer: ({ inputs, params }) => recurrentOutput('GRU', inputs.x!, params),
  paramCount: ({ inputs, params }) => recurrentParamCount(3, inputs.x!, params),
  // The 3 gates' weights at every time step, plus ~5 ops per unit and step.
  flops: ({ inputs, params }) => recurrentFlops(3, 5, inputs.x!, params),
  examples: [
    { inputs: { x: { shape: [2, 3, 4] } }, params: { units: 3 } },
    { inputs: { x: { shape: [2, 4, 2] } }, params: { units: 2, returnSequences: true } },
  ],
  lower: ({ params }) => ({
    kind: 'layer',
    layer: 'gru',
    config: {
      units: params.units,
      activation: params.activation,
      recurrentActivation: params.recurrentActivation,
      useBias: params.useBias,
      returnSequences: params.returnSequences,
      goBackwards: params.goBackwards,
    },
  }),
});
