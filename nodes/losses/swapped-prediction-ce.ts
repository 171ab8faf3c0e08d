import { reject } from '../../src/core/diagnostics.ts';
import { lossWeight, scalarOut } from '../../src/core/heads.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { formatShape, tensor } from '../../src/core/tensor-type.ts';

const one = (s: readonly (number | null)[]) => s.length === 1 || (s.length === 2 && s[1] === 1);

export default defineNode({
  type: 'losses.swappedPredictionCe',
  version: 1,
  kind: 'loss',
  title: 'Swapped-prediction cross-entropy',
  docs: {
    summary:
      'The discovery loss of UNO and Cr-KD (SwAV-style): each view’s logits over all classes — the Kₗ known classes then the Kᵤ novel clusters — predict the OTHER view’s targets. A labelled (known = 1) sample’s target is its one-hot label on the known slots; an unlabelled one’s is the Sinkhorn assignment of that view (assign1 / assign2, [B, Kᵤ]) on the novel slots. Cross-entropy of softmax(logits/τ) against the targets, averaged over the batch and the two view pairs. Feed the assignments through a Sinkhorn–Knopp node (they carry no gradient).',
    formula:
      't_v,b = known_b·[onehot(y_b, Kₗ), 0] + (1 − known_b)·[0, assign_v,b];  L = ½ Σ_{v≠v′} mean_b −Σ_c t_v,bc · log softmax(logits_v′,b / τ)_c',
    paper: {
      title:
        'Class-relation Knowledge Distillation for Novel Class Discovery (the UNO objective, arXiv 2108.08536)',
      authors: 'Peiyan Gu, Chuyu Zhang, Ruijie Xu, Xuming He',
      year: 2023,
      arxiv: '2307.09158',
    },
  },
  params: {
    temperature: p.float({
      default: 0.1,
      min: 1e-3,
      max: 100,
      doc: 'τ: logits are divided by it (UNO: 0.1).',
    }),
    weight: lossWeight,
  },
  inputs: {
    logits1: { doc: 'View 1 logits over known then novel classes [B, Kₗ + Kᵤ].' },
    logits2: { doc: 'View 2 logits [B, Kₗ + Kᵤ].' },
    assign1: { doc: 'Sinkhorn assignments of view 1’s novel logits [B, Kᵤ].' },
    assign2: { doc: 'Sinkhorn assignments of view 2’s novel logits [B, Kᵤ].' },
    labels: { doc: 'Class indices [B, 1] (int32; read where known = 1).' },
    known: { doc: '1 = labelled known-class sample, 0 = unlabelled [B, 1].' },
  },
  outputs: scalarOut,
  infer({ inputs }) {
    const l1 = inputs.logits1!.shape;
    const l2 = inputs.logits2!.shape;
    const a1 = inputs.assign1!.shape;
    const a2 = inputs.assign2!.shape;
    if (l1.length !== 2 || l2.length !== 2 || l1[1] !== l2[1] || typeof l1[1] !== 'number')
      reject(
        'shape/loss-target-mismatch',
        `logits1 ${formatShape(l1)} and logits2 ${formatShape(l2)} must both be [B, K] with the same known K.`,
        {
          port: 'logits2',
        },
      );
    for (const [port, a] of [
      ['assign1', a1],
      ['assign2', a2],
    ] as const)
      if (a.length !== 2 || typeof a[1] !== 'number' || a[1] >= (l1[1] as number))
        reject(
          'shape/loss-target-mismatch',
          `${port} ${formatShape(a)} must be [B, Kᵤ] with Kᵤ < ${l1[1]} (the novel slots of the logits ${formatShape(l1)}).`,
          { port },
        );
    if (a1[1] !== a2[1])
      reject(
        'shape/loss-target-mismatch',
        `assign1 ${formatShape(a1)} and assign2 ${formatShape(a2)} differ.`,
        {
          port: 'assign2',
        },
      );
    for (const port of ['labels', 'known'] as const)
      if (!one(inputs[port]!.shape))
        reject(
          'shape/loss-target-mismatch',
          `${port} ${formatShape(inputs[port]!.shape)} must be one value per sample: [B, 1].`,
          {
            port,
          },
        );
    return { loss: tensor([]) };
  },
  lower: ({ params }) => ({
    kind: 'loss',
    config: { temperature: params.temperature },
    weight: params.weight,
  }),
  loss: {
    target: 'index',
    fn() {
      throw new Error('swappedPredictionCe has named ports: the trainer calls call()');
    },
    call(ops, { logits1, logits2, assign1, assign2, labels, known }, params) {
      const c = ops.shape(logits1!).at(-1)!;
      const ku = ops.shape(assign1!).at(-1)!;
      const kl = c - ku;
      const m = ops.reshape(ops.cast(known!, 'float32'), [-1, 1]);
      const y = ops.reshape(ops.cast(labels!, 'int32'), [-1]);
      const onehot = ops.mul(ops.oneHot(y, kl), m); // [B, Kₗ]: zero for unlabelled rows
      const target = (a: typeof m) => ops.concat([onehot, ops.mul(a, ops.sub(ops.scalar(1), m))], 1);
      const ce = (t: typeof m, logits: typeof m) =>
        ops.mean(
          ops.neg(ops.sum(ops.mul(t, ops.logSoftmax(ops.div(logits, ops.scalar(params.temperature)))), [-1])),
        );
      // View 1's targets are predicted by view 2's logits, and the other way round.
      return ops.mul(
        ops.scalar(0.5),
        ops.add(ce(target(assign1!), logits2!), ce(target(assign2!), logits1!)),
      );
    },
  },
  examples: [
    {
      inputs: {
        logits1: { shape: [6, 5] },
        logits2: { shape: [6, 5] },
        assign1: { shape: [6, 2], range: [0, 1] },
        assign2: { shape: [6, 2], range: [0, 1] },
        labels: { shape: [6, 1], dtype: 'int32', range: [0, 3] },
        known: { shape: [6, 1], dtype: 'int32', range: [0, 2] },
      },
    },
  ],
});
