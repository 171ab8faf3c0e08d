import { defineNode } from '../../src/core/node-def.ts';

export default defineNode({
  type: 'io.output',
  version: 1,
  kind: 'output',
  title: 'Output',
  docs: {
    summary: 'Marks a model output: what predict() returns and what the exported buildModel() outputs.',
    formula: 'y = x',
  },
  params: {},
  inputs: { x: { doc: 'The tensor to expose as a model output.' } },
  outputs: { y: { doc: 'Same as x.' } },
  infer: ({ inputs }) => ({ y: inputs.x! }),
  lower: () => ({ kind: 'identity' }),
});
