import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { tensor } from '../../src/core/tensor-type.ts';

export default defineNode({
  type: 'io.input',
  version: 1,
  kind: 'input',
  title: 'Input',
  docs: {
    summary:
      "The model's input, fed with the dataset's features, its labels or one of its named fields (Source). Shape excludes the batch dimension. A training-only input (labels fed to a layer, a mask fed to a loss) has no data at inference.",
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
    source: p.string({
      default: 'features',
      maxLength: 64,
      doc: "What feeds it: 'features', 'labels' (class indices arrive as shape [1], int32), 'field:<name>' for a dataset field, or 'store:<name>' for the batch's rows of a per-sample store (training.stores, shape [width]; training only — validation rows read the store's init value).",
    }),
    trainingOnly: p.bool({
      default: false,
      doc: 'The data exists only while training (e.g. labels fed to a layer); inference never feeds it.',
    }),
  },
  inputs: {},
  outputs: { y: { doc: '[B, ...shape]' } },
  infer: ({ params }) => ({ y: tensor([null, ...params.shape], params.dtype) }),
  lower: ({ params }) => ({
    kind: 'input',
    shape: [null, ...params.shape],
    dtype: params.dtype,
    // Written only when not the default, so older IR (and every existing template) is unchanged.
    ...(params.source !== 'features' ? { source: params.source } : {}),
    ...(params.trainingOnly ? { trainingOnly: true } : {}),
  }),
});
