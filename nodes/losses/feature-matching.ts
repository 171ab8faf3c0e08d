import { reject } from '../../src/core/diagnostics.ts';
import { lossWeight, scalarOut } from '../../src/core/heads.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { formatShape, tensor } from '../../src/core/tensor-type.ts';

export default defineNode({
  type: 'losses.featureMatching',
  version: 1,
  kind: 'loss',
  title: 'Feature matching loss',
  docs: {
    summary:
      'Squared distance between the features a frozen encoder E gives a reconstruction and those it gives the original: ‖E(x̂) − E(x)‖², summed over features and averaged over the batch (the PPGN generator’s feature loss L_h1). Feed pred from a frozen copy of E applied to the generator output and target from E applied to the data; train only the generator group.',
    formula: 'L = mean_b Σ_j (E(x̂)_{b,j} − E(x)_{b,j})²',
    paper: {
      title: 'Plug & Play Generative Networks: Conditional Iterative Generation of Images in Latent Space',
      authors: 'Nguyen, Clune, Bengio, Dosovitskiy, Yosinski',
      year: 2017,
      arxiv: '1612.00005',
    },
  },
  params: { weight: lossWeight },
  inputs: {
    pred: { doc: 'Features of the reconstruction E(x̂) [B, …].' },
    target: { doc: 'Features of the data E(x) [B, …] (same shape).' },
  },
  outputs: scalarOut,
  infer({ inputs }) {
    const a = inputs.pred!.shape;
    const b = inputs.target!.shape;
    if (
      a.length < 2 ||
      a.length !== b.length ||
      a.some((d, i) => i > 0 && d !== b[i]) ||
      (typeof a[0] === 'number' && typeof b[0] === 'number' && a[0] !== b[0])
    )
      reject(
        'shape/loss-target-mismatch',
        `pred ${formatShape(a)} and target ${formatShape(b)} must both be [B, …] with the same shape.`,
        { port: 'target' },
      );
    return { loss: tensor([]) };
  },
  lower: ({ params }) => ({ kind: 'loss', config: {}, weight: params.weight }),
  loss: {
    target: 'onehot',
    fn() {
      throw new Error('featureMatching has named ports: the trainer calls call()');
    },
    call(ops, { pred, target }) {
      const b = ops.shape(pred!)[0]!;
      const d = ops.reshape(ops.sub(pred!, target!), [b, -1]);
      return ops.mean(ops.sum(ops.square(d), [-1]));
    },
  },
  examples: [{ inputs: { pred: { shape: [4, 5] }, target: { shape: [4, 5] } } }],
});
