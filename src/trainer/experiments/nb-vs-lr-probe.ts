// Paper P7 (Zheng, Wu, Bao, Cao, Li, Zhu, ICML 2023, arXiv 2302.02334, "Revisiting Discriminative vs.
// Generative Classifiers: Theory and Implications"): on frozen features, naive Bayes reaches its
// asymptotic error with O(log n) samples and logistic regression with O(n); LR ends lower. Miniature
// on the spec's synthetic fallback (Gaussian latent → ReLU features, d = 64, 10 classes): the
// template's two phases — the NB head's fit phase and the LR head's gradient phase — both on the
// first 10·m training rows (m per class, data.sizes), test accuracy of each head on 2000 test rows,
// over a learning curve m ∈ {1, 2, 5, 10, 50, 300} and repeated draws (seeds).
import { loadBinding } from '../../core/datasets/binding.ts';
import type { GraphDoc } from '../../core/doc/schema.ts';
import type { IRTraining } from '../../core/ir.ts';
import { createRng } from '../../core/rng.ts';
import { evaluate, toTensors, train } from '../loop.ts';
import { build, mean, summary, withModel } from './_kan-shared.ts';
import { defineExperiment } from './experiment.ts';

export const PER_CLASS = [1, 2, 5, 10, 50, 300] as const;
const DEFAULT_SEEDS = [1, 2, 3, 4, 5];
const FULL_SEEDS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

/** The document's phases on the first n training rows. */
export const onRows = (t: IRTraining, n: number): IRTraining => ({
  ...t,
  phases: t.phases.map((p) => ({ ...p, data: { ...p.data, sizes: [n] } })),
});

/** Smallest m whose accuracy reaches 0.9 × the accuracy at the largest m. */
export function mStar(accs: readonly number[]): number {
  const top = accs.at(-1)!;
  return PER_CLASS[accs.findIndex((a) => a >= 0.9 * top)]!;
}

export default defineExperiment({
  templateId: 'nb-vs-lr-probe',
  claim:
    'On frozen features, the generative naive Bayes head reaches its plateau with fewer samples per class than the discriminative logistic-regression head, which ends at the higher accuracy.',
  criterion: `reluFeatures (d = 64, 10 classes, latent 16), m ∈ {${PER_CLASS.join(', ')}} per class, NB fit phase + LR gradient phase (150 full-batch AdamW steps, lr 0.05, weight decay 0.01) on the same first 10·m rows, seeds ${DEFAULT_SEEDS.join(', ')} (mean test accuracy): acc_LR(300) ≥ acc_NB(300) and m*(NB) ≤ m*(LR), m* the smallest m with acc ≥ 0.9 × acc(300).`,
  fullBudget: `seeds ${FULL_SEEDS.join(', ')}.`,
  async run(ctx) {
    const seeds = ctx.budget === 'full' ? FULL_SEEDS : DEFAULT_SEEDS;
    const backend = await ctx.prepareBackend();
    ctx.log(`backend ${backend}`);
    const doc = JSON.parse(ctx.templateText) as GraphDoc;
    const K = (doc.training!.dataset.params as { classes: number }).classes;
    const nb: number[][] = PER_CLASS.map(() => []);
    const lr: number[][] = PER_CLASS.map(() => []);
    for (const seed of seeds) {
      const data = await loadBinding(doc.training!.dataset, createRng(seed), ctx.io);
      for (const [i, m] of PER_CLASS.entries())
        await withModel(build(doc, ctx.registry, seed), async (b) => {
          const r = await train(b.compiled, ctx.registry, data, onRows(b.training, K * m), {
            seed,
            validate: false,
          });
          if (r.status !== 'done') throw new Error(`m = ${m}: training ${r.status}`);
          const val = toTensors(data, 'val');
          const ev = await evaluate(b.compiled, ctx.registry, val);
          val.dispose();
          nb[i]!.push(ev.metrics.accNb!);
          lr[i]!.push(ev.metrics.accLr!);
        });
      ctx.log(
        `seed ${seed}: NB ${nb.map((a) => a.at(-1)!.toFixed(3)).join(' / ')}; LR ${lr.map((a) => a.at(-1)!.toFixed(3)).join(' / ')} (m = ${PER_CLASS.join(' / ')})`,
      );
    }
    const nbMean = nb.map(mean);
    const lrMean = lr.map(mean);
    const figures: Record<string, string | number> = { backend, seeds: seeds.join(', ') };
    PER_CLASS.forEach((m, i) => {
      figures[`m ${m}: NB / LR`] = `${summary(nb[i]!)} / ${summary(lr[i]!)}`;
    });
    const [sNb, sLr] = [mStar(nbMean), mStar(lrMean)];
    figures['m*(NB) / m*(LR)'] = `${sNb} / ${sLr}`;
    const pass = lrMean.at(-1)! >= nbMean.at(-1)! && sNb <= sLr;
    return { pass, figures };
  },
});
