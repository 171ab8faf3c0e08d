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

/**
 * Where activation curves are sampled: 49 points on [−4, 4]. The canvas draws a node's preview
 * (nodes' previewCurve) and the Worker's trained curve (src/trainer/curves.ts) on this grid.
 */
export const CURVE_XS: readonly number[] = Array.from({ length: 49 }, (_, i) => -4 + i / 6);
