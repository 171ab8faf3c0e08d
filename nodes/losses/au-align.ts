import { reject } from '../../src/core/diagnostics.ts';
import { lossWeight, scalarOut } from '../../src/core/heads.ts';
import { defineNode } from '../../src/core/node-def.ts';
import type { Ops } from '../../src/core/ops.ts';
import { p } from '../../src/core/params.ts';
import { type Dim, formatShape, tensor } from '../../src/core/tensor-type.ts';

export const AU_ALIGN_TYPES = ['cosine', 'stdCosine'] as const;
const EPS = 1e-8;
/** The reference code's standardisation epsilon ((att − mean)/(std + 1e-4)). */
const STD_EPS = 1e-4;

/** Heat map [B, H, W(, 1)] area-averaged to [B, h·w] (H = f·h, W = g·w). */
export function areaDownsample<T>(ops: Ops<T>, m: T, h: number, w: number): T {
  const s = ops.shape(m);
  const [H, W] = [s[1]!, s[2]!];
  const blocks = ops.reshape(m, [-1, h, H / h, w, W / w]);
  return ops.reshape(ops.mean(blocks, [2, 4]), [-1, h * w]);
}

/** 1 − cos(a_b, m_b) averaged over the batch; a, m: [B, n]. */
export function cosineLoss<T>(ops: Ops<T>, a: T, m: T): T {
  const dot = ops.sum(ops.mul(a, m), [1]);
  const na = ops.sqrt(ops.sum(ops.square(a), [1]));
  const nm = ops.sqrt(ops.sum(ops.square(m), [1]));
  return ops.mean(ops.sub(ops.scalar(1), ops.div(dot, ops.add(ops.mul(na, nm), ops.scalar(EPS)))));
}

const spatial = (s: readonly Dim[]) => (s.length === 4 ? s[3] === 1 : s.length === 3);

export default defineNode({
  type: 'losses.auAlign',
  version: 1,
  kind: 'loss',
  title: 'AU attention alignment loss',
  docs: {
    summary:
      'Aligns a layer attention map (e.g. the Channel mean of a conv feature map) with an action-unit heat map, as in Guided Interpretable Facial Expression Recognition via Spatial Action Unit Cues (Belharbi, Pedersoli, Koerich, Bacon, Granger; FG 2024, arXiv 2402.00281; official code dlib/losses/align_to_heatmap.py, A_COSINE / A_STD_COSINE). The heat map (a dataset field at image resolution, fed by a training-only Input) is area-averaged down to the attention size (an antialiased resize; the reference resizes bilinearly with antialiasing and clamps to the original range, which averaging already respects). Total loss with CE: CE + λ·mean over the aligned layers — give each layer’s loss weight λ / (number of layers).',
    formula:
      'M↓ = area-mean of M over (H/h)×(W/w) blocks;  a = att (cosine) or (att − mean(att))/(std(att) + 1e-4) (stdCosine);  L = mean_b [1 − ⟨a_b, M↓_b⟩ / (‖a_b‖·‖M↓_b‖ + 1e-8)]',
    paper: {
      title: 'Guided Interpretable Facial Expression Recognition via Spatial Action Unit Cues',
      authors: 'Belharbi, Pedersoli, Koerich, Bacon, Granger',
      year: 2024,
      arxiv: '2402.00281',
    },
  },
  params: {
    type: p.enum(
      AU_ALIGN_TYPES,
      'cosine',
      'cosine: 1 − cos(att, M) (the reference default); stdCosine standardises att first.',
    ),
    weight: lossWeight,
  },
  inputs: {
    attention: { doc: 'Layer attention [B, h, w, 1] (or [B, h, w]), e.g. from a Channel mean node.' },
    heatmap: {
      doc: 'AU heat map [B, H, W, 1] (or [B, H, W]) with H, W multiples of h, w — a dataset field.',
    },
  },
  outputs: scalarOut,
  infer({ inputs }) {
    const a = inputs.attention!.shape;
    const m = inputs.heatmap!.shape;
    if (!spatial(a))
      reject(
        'shape/rank-mismatch',
        `attention ${formatShape(a)} must be [B, h, w, 1] or [B, h, w]: insert a Channel mean.`,
        {
          port: 'attention',
        },
      );
    if (!spatial(m))
      reject('shape/rank-mismatch', `heatmap ${formatShape(m)} must be [B, H, W, 1] or [B, H, W].`, {
        port: 'heatmap',
      });
    const [h, w, H, W] = [a[1], a[2], m[1], m[2]];
    if (
      typeof h !== 'number' ||
      typeof w !== 'number' ||
      typeof H !== 'number' ||
      typeof W !== 'number' ||
      H % h !== 0 ||
      W % w !== 0
    )
      reject(
        'shape/loss-target-mismatch',
        `heatmap ${formatShape(m)} must be an integer multiple of attention ${formatShape(a)} on each spatial axis (area downsampling): tap a layer whose size divides the heat map's.`,
        { port: 'heatmap' },
      );
    return { loss: tensor([]) };
  },
  lower: ({ params }) => ({ kind: 'loss', config: { type: params.type }, weight: params.weight }),
  loss: {
    target: 'index',
    fn() {
      throw new Error('auAlign has named ports: the trainer calls call()');
    },
    call(ops, { attention, heatmap }, params) {
      const s = ops.shape(attention!);
      const [h, w] = [s[1]!, s[2]!];
      let a = ops.reshape(attention!, [-1, h * w]);
      if (params.type === 'stdCosine') {
        const c = ops.sub(a, ops.mean(a, [1], true));
        const sd = ops.sqrt(ops.mean(ops.square(c), [1], true));
        a = ops.div(c, ops.add(sd, ops.scalar(STD_EPS)));
      }
      const m = ops.stopGradient(areaDownsample(ops, heatmap!, h, w));
      return cosineLoss(ops, a, m);
    },
  },
  examples: [
    {
      inputs: {
        attention: { shape: [2, 4, 4, 1] },
        heatmap: { shape: [2, 8, 8, 1], range: [0, 1], stopsGradient: true },
      },
    },
    {
      inputs: {
        attention: { shape: [3, 2, 2, 1] },
        heatmap: { shape: [3, 4, 4, 1], range: [0, 1], stopsGradient: true },
      },
      params: { type: 'stdCosine' },
    },
  ],
});
