// Activation names shared by layers that take an `activation` param. Values are tfjs identifiers
// (param names equal tfjs config names: DESIGN §5), so lowering passes them straight through.
export const LAYER_ACTIVATIONS = [
  'linear',
  'relu',
  'relu6',
  'elu',
  'selu',
  'gelu',
  'swish',
  'mish',
  'tanh',
  'sigmoid',
  'hardSigmoid',
  'softplus',
  'softsign',
  'softmax',
] as const;
export type LayerActivation = (typeof LAYER_ACTIVATIONS)[number];
