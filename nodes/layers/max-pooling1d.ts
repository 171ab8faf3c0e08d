import { poolingNode } from '../../src/core/layer-kinds/pooling.ts';

export default poolingNode({
  reduce: 'max',
  dims: 1,
  examples: [
    { inputs: { x: { shape: [2, 8, 3] } }, params: { poolSize: [2] } },
    { inputs: { x: { shape: [2, 7, 2] } }, params: { poolSize: [3], strides: [2], padding: 'same' } },
  ],
});
