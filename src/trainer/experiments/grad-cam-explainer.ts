// Paper P41 (Selvaraju et al., ICCV 2017, arXiv 1610.02391, Grad-CAM): the template's small CNN
// (conv 8 → max-pool → conv 32 [Grad-CAM target] → global average pool → dense 4) trained on the
// `locate` shapes (square / ring / triangle / cross at a random position and scale on noise), then
// Grad-CAM for the true class on the validation images: pointing game (peak inside the box grown
// by 2 px) against a centre baseline (peak at the image centre) and a random baseline (uniform
// random map), and class-specificity (energy inside the box of the true-class map above that of a
// wrong class's map). Channel weights vs finite differences: src/explain/cam.test.ts.
import * as tf from '@tensorflow/tfjs';
import type { CompiledModel } from '../../compiler/compile.ts';
import { drawLocatePair, LOCATE_SHAPES } from '../../core/datasets/locate.ts';
import { createRng } from '../../core/rng.ts';
import { gradCam, upsampleMaps } from '../../explain/cam.ts';
import {
  type Box,
  boxAt,
  centreMap,
  energyInBox,
  peakInBox,
  pointingGame,
} from '../../explain/cam-metrics.ts';
import { onTrainedLocate } from './_cam-shared.ts';
import { mean, summary } from './_kan-shared.ts';
import { defineExperiment } from './experiment.ts';

const DEFAULT_RUN = { seeds: [1], epochs: 14 };
const FULL_RUN = { seeds: [1, 2, 3], epochs: 24 };
const SAMPLES = 1800;
/** The spec's 3 random small blobs per image, outside the box. */
const DISTRACTORS = 3;
const EVAL = 300;
/** The locate default noise σ (the template's data). */
const NOISE = 0.15;
const MIN_ACC = 0.9;
const MIN_POINTING = 0.8;
const MIN_SPECIFIC = 0.8;
const DILATE = 2;
const TARGET = 'conv2';
const CLASSES = LOCATE_SHAPES.length;
/** Two-object images (one per class pair, both orders) for the paper's class-specificity demonstration. */
const PAIRS = 100;

/** Maps [B, h, w] bilinearly upsampled to H × W, not normalised. */
function rawMaps(cams: tf.Tensor3D, height: number, width: number): Float32Array[] {
  const data = tf.tidy(
    () =>
      tf.image
        .resizeBilinear(cams.expandDims(-1) as tf.Tensor4D, [height, width], true)
        .dataSync() as Float32Array,
  );
  const n = height * width;
  return Array.from({ length: cams.shape[0] }, (_, i) => data.slice(i * n, (i + 1) * n));
}

/** Σ of the (non-negative) map inside the box. */
function massInBox(map: Float32Array, width: number, box: Box): number {
  let s = 0;
  for (let r = box[0]; r <= box[2]; r++)
    for (let c = box[1]; c <= box[3]; c++) s += Math.max(0, map[r * width + c]!);
  return s;
}

/**
 * Grad-CAM's own class-specificity evidence (Selvaraju et al. §3, fig. 1): images holding two shapes
 * of different classes A and B; the map for A should peak on A's object (box dilated by DILATE) and
 * put more energy in A's box than in B's, and likewise for B. Returns both rates over 2·PAIRS maps.
 */
