// Paper P26 (Nguyen, Clune, Bengio, Dosovitskiy & Yosinski, CVPR 2017, arXiv 1612.00005, "Plug &
// Play Generative Networks"): PPGN-h on 8×8 digits. The template trains C (10 epochs), copies its
// encoder into a frozen E, trains G (30 epochs: image + 0.1·feature-matching loss through E) and the
// latent DAE R_h (30 epochs). The ppgnSampler tool then runs 10 classes × 16 chains × 100 steps
// (ε1 0.2, ε2 1, ε3 0.02·std(h₀), chains start at E(x) of random training images) and the same with
// ε1 = 0 (no prior, same seeds). Checks (independent of the model): the spec's checker C′, an MLP
// 64 → 128 ReLU → 10 trained here on the real training images with its own seed (seed + 1; Adam
// 10⁻³, batch 64, 30 epochs), labels the samples (a 5-NN on the raw training pixels is reported
// beside it, informational); the distance of each sample to its nearest training image (realism);
// the mean pairwise L2 among same-class samples against that among real images.
import * as tf from '@tensorflow/tfjs';
import { loadBinding } from '../../core/datasets/binding.ts';
import type { LoadedDataset } from '../../core/datasets/dataset-def.ts';
import type { GraphDoc } from '../../core/doc/schema.ts';
import { createRng } from '../../core/rng.ts';
import { ppgnSamplerTool } from '../../explain/ppgn.ts';
import type { ImagesView } from '../../explain/views.ts';
import { train } from '../loop.ts';
import { build, withModel } from './_kan-shared.ts';
import { type MlpChecker, trainMlpChecker } from './_mlp-checker.ts';
import { defineExperiment } from './experiment.ts';

const PIX = 64;
const sq = (a: Float32Array, b: Float32Array, bo: number) => {
  let s = 0;
  for (let j = 0; j < PIX; j++) {
    const d = a[j]! - b[bo + j]!;
    s += d * d;
  }
  return s;
};

/** k-NN (Euclidean, majority vote, ties to the nearest) label and the distance to the nearest row. */
export function knn(
  x: Float32Array,
  train: Float32Array,
  labels: ArrayLike<number>,
  k = 5,
): { label: number; nearest: number } {
  const n = labels.length;
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = sq(x, train, i * PIX);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => d[a]! - d[b]!);
  const votes = new Map<number, number>();
  for (const i of order.slice(0, k)) votes.set(labels[i]!, (votes.get(labels[i]!) ?? 0) + 1);
  const best = Math.max(...votes.values());
  const label = order
    .slice(0, k)
    .map((i) => labels[i]!)
    .find((l) => votes.get(l) === best)!;
  return { label, nearest: Math.sqrt(d[order[0]!]!) };
}

/** Mean pairwise L2 distance among rows. */
export function meanPairwise(rows: readonly Float32Array[]): number {
  let s = 0;
  let m = 0;
  for (let i = 0; i < rows.length; i++)
    for (let j = i + 1; j < rows.length; j++) {
      s += Math.sqrt(sq(rows[i]!, rows[j]!, 0));
      m++;
    }
  return s / Math.max(1, m);
}

interface Scores {
  readonly checkerAcc: number;
  readonly knnAcc: number;
  readonly nearest: number;
  readonly diversity: number;
  readonly pClass: number;
}

function score(view: ImagesView, classes: Int32Array, data: LoadedDataset, checker: MlpChecker): Scores {
  const y = data.train.y as Int32Array;
  const flat = new Float32Array(view.images.length * PIX);
  for (const [i, img] of view.images.entries()) flat.set(img, i * PIX);
  const pred = checker.predict(flat);
  const checkerHit = classes.reduce((s, c, i) => s + (pred[i] === c ? 1 : 0), 0);
  let hit = 0;
  let near = 0;
  for (const [i, img] of view.images.entries()) {
    const r = knn(img, data.train.x, y, 5);
    if (r.label === classes[i]) hit++;
    near += r.nearest;
  }
  const ratios: number[] = [];
  for (let c = 0; c < 10; c++) {
    const own = view.images.filter((_, i) => classes[i] === c);
    const real: Float32Array[] = [];
    for (let i = 0; i < y.length && real.length < 100; i++)
      if (y[i] === c) real.push(data.train.x.slice(i * PIX, (i + 1) * PIX));
    ratios.push(meanPairwise(own) / meanPairwise(real));
  }
  const n = view.images.length;
  return {
    checkerAcc: checkerHit / n,
    knnAcc: hit / n,
    nearest: near / n,
    diversity: ratios.reduce((s, v) => s + v, 0) / ratios.length,
    pClass: (view.values ?? []).reduce((s, v) => s + v, 0) / n,
  };
}

