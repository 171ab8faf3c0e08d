import { elementwiseMergeNode } from '../../src/core/layer-kinds/merge.ts';

export default elementwiseMergeNode({
  name: 'add',
  title: 'Add',
  summary:
    'Elementwise sum of n inputs of the same shape (e.g. a residual connection). Sizes of 1 broadcast, as in Keras.',
  formula: 'y = x1 + x2 + … + xn',
});
