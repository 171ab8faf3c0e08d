import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { tensor } from '../../src/core/tensor-type.ts';

export default defineNode({
  type: 'io.input',
  version: 1,
  kind: 'input',
  title: 'Input',
  docs: {
    summary: "The model's input, fed with the dataset's features. Shape excludes the batch dimension.",
    formula: 'y = x  (x: [B, ...shape])',
  },
  params: {
    shape: p.shape({
      default: [784],
      minLength: 1,
      maxLength: 4,
      doc: 'Feature shape without the batch, e.g. [28, 28, 1].',
    }),
    dtype: p.enum(['float32', 'int32'], 'float32', 'Element type (int32 for token ids fed to Embedding).'),
  },
  inputs: {},
  outputs: { y: { doc: '[B, ...shape]' } },
  infer: ({ params }) => ({ y: tensor([null, ...params.shape], params.dtype) }),
  lower: ({ params }) => ({ kind: 'input', shape: [null, ...params.shape], dtype: params.dtype }),
});
