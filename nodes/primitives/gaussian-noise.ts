import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { tensor } from '../../src/core/tensor-type.ts';

export default defineNode({
  type: 'primitives.gaussianNoise',
  version: 1,
  kind: 'layer',
  title: 'Gaussian noise',
  docs: {
    summary:
      'Adds independent Gaussian noise while training and passes x unchanged at inference (Keras GaussianNoise). Several of them on one input make differently augmented views of a batch inside the graph (BYOL/MYOW views, then Batch concat).',
    formula: 'training: y = x + σ·ε, ε ~ N(0, I);  inference: y = x',
  },
  params: {
    stddev: p.float({ default: 0.1, min: 0, doc: 'σ, the noise standard deviation.' }),
  },
  inputs: { x: { doc: 'Any tensor.' } },
  outputs: { y: { doc: 'x plus noise (training), x (inference).' } },
  infer: ({ inputs }) => ({ y: tensor(inputs.x!.shape, inputs.x!.dtype) }),
  paramCount: () => 0,
  lower: ({ params }) => ({ kind: 'kernel', config: { stddev: params.stddev } }),
  kernel: {
    call: (ops, [x], _w, params, ctx) =>
      ctx.training && params.stddev > 0
        ? ops.add(x!, ops.mul(ops.randomNormal(ops.shape(x!)), ops.scalar(params.stddev)))
        : x!,
  },
  examples: [{ inputs: { x: { shape: [2, 5] } }, params: { stddev: 0.1 } }],
});
