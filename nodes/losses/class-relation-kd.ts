import { reject } from '../../src/core/diagnostics.ts';
import { lossWeight, scalarOut } from '../../src/core/heads.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { formatShape, tensor } from '../../src/core/tensor-type.ts';

export default defineNode({
  type: 'losses.classRelationKd',
  version: 1,
  kind: 'loss',
  title: 'Class-relation distillation (Cr-KD)',
  docs: {
    summary:
      'Cr-KD’s regulariser for novel class discovery: for each unlabelled sample (known = 0), the frozen supervised teacher’s distribution over the KNOWN classes (its class relation: how much a novel digit looks like each known one) is distilled into the student’s known head, with the temperature-softened KL divergence scaled by T². Each sample is weighted by the learnable gate η, the probability mass the student’s full head (known + novel) puts on the known classes, normalised by its mean over the batch’s unlabelled samples (gradients flow through η). The teacher is a frozen copy (a copy phase, then outside the phase’s trained groups), so nothing it computes is trained. Loss weight = α (the paper: 0.1 on top of the discovery loss). The KL differs from the spec’s cross-entropy Σ −p_t log p_s only by the teacher’s entropy, a constant with no gradient.',
    formula:
      'p_t = softmax(teacher/τ/T), p_s = softmax(student/τ/T) over the Kₗ known classes;  η_b = Σ_{c<Kₗ} softmax(all_b/τ/T)_c,  w_b = η_b / mean_{u}(η);  L = Σ_b u_b·w_b·T²·KL(p_t,b ‖ p_s,b) / Σ_b u_b,  u_b = 1 − known_b',
    paper: {
      title: 'Class-relation Knowledge Distillation for Novel Class Discovery',
      authors: 'Peiyan Gu, Chuyu Zhang, Ruijie Xu, Xuming He',
      year: 2023,
      arxiv: '2307.09158',
    },
  },
  params: {
    T: p.float({
      default: 4,
      min: 0.1,
      max: 100,
      doc: 'Distillation temperature T (the loss is scaled by T²).',
    }),
    temperature: p.float({
      default: 0.1,
      min: 1e-3,
      max: 100,
      doc: 'τ: the heads’ logit temperature (UNO’s 0.1), applied before T.',
    }),
    weight: { ...lossWeight, default: 0.1 },
  },
  inputs: {
    student: { doc: 'Student known-head logits [B, Kₗ].' },
    all: { doc: 'Student logits over known then novel classes [B, Kₗ + Kᵤ] (the gate η).' },
    teacher: {
      doc: 'Frozen teacher’s known-head logits [B, Kₗ] (a frozen group, or behind a Stop gradient).',
    },
    known: { doc: '1 = labelled known-class sample (left out), 0 = unlabelled [B, 1].' },
  },
  outputs: scalarOut,
  infer({ inputs }) {
    const s = inputs.student!.shape;
    const t = inputs.teacher!.shape;
    const a = inputs.all!.shape;
    if (s.length !== 2 || t.length !== 2 || s[1] !== t[1])
      reject(
        'shape/loss-target-mismatch',
        `student ${formatShape(s)} and teacher ${formatShape(t)} must both be [B, Kₗ].`,
        {
          port: 'teacher',
        },
      );
    if (a.length !== 2 || typeof a[1] !== 'number' || typeof s[1] !== 'number' || a[1] <= s[1])
      reject(
        'shape/loss-target-mismatch',
        `all ${formatShape(a)} must be [B, Kₗ + Kᵤ], wider than the known head ${formatShape(s)} (its first Kₗ slots are the known classes).`,
        { port: 'all' },
      );
    const m = inputs.known!.shape;
    if (!(m.length === 1 || (m.length === 2 && m[1] === 1)))
      reject('shape/loss-target-mismatch', `known ${formatShape(m)} must be one value per sample: [B, 1].`, {
        port: 'known',
      });
    return { loss: tensor([]) };
  },
  lower: ({ params }) => ({
    kind: 'loss',
    config: { T: params.T, temperature: params.temperature },
    weight: params.weight,
  }),
  loss: {
    target: 'index',
    fn() {
      throw new Error('classRelationKd has named ports: the trainer calls call()');
    },
    call(ops, { student, all, teacher, known }, params) {
      const kl = ops.shape(student!).at(-1)!;
      const scale = ops.scalar(params.temperature * params.T);
      const u = ops.sub(ops.scalar(1), ops.reshape(ops.cast(known!, 'float32'), [-1])); // [B]
      const nU = ops.maximum(ops.sum(u), ops.scalar(1));
      const logPt = ops.logSoftmax(ops.div(teacher!, scale));
      const logPs = ops.logSoftmax(ops.div(student!, scale));
      const kd = ops.sum(ops.mul(ops.exp(logPt), ops.sub(logPt, logPs)), [-1]); // [B]
      const pAll = ops.softmax(ops.div(all!, scale));
      const eta = ops.sum(ops.slice(pAll, [0, 0], [-1, kl]), [-1]); // [B]
      const etaMean = ops.maximum(ops.div(ops.sum(ops.mul(eta, u)), nU), ops.scalar(1e-12));
      const w = ops.div(eta, etaMean);
      return ops.mul(ops.scalar(params.T * params.T), ops.div(ops.sum(ops.mul(ops.mul(w, kd), u)), nU));
    },
  },
  examples: [
    {
      inputs: {
        student: { shape: [6, 3] },
        all: { shape: [6, 5] },
        teacher: { shape: [6, 3] },
        known: { shape: [6, 1], dtype: 'int32', range: [0, 2] },
      },
      params: { T: 2, temperature: 0.5 },
    },
  ],
});
