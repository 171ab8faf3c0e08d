import { elementwiseMergeNode } from '../../src/core/layer-kinds/merge.ts';

export default elementwiseMergeNode({
  name: 'multiply',
  title: 'Multiply',
  summary:
    'Elementwise product of n inputs of the same shape (e.g. gating). Sizes of 1 broadcast, as in Keras.',
  formula: 'y = x1 ⊙ x2 ⊙ … ⊙ xn',
});
