// Paper P41 (Selvaraju et al., ICCV 2017, arXiv 1610.02391, Grad-CAM): the template's small CNN
// (conv 8 → max-pool → conv 32 [Grad-CAM target] → global average pool → dense 4) trained on the
// `locate` shapes (square / ring / triangle / cross at a random position and scale on noise), then
// Grad-CAM for the true class on the validation images: pointing game (peak inside the box grown
// by 2 px) against a centre baseline (peak at the image centre) and a random baseline (uniform
// random map), and class-specificity (energy inside the box of the true-class map above that of a
// wrong class's map). Channel weights vs finite differences: src/explain/cam.test.ts.
import { createRng } from '../../core/rng.ts';
import { gradCam, upsampleMaps } from '../../explain/cam.ts';
import { boxAt, centreMap, energyInBox, pointingGame } from '../../explain/cam-metrics.ts';
import { onTrainedLocate } from './_cam-shared.ts';
import { mean, summary } from './_kan-shared.ts';
import { defineExperiment } from './experiment.ts';

const DEFAULT_RUN = { seeds: [1], epochs: 14 };
const FULL_RUN = { seeds: [1, 2, 3], epochs: 24 };
const SAMPLES = 1800;
/** The spec's 3 random small blobs per image, outside the box. */
const DISTRACTORS = 3;
const EVAL = 300;
const MIN_ACC = 0.9;
const MIN_POINTING = 0.8;
const MIN_SPECIFIC = 0.8;
const DILATE = 2;
const TARGET = 'conv2';

export default defineExperiment({
  templateId: 'grad-cam-explainer',
  claim:
    'Grad-CAM localises the class-discriminative region of a trained CNN without architectural change, and its maps are class-specific.',
  criterion: `locate 28×28 (${SAMPLES} images, ${DISTRACTORS} distractor blobs each, 80/20 split), the template CNN, ${DEFAULT_RUN.epochs} epochs Adam 5e-3, seeds ${DEFAULT_RUN.seeds.join(', ')}; on ${EVAL} validation images, mean over seeds: val acc ≥ ${MIN_ACC}; Grad-CAM (true class, target ${TARGET}) pointing game ≥ ${MIN_POINTING} with the box dilated by ${DILATE} px and above both the centre and the random baseline; the true-class map's energy in the box exceeds a wrong class's in ≥ ${MIN_SPECIFIC * 100} % of images.`,
  fullBudget: `${FULL_RUN.epochs} epochs, seeds ${FULL_RUN.seeds.join(', ')}.`,
  async run(ctx) {
    const { seeds, epochs } = ctx.budget === 'full' ? FULL_RUN : DEFAULT_RUN;
    const backend = await ctx.prepareBackend();
    ctx.log(`backend ${backend}`);
    const f: Record<string, number[]> = {
      acc: [],
      point: [],
      centre: [],
      random: [],
      energy: [],
      specific: [],
      ms: [],
    };
    for (const seed of seeds) {
      await onTrainedLocate(
        ctx,
        { seed, epochs, samples: SAMPLES, evalSamples: EVAL, data: { distractors: DISTRACTORS } },
        ({ built: b, acc, status, c, h, w }) => {
          const t0 = performance.now();
          const g = gradCam(b.compiled, c.feeds, TARGET, c.scores, c.classes);
          const maps = upsampleMaps(g.cams, h, w, 'minmax');
          const ms = (performance.now() - t0) / maps.length;
          g.cams.dispose();
          g.alpha.dispose();
          const wrongCls = c.classes!.map((k) => (k + 1) % 4);
          const gw = gradCam(b.compiled, c.feeds, TARGET, c.scores, wrongCls);
          const wrong = upsampleMaps(gw.cams, h, w, 'minmax');
          gw.cams.dispose();
          gw.alpha.dispose();
          const boxes = c.boxes!;
          const rng = createRng(seed + 1000);
          const centre = centreMap(h, w);
          const randomMaps = maps.map(() => Float32Array.from({ length: h * w }, () => rng.next()));
          let specific = 0;
          let energy = 0;
          for (let i = 0; i < maps.length; i++) {
            const e = energyInBox(maps[i]!, w, boxAt(boxes, i));
            energy += e;
            if (e > energyInBox(wrong[i]!, w, boxAt(boxes, i))) specific++;
          }
          const row = {
            acc: acc,
            point: pointingGame(maps, w, boxes, DILATE),
            centre: pointingGame(
              maps.map(() => centre),
              w,
              boxes,
              DILATE,
            ),
            random: pointingGame(randomMaps, w, boxes, DILATE),
            energy: energy / maps.length,
            specific: specific / maps.length,
            ms,
          };
          for (const [k, v] of Object.entries(row)) f[k]!.push(v);
          ctx.log(
            `seed ${seed}: val acc ${row.acc.toFixed(4)}, pointing Grad-CAM ${row.point.toFixed(3)} / centre ${row.centre.toFixed(3)} / random ${row.random.toFixed(3)}, energy in box ${row.energy.toFixed(3)}, true > wrong class energy ${row.specific.toFixed(3)}, ${ms.toFixed(2)} ms/image, ${status}`,
          );
        },
      );
    }
    const m = (k: string) => mean(f[k]!);
    const pass =
      m('acc') >= MIN_ACC &&
      m('point') >= MIN_POINTING &&
      m('point') > m('centre') &&
      m('point') > m('random') &&
      m('specific') >= MIN_SPECIFIC;
    return {
      pass,
      figures: {
        backend,
        epochs,
        'val acc': summary(f.acc!),
        'pointing Grad-CAM': summary(f.point!, 3),
        'pointing centre baseline': summary(f.centre!, 3),
        'pointing random baseline': summary(f.random!, 3),
        'energy in box': summary(f.energy!, 3),
        'true > wrong-class energy': summary(f.specific!, 3),
        'Grad-CAM ms/image': m('ms').toFixed(2),
      },
    };
  },
});