function pairDemo(compiled: CompiledModel, input: string, scores: string, size: number, seed: number) {
  const rng = createRng(seed + 2000);
  const px = size * size;
  const x = new Float32Array(PAIRS * px);
  const boxes: [Box, Box][] = [];
  const kinds: [number, number][] = [];
  for (let i = 0; boxes.length < PAIRS && i < PAIRS * 4; i++) {
    const ka = rng.int(CLASSES);
    const kb = (ka + 1 + rng.int(CLASSES - 1)) % CLASSES;
    const r = drawLocatePair(x, boxes.length * px, size, ka, kb, NOISE, rng);
    if (!r) continue;
    boxes.push([r.a, r.b]);
    kinds.push([ka, kb]);
  }
  const n = boxes.length;
  const xt = tf.tensor4d(x.subarray(0, n * px), [n, size, size, 1]);
  let point = 0;
  let own = 0;
  try {
    for (const side of [0, 1] as const) {
      const g = gradCam(
        compiled,
        { [input]: xt },
        TARGET,
        scores,
        Int32Array.from(kinds, (k) => k[side]),
      );
      const maps = upsampleMaps(g.cams, size, size, 'minmax');
      g.cams.dispose();
      g.alpha.dispose();
      for (let i = 0; i < n; i++) {
        const mine = boxes[i]![side];
        const theirs = boxes[i]![1 - side]!;
        if (peakInBox(maps[i]!, size, mine, DILATE)) point++;
        if (energyInBox(maps[i]!, size, mine) > energyInBox(maps[i]!, size, theirs)) own++;
      }
    }
  } finally {
    xt.dispose();
  }
  return { point: point / (2 * n), own: own / (2 * n) };
}

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
      specificAll: [],
      wrongZero: [],
      massSpecific: [],
      pairPoint: [],
      pairOwn: [],
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
          // Maps for every class: min-max normalised (as the tool shows them) and raw (upsampled only).
          const byClass = Array.from({ length: CLASSES }, (_, k) => {
            const gk = gradCam(b.compiled, c.feeds, TARGET, c.scores, new Int32Array(maps.length).fill(k));
            const out = { norm: upsampleMaps(gk.cams, h, w, 'minmax'), raw: rawMaps(gk.cams, h, w) };
            gk.cams.dispose();
            gk.alpha.dispose();
            return out;
          });
          const wrong = Array.from(c.classes!, (k, i) => byClass[(k + 1) % CLASSES]!.norm[i]!);
          const boxes = c.boxes!;
          const rng = createRng(seed + 1000);
          const centre = centreMap(h, w);
          const randomMaps = maps.map(() => Float32Array.from({ length: h * w }, () => rng.next()));
          let specific = 0;
          let specificAll = 0;
          let wrongZero = 0;
          let massSpecific = 0;
          let energy = 0;
          for (let i = 0; i < maps.length; i++) {
            const e = energyInBox(maps[i]!, w, boxAt(boxes, i));
            energy += e;
            if (e > energyInBox(wrong[i]!, w, boxAt(boxes, i))) specific++;
            const k = c.classes![i]!;
            const others = [1, 2, 3].map((d) => (k + d) % CLASSES);
            if (others.every((o) => e > energyInBox(byClass[o]!.norm[i]!, w, boxAt(boxes, i)))) specificAll++;
            const wr = byClass[(k + 1) % CLASSES]!.raw[i]!;
            if (wr.every((v) => v === 0)) wrongZero++;
            if (massInBox(byClass[k]!.raw[i]!, w, boxAt(boxes, i)) > massInBox(wr, w, boxAt(boxes, i)))
              massSpecific++;
          }
          const pair = pairDemo(b.compiled, c.imageInput, c.scores, h, seed);
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
            specificAll: specificAll / maps.length,
            wrongZero: wrongZero / maps.length,
            massSpecific: massSpecific / maps.length,
            pairPoint: pair.point,
            pairOwn: pair.own,
            ms,
          };
          for (const [k, v] of Object.entries(row)) f[k]!.push(v);
          ctx.log(
            `seed ${seed}: val acc ${row.acc.toFixed(4)}, pointing Grad-CAM ${row.point.toFixed(3)} / centre ${row.centre.toFixed(3)} / random ${row.random.toFixed(3)}, energy in box ${row.energy.toFixed(3)}, true > wrong class energy ${row.specific.toFixed(3)} (> all 3 wrong classes ${row.specificAll.toFixed(3)}; wrong map all zero ${row.wrongZero.toFixed(3)}; un-normalised mass in box true > wrong ${row.massSpecific.toFixed(3)}), two-object images: class map peaks on its own object ${row.pairPoint.toFixed(3)}, own-box energy > other-box ${row.pairOwn.toFixed(3)}, ${ms.toFixed(2)} ms/image, ${status}`,
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
        'true > all wrong classes energy': summary(f.specificAll!, 3),
        'wrong-class map all zero': summary(f.wrongZero!, 3),
        'true > wrong-class mass in box (un-normalised)': summary(f.massSpecific!, 3),
        'two objects: map peaks on own object': summary(f.pairPoint!, 3),
        'two objects: own-box energy > other-box': summary(f.pairOwn!, 3),
        'Grad-CAM ms/image': m('ms').toFixed(2),
      },
    };
  },
});
