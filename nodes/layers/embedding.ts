import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { requireMinRank } from '../../src/core/shape-math.ts';
import { tensor } from '../../src/core/tensor-type.ts';

export default defineNode({
  type: 'layers.embedding',
  version: 1,
  kind: 'layer',
  title: 'Embedding',
  docs: {
    summary:
      'Looks up a learned vector for each integer token id in [0, inputDim). Feed it int32 ids (e.g. an Input with dtype int32).',
    formula: 'y[b, …, :] = E[x[b, …], :],  E: [inputDim, outputDim]  (params inputDim·outputDim)',
  },
  params: {
    inputDim: p.int({
      default: 1000,
      min: 1,
      max: 10_000_000,
      doc: 'Vocabulary size: ids must lie in [0, inputDim).',
    }),
    outputDim: p.int({ default: 32, min: 1, max: 65536, doc: 'Length of each embedding vector.' }),
  },
  inputs: { x: { doc: 'Token ids [B, …] (int32).' } },
  outputs: { y: { doc: '[B, …, outputDim]' } },
  infer({ inputs, params }) {
    const x = inputs.x!;
    requireMinRank(x, 1, 'Embedding', '[B, …]');
    return { y: tensor([...x.shape, params.outputDim]) };
  },
  // A table lookup: no arithmetic, one copy per output element.
  flops: ({ outputs }) =>
    Object.values(outputs).reduce(
      (n, t) => n + t.shape.slice(1).reduce<number>((m, d) => m * (d ?? 1), 1),
      0,
    ),
  paramCount: ({ params }) => params.inputDim * params.outputDim,
  examples: [
    {
      inputs: { x: { shape: [2, 5], dtype: 'int32', range: [0, 10] } },
      params: { inputDim: 10, outputDim: 4 },
    },
    {
      inputs: { x: { shape: [3, 2, 3], dtype: 'int32', range: [0, 7] } },
      params: { inputDim: 7, outputDim: 3 },
    },
  ],
  lower: ({ params }) => ({
    kind: 'layer',
    layer: 'embedding',
    config: { inputDim: params.inputDim, outputDim: params.outputDim },
  }),
});
