import { reject } from '../../src/core/diagnostics.ts';
import { lossWeight, scalarOut } from '../../src/core/heads.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { formatShape, tensor } from '../../src/core/tensor-type.ts';

/** The reference code's width normalisation: the loss reads as if every layer were 256 wide. */
const REFERENCE_WIDTH = 256;

export default defineNode({
  type: 'losses.cclAlign',
  version: 1,
  kind: 'loss',
  title: 'CCL alignment loss',
  docs: {
    summary:
      'Counter-Current Learning’s layer-local loss: the forward network’s activations a_l for a batch are compared with the feedback network’s signals c_l for every class (one row per class, from the class one-hots), and their dot products are pushed towards the one-hot label matrix — each sample’s activation should align with its own class’s feedback signal and be orthogonal to the others. Put a Stop gradient before every layer input so that each forward layer learns only from its own alignment loss and each feedback layer only from the loss of the layer below (no weight transport, no backward locking). Target: class indices (the dataset labels when unconnected).',
    formula:
      'C = A·Sᵀ  (A: activations [B, d], S: signals [n, d], C: [B, n]),  Y = oneHot(y, n),  L = mean_{b,k} (C_bk − Y_bk)² / d · scale · 256',
    paper: {
      title: 'Counter-Current Learning: A Biologically Plausible Dual Network Approach for Deep Learning',
      authors: 'Kao, Hariharan',
      year: 2024,
      arxiv: '2409.19841',
    },
  },
  params: {
    scale: p.float({
      default: 0.5,
      min: 0,
      exclusiveMin: true,
      doc: 'scale (the reference code’s loss_scale_C, 0.5); the loss is also × 256 / d.',
    }),
    weight: lossWeight,
  },
  inputs: {
    activations: { doc: 'Forward-network activations a_l [B, d] for the batch.' },
    signals: { doc: 'Feedback-network signals c_l [n, d]: one row per class (n = number of classes).' },
    target: { doc: 'Class indices [B] or [B, 1]; the dataset labels when unconnected.', optional: true },
  },
  outputs: scalarOut,
  infer({ inputs }) {
    const a = inputs.activations!.shape;
    const s = inputs.signals!.shape;
    if (a.length !== 2)
      reject(
        'shape/rank-mismatch',
        `activations ${formatShape(a)} must be [B, d]: insert a Flatten before.`,
        {
          port: 'activations',
        },
      );
    if (s.length !== 2)
      reject(
        'shape/rank-mismatch',
        `signals ${formatShape(s)} must be [n, d]: one row per class (e.g. a feedback network fed by an Identity rows node).`,
        { port: 'signals' },
      );
    if (a[1] !== s[1])
      reject(
        'shape/loss-target-mismatch',
        `activations ${formatShape(a)} and signals ${formatShape(s)} must have the same width d: pair each forward layer with the feedback layer of its width.`,
        { port: 'signals' },
      );
    const t = inputs.target?.shape;
    if (t && !(t.length === 1 || (t.length === 2 && t[1] === 1)))
      reject('shape/loss-target-mismatch', `target ${formatShape(t)} must be class indices [B] or [B, 1].`, {
        port: 'target',
      });
    return { loss: tensor([]) };
  },
  lower: ({ params }) => ({ kind: 'loss', config: { scale: params.scale }, weight: params.weight }),
  loss: {
    target: 'index',
    fn() {
      throw new Error('cclAlign has named ports: the trainer calls call()');
    },
    call(ops, { activations, signals, target }, params) {
      const [n, d] = ops.shape(signals!);
      const c = ops.matMul(activations!, signals!, false, true);
      const y = ops.oneHot(ops.reshape(target!, [-1]), n!);
      const mse = ops.mean(ops.square(ops.sub(c, y)));
      return ops.mul(mse, ops.scalar((params.scale * REFERENCE_WIDTH) / d!));
    },
  },
  examples: [
    {
      inputs: {
        activations: { shape: [4, 5] },
        signals: { shape: [3, 5] },
        target: { shape: [4, 1], dtype: 'int32', range: [0, 3] },
      },
    },
  ],
});