export default defineExperiment({
  templateId: 'ppgn-digit-sampler',
  claim:
    'Latent Langevin sampling (PPGN-h) with a classifier condition and a learned code prior yields digits recognisable as the requested class, and the prior term makes them realistic (close to real digits) and diverse rather than fooling images.',
  criterion:
    'digits8 (1 440 train rows), seed 1; ppgnSampler 10 classes × 16 chains × 100 steps, ε1 0.2, ε2 1, ε3 0.02·std(h₀): an independent checker C′ (MLP 64 → 128 ReLU → 10, seed 2, trained on the real training images) labels ≥ 80 % of the final samples as the requested class; the mean distance from a sample to its nearest training image is ≥ 20 % lower than with ε1 = 0 (same ε2, ε3, seeds); the mean pairwise L2 among same-class samples is ≥ 0.3× that among real images of the class (mean over classes).',
  async run(ctx) {
    const seed = 1;
    const backend = await ctx.prepareBackend();
    ctx.log(`backend ${backend}`);
    const doc = JSON.parse(ctx.templateText) as GraphDoc;
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const data = await loadBinding(doc.training!.dataset, createRng(seed), ctx.io);
    return withModel(build(doc, ctx.registry, seed), async (b) => {
      const r = await train(b.compiled, ctx.registry, data, b.training, { seed, validate: false });
      if (r.status !== 'done') throw new Error(`training ${r.status}`);
      // R_h's training loss over its phase (is the DAE still improving at the spec's 30 epochs?).
      const rLoss = r.epochs.filter((e) => e.stage === 'latent DAE R_h').map((e) => e.train.loss);
      const rTrace = [0, 9, 19, rLoss.length - 1].map((i) => rLoss[i]!.toFixed(2)).join(' / ');
      ctx.log(`R_h train loss (epochs 1 / 10 / 20 / ${rLoss.length}): ${rTrace}`);
      // The spec's checker C′: an MLP with its own seed, trained on the real training images.
      const checker = await trainMlpChecker(data, ctx.registry, {
        binding: doc.training!.dataset,
        hidden: 128,
        epochs: 30,
        batchSize: 64,
        learningRate: 1e-3,
        seed: seed + 1,
      });
      const vPred = checker.predict(data.val.x);
      const checkerVal = vPred.reduce((s, p, i) => s + (p === data.val.y[i] ? 1 : 0), 0) / data.val.count;
      ctx.log(`checker C′ validation accuracy ${checkerVal.toFixed(3)}`);
      const x = tf.tensor4d(data.train.x, [data.train.count, 8, 8, 1]);
      const valAcc = tf.tidy(() => {
        const xv = tf.tensor4d(data.val.x, [data.val.count, 8, 8, 1]);
        const pred = b.compiled.run({ input: xv }, { training: false }).get('logits')!.argMax(1).dataSync();
        return Array.from(pred).filter((p, i) => p === data.val.y[i]).length / data.val.count;
      });
      ctx.log(
        `C validation accuracy ${valAcc.toFixed(3)} (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
      );
      const common = {
        generator: 'g_out',
        prior: 'r_out',
        classId: -1,
        chains: 16,
        steps: 100,
        eps2: 1,
        eps3: 0.02,
        frameEvery: 1000,
        seed,
      };
      const sample = async (eps1: number) => {
        const res = await ppgnSamplerTool.run(
          { compiled: b.compiled, feeds: { input: x }, imageInput: 'input', scores: 'logits' },
          'h',
          { ...common, eps1 },
        );
        const view = res.views[0] as ImagesView;
        const classes = Int32Array.from(view.labels!.map((l) => Number(l.replace('class ', ''))));
        return score(view, classes, data, checker);
      };
      const withPrior = await sample(0.2);
      ctx.log(
        `ε1 0.2: C′ acc ${withPrior.checkerAcc.toFixed(3)}, 5-NN acc ${withPrior.knnAcc.toFixed(3)}, nearest ${withPrior.nearest.toFixed(3)}, diversity ${withPrior.diversity.toFixed(3)}, p(c) ${withPrior.pClass.toFixed(3)}`,
      );
      const noPrior = await sample(0);
      ctx.log(
        `ε1 0: C′ acc ${noPrior.checkerAcc.toFixed(3)}, 5-NN acc ${noPrior.knnAcc.toFixed(3)}, nearest ${noPrior.nearest.toFixed(3)}, diversity ${noPrior.diversity.toFixed(3)}, p(c) ${noPrior.pClass.toFixed(3)}`,
      );
      // Real validation images through the same checks: the 5-NN classifier's own accuracy.
      const realKnn =
        Array.from({ length: data.val.count }, (_, i) => i).filter(
          (i) =>
            knn(data.val.x.slice(i * PIX, (i + 1) * PIX), data.train.x, data.train.y as Int32Array).label ===
            data.val.y[i],
        ).length / data.val.count;
      x.dispose();
      checker.dispose();
      const gain = 1 - withPrior.nearest / noPrior.nearest;
      const cpu = process.cpuUsage(c0);
      return {
        pass: withPrior.checkerAcc >= 0.8 && gain >= 0.2 && withPrior.diversity >= 0.3,
        figures: {
          backend,
          seed,
          'C validation accuracy': Number(valAcc.toFixed(3)),
          [`R_h train loss (epochs 1 / 10 / 20 / ${rLoss.length})`]: rTrace,
          'checker C′ accuracy on real validation images': Number(checkerVal.toFixed(3)),
          'checker C′ accuracy on samples (ε1 0.2 / 0)': `${withPrior.checkerAcc.toFixed(3)} / ${noPrior.checkerAcc.toFixed(3)}`,
          '5-NN accuracy on real validation images': Number(realKnn.toFixed(3)),
          '5-NN accuracy on samples (ε1 0.2 / 0, informational)': `${withPrior.knnAcc.toFixed(3)} / ${noPrior.knnAcc.toFixed(3)}`,
          'C p(class) on samples (ε1 0.2 / 0)': `${withPrior.pClass.toFixed(3)} / ${noPrior.pClass.toFixed(3)}`,
          'mean distance to nearest training image (ε1 0.2 / 0)': `${withPrior.nearest.toFixed(3)} / ${noPrior.nearest.toFixed(3)}`,
          'realism gain (1 − d₀.₂/d₀)': Number(gain.toFixed(3)),
          'diversity ratio (same-class pairwise L2, samples / real)': Number(withPrior.diversity.toFixed(3)),
          'wall / CPU s': `${((performance.now() - t0) / 1000).toFixed(1)} / ${((cpu.user + cpu.system) / 1e6).toFixed(1)}`,
        },
      };
    });
  },
});
