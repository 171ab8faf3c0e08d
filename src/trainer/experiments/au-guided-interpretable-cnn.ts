// Paper P43 (Belharbi, Pedersoli, Koerich, Bacon, Granger, FG 2024, arXiv 2402.00281): the
// template's CNN (conv 16, conv 16, pool, conv 32 [tap L2], pool, conv 32 [tap L3], GAP, dense 4)
// trained on the synthetic AU faces with CE + λ·mean over {L2, L3} of the AU alignment loss
// (1 − cos(channel mean of the tap, AU heat map area-averaged to the tap size)), λ ∈ {0, 1}.
// Measured: validation accuracy (the background shortcut is random there) and the mean cosine of the
// true-class Grad-CAM map at conv4 (bilinearly upsampled to 32×32) with the AU heat map.
import * as tf from '@tensorflow/tfjs';
import { findDataset } from '../../core/datasets/index.ts';
import { resolveParams } from '../../core/params.ts';
import { createRng } from '../../core/rng.ts';
import { gradCam } from '../../explain/cam.ts';
import { analysisContext } from '../../explain/context.ts';
import { build, mean, summary, templateWith, trainAndEvaluate, withModel } from './_kan-shared.ts';
import { defineExperiment, type ExperimentContext } from './experiment.ts';

const DEFAULT_RUN = { seeds: [1, 2], epochs: 6 };
const FULL_RUN = { seeds: [1, 2, 3], epochs: 12 };
/** 1200 train / 400 validation (valFraction 0.25). */
const SAMPLES = 1600;
const LAMBDAS = [0, 1] as const;
const TARGET = 'conv4';
const SCORES = 'logits';
const MIN_COS = 0.6;
const MIN_GAIN = 0.2;
const MAX_ACC_DROP = 0.01;

/** cos(a, b) of two non-negative maps; 0 when either is all zero. */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : 0;
}

/** Trains every (seed, λ) arm and returns per-arm figures: `acc λ`, `cos λ` and `uniform`, one value per arm. */
export async function runArms(
  ctx: ExperimentContext,
  seeds: readonly number[],
  epochs: number,
  lambdas: readonly number[],
): Promise<Record<string, number[]>> {
  const f: Record<string, number[]> = {};
  const push = (k: string, v: number) => {
    f[k] ??= [];
    f[k].push(v);
  };
  const ds = findDataset('auFaces')!;
  for (const seed of seeds) {
    const data = await ds.load(
      resolveParams(ds.params, { samples: SAMPLES }).values,
      createRng(seed),
      ctx.io,
    );
    const heat = data.val.fields!.au!;
    const px = heat.length / data.val.count;
    for (const lambda of lambdas) {
      const doc = templateWith(ctx.templateText, {
        align2: { weight: lambda / 2 },
        align3: { weight: lambda / 2 },
      });
      await withModel(build(doc, ctx.registry, seed), async (b) => {
        const t0 = performance.now();
        const r = await trainAndEvaluate(b, ctx.registry, data, { seed, epochs });
        const trainS = (performance.now() - t0) / 1000;
        const c = analysisContext(b.compiled, data, { classes: 'true', scores: SCORES });
        try {
          const g = gradCam(b.compiled, c.feeds, TARGET, SCORES, c.classes);
          const up = tf.tidy(
            () =>
              tf.image
                .resizeBilinear(g.cams.expandDims(-1) as tf.Tensor4D, [32, 32], true)
                .dataSync() as Float32Array,
          );
          g.cams.dispose();
          g.alpha.dispose();
          const n = data.val.count;
          let cos = 0;
          let uniform = 0;
          const ones = new Float32Array(px).fill(1);
          for (let i = 0; i < n; i++) {
            const m = heat.subarray(i * px, (i + 1) * px);
            cos += cosine(up.subarray(i * px, (i + 1) * px), m);
            uniform += cosine(ones, m);
          }
          const acc = r.val.metrics.accuracy!;
          push(`acc ${lambda}`, acc);
          push(`cos ${lambda}`, cos / n);
          push('uniform', uniform / n);
          ctx.log(
            `seed ${seed}, λ ${lambda}: val acc ${acc.toFixed(4)}, cos(Grad-CAM, AU map) ${(cos / n).toFixed(3)} (uniform map ${(uniform / n).toFixed(3)}), ${trainS.toFixed(1)} s, ${r.status}`,
          );
        } finally {
          c.dispose();
        }
      });
    }
  }
  return f;
}

export default defineExperiment({
  templateId: 'au-guided-interpretable-cnn',
  claim:
    'Constraining layer attention to correlate with action-unit heat maps yields class activation maps aligned with the expert cues while keeping (or improving) accuracy.',
  criterion: `auFaces (${SAMPLES} images, 1200 train / 400 validation, background shortcut naming the class in 90 % of training images, random in validation), the template CNN, ${DEFAULT_RUN.epochs} epochs Adam 1e-3 batch 32, λ ∈ {0, 1} (loss = CE + λ·mean of the AU alignment over conv3, conv4), seeds ${DEFAULT_RUN.seeds.join(', ')}; mean over seeds on all validation images: cosine(Grad-CAM of the true class at ${TARGET}, AU heat map) ≥ ${MIN_COS} with λ = 1 and ≥ the λ = 0 value + ${MIN_GAIN}; validation accuracy with λ = 1 ≥ λ = 0 − ${MAX_ACC_DROP * 100} pt.`,
  fullBudget: `${FULL_RUN.epochs} epochs, seeds ${FULL_RUN.seeds.join(', ')}.`,
  async run(ctx) {
    const { seeds, epochs } = ctx.budget === 'full' ? FULL_RUN : DEFAULT_RUN;
    const backend = await ctx.prepareBackend();
    ctx.log(`backend ${backend}`);
    const f = await runArms(ctx, seeds, epochs, LAMBDAS);
    const m = (k: string) => mean(f[k]!);
    const pass =
      m('cos 1') >= MIN_COS && m('cos 1') >= m('cos 0') + MIN_GAIN && m('acc 1') >= m('acc 0') - MAX_ACC_DROP;
    return {
      pass,
      figures: {
        backend,
        epochs,
        'val acc λ=0': summary(f['acc 0']!),
        'val acc λ=1': summary(f['acc 1']!),
        'cos(Grad-CAM, AU) λ=0': summary(f['cos 0']!, 3),
        'cos(Grad-CAM, AU) λ=1': summary(f['cos 1']!, 3),
        'cos(uniform map, AU)': summary(f.uniform!, 3),
      },
    };
  },
});
