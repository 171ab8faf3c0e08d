// Paper P19 (Bany Muhammad & Yeasin 2020, Eigen-CAM): the template's CNN (conv 8 → max-pool →
// conv 32 [target] → global average pool → dense 4) trained on the `locate` shapes, then Eigen-CAM
// (first principal component of the centred conv2 activations by 30 power-iteration steps, sign
// fixed by correlation with the channel mean, ReLU, bilinear upsample, / max) on the validation
// images: pointing game (box dilated by 2 px) against Grad-CAM and a centre baseline, the number of
// gradient computations it triggers (counted at the tfjs engine), its time per image, and
// class-agnosticism (the maps for two different classes are identical).
// Eigen-CAM against a Jacobi eigen-solve in Float64: src/explain/cam.test.ts.
import * as tf from '@tensorflow/tfjs';
import { resolveParams } from '../../core/params.ts';
import { eigenCam, featureMap, gradCam, upsampleMaps } from '../../explain/cam.ts';
import { centreMap, pointingGame } from '../../explain/cam-metrics.ts';
import { analysisContext, countGradientCalls } from '../../explain/context.ts';
import { eigenCamTool } from '../../explain/tools.ts';
import { onTrainedLocate } from './_cam-shared.ts';
import { mean, summary } from './_kan-shared.ts';
import { defineExperiment } from './experiment.ts';

const DEFAULT_RUN = { seeds: [1], epochs: 14 };
const FULL_RUN = { seeds: [1, 2, 3], epochs: 24 };
const SAMPLES = 1800;
const EVAL = 300;
const MIN_POINTING = 0.8;
const MAX_MS = 50;
const DILATE = 2;
const TARGET = 'conv2';

export default defineExperiment({
  templateId: 'eigen-cam-locate',
  claim:
    'Eigen-CAM — the projection of a conv layer’s activations on their first principal component — localises the object without any backward pass and independently of the class.',
  criterion: `locate 28×28 (${SAMPLES} images, 80/20 split), the template CNN, ${DEFAULT_RUN.epochs} epochs Adam 5e-3, seeds ${DEFAULT_RUN.seeds.join(', ')}; on ${EVAL} validation images, mean over seeds: Eigen-CAM (target ${TARGET}) pointing game ≥ ${MIN_POINTING} with the box dilated by ${DILATE} px and above the centre baseline; zero gradient computations during Eigen-CAM; < ${MAX_MS} ms per image; maps identical for two different target classes. Grad-CAM's pointing game is reported beside it.`,
  fullBudget: `${FULL_RUN.epochs} epochs, seeds ${FULL_RUN.seeds.join(', ')}.`,
  async run(ctx) {
    const { seeds, epochs } = ctx.budget === 'full' ? FULL_RUN : DEFAULT_RUN;
    const backend = await ctx.prepareBackend();
    ctx.log(`backend ${backend}`);
    const f: Record<string, number[]> = {
      acc: [],
      eigen: [],
      grad: [],
      centre: [],
      calls: [],
      ms: [],
      agnostic: [],
    };
    for (const seed of seeds) {
      await onTrainedLocate(
        ctx,
        { seed, epochs, samples: SAMPLES, evalSamples: EVAL },
        async ({ built: b, data, acc, status, c, h, w }) => {
          const t0 = performance.now();
          const { result: e, calls } = countGradientCalls(() =>
            tf.tidy(() => {
              const { a } = featureMap(b.compiled, c.feeds, TARGET);
              const out = eigenCam(a);
              return out.cams;
            }),
          );
          const eigen = upsampleMaps(e, h, w, 'max');
          const ms = (performance.now() - t0) / eigen.length;
          e.dispose();
          const g = gradCam(b.compiled, c.feeds, TARGET, c.scores, c.classes);
          const grad = upsampleMaps(g.cams, h, w, 'minmax');
          g.cams.dispose();
          g.alpha.dispose();
          // Class-agnostic: the tool's maps for class 0 and class 3 on the first 20 images.
          const few = analysisContext(b.compiled, data, { samples: 20, classes: 0 });
          const p = resolveParams(eigenCamTool.params, { deletionSteps: 0 }).values as never;
          const heat = async (k: number) =>
            (
              await eigenCamTool.run({ ...few, classes: new Int32Array(20).fill(k) }, TARGET, p)
            ).views.flatMap((v) => (v.kind === 'heatmaps' ? v.items.flatMap((i) => Array.from(i.heat)) : []));
          const [h0, h3] = [await heat(0), await heat(3)];
          few.dispose();
          const agnostic = h0.length > 0 && h0.every((v, i) => v === h3[i]) ? 1 : 0;
          const centre = centreMap(h, w);
          const row = {
            acc: acc,
            eigen: pointingGame(eigen, w, c.boxes!, DILATE),
            grad: pointingGame(grad, w, c.boxes!, DILATE),
            centre: pointingGame(
              eigen.map(() => centre),
              w,
              c.boxes!,
              DILATE,
            ),
            calls,
            ms,
            agnostic,
          };
          for (const [k, v] of Object.entries(row)) f[k]!.push(v);
          ctx.log(
            `seed ${seed}: val acc ${row.acc.toFixed(4)}, pointing Eigen-CAM ${row.eigen.toFixed(3)} / Grad-CAM ${row.grad.toFixed(3)} / centre ${row.centre.toFixed(3)}, gradient calls ${calls}, ${ms.toFixed(2)} ms/image, class-agnostic ${agnostic === 1}, ${status}`,
          );
        },
      );
    }
    const m = (k: string) => mean(f[k]!);
    const pass =
      m('eigen') >= MIN_POINTING &&
      m('eigen') > m('centre') &&
      Math.max(...f.calls!) === 0 &&
      m('ms') < MAX_MS &&
      Math.min(...f.agnostic!) === 1;
    return {
      pass,
      figures: {
        backend,
        epochs,
        'val acc': summary(f.acc!),
        'pointing Eigen-CAM': summary(f.eigen!, 3),
        'pointing Grad-CAM': summary(f.grad!, 3),
        'pointing centre baseline': summary(f.centre!, 3),
        'gradient calls during Eigen-CAM': Math.max(...f.calls!),
        'Eigen-CAM ms/image': m('ms').toFixed(2),
        'class-agnostic (all seeds)': Math.min(...f.agnostic!) === 1 ? 'yes' : 'no',
      },
    };
  },
});
