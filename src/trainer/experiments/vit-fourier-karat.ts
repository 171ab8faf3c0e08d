// Paper 14 (Maity et al. 2025, Kolmogorov-Arnold Attention): a tiny ViT on MNIST with softmax
// attention vs the learnable Fourier-KArAt operator, blockwise (per block) and universal (shared
// by all blocks) — the same template graph with the encoder's attention params switched.
import { findDataset } from '../../core/datasets/index.ts';
import { resolveParams } from '../../core/params.ts';
import { createRng } from '../../core/rng.ts';
import { armResults, mean, runClassifierArm, summary, templateWith } from './_kan-shared.ts';
import { defineExperiment } from './experiment.ts';

const SEEDS = [1, 2];
const EPOCHS = 2;
const TRAIN = 3000;

export default defineExperiment({
  templateId: 'vit-fourier-karat',
  claim:
    'A learnable Fourier-KArAt attention operator trains and is competitive with softmax attention in a tiny ViT, at a higher cost per step; blockwise is at least as good as universal.',
  criterion: `Mean validation accuracy over ${SEEDS.length} seeds (${EPOCHS} epochs, ${TRAIN} train / 1000 val): acc(blockwise) ≥ acc(softmax) − 1.5 pp; ms/step KArAt / softmax > 1; acc(blockwise) ≥ acc(universal) − 1 pp.`,
  async run(ctx) {
    const backend = await ctx.prepareBackend();
    ctx.log(`backend ${backend}`);
    const mnist = findDataset('mnist')!;
    const variants = {
      softmax: { attention: 'softmax' },
      blockwise: { attention: 'fourierKArAt', karatMode: 'blockwise' },
      universal: { attention: 'fourierKArAt', karatMode: 'universal' },
    };
    const arms = armResults();
    const { acc, ms, params } = arms;
    for (const seed of SEEDS) {
      const data = await mnist.load(
        resolveParams(mnist.params, { trainSize: TRAIN, valSize: 1000, flat: false }).values,
        createRng(seed),
        ctx.io,
      );
      for (const [name, p] of Object.entries(variants)) {
        await runClassifierArm(arms, name, templateWith(ctx.templateText, { encoder: p }), ctx, data, {
          seed,
          epochs: EPOCHS,
        });
      }
    }
    const a = (k: string) => mean(acc[k]!);
    const ratio = mean(ms.blockwise!) / mean(ms.softmax!);
    const figures: Record<string, string> = { backend };
    for (const k of Object.keys(variants)) {
      figures[`${k}: params`] = String(params[k]);
      figures[`${k}: val accuracy`] = summary(acc[k]!);
      figures[`${k}: ms/step`] = summary(ms[k]!, 1);
    }
    figures['ms/step ratio blockwise / softmax'] = ratio.toFixed(2);
    const c1 = a('blockwise') >= a('softmax') - 0.015;
    const c2 = ratio > 1;
    const c3 = a('blockwise') >= a('universal') - 0.01;
    figures.checks = `blockwise ≥ softmax − 1.5 pp ${c1 ? 'ok' : 'fail'}, slower ${c2 ? 'ok' : 'fail'}, blockwise ≥ universal − 1 pp ${c3 ? 'ok' : 'fail'}`;
    return { pass: c1 && c2 && c3, figures };
  },
});
