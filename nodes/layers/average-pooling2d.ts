import { poolingNode } from '../../src/core/layer-kinds/pooling.ts';

export default poolingNode({
  reduce: 'average',
  dims: 2,
  examples: [
    { inputs: { x: { shape: [2, 6, 6, 3] } }, params: { poolSize: [2, 2] } },
    { inputs: { x: { shape: [2, 7, 5, 2] } }, params: { poolSize: [3, 3], strides: [2, 2] } },
  ],
});
