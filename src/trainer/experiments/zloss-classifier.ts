// Paper P17 (de Brébisson & Vincent 2016, arXiv 1604.08859, the Z-loss): the template's 64-64-10
// MLP on 8×8 digits trained with the Z-loss (a = 1, b = 1.5) against the same net with softmax
// cross-entropy on the same raw outputs, under identical seeds (same split, init, batch order); and
// the Z-loss's margin b swept to show it moves top-k accuracy. The shift/scale invariance
// L(o) = L(3o + 7) is a unit test (src/testing/zloss.test.ts).
import { findDataset } from '../../core/datasets/index.ts';
import { resolveParams } from '../../core/params.ts';
import { createRng } from '../../core/rng.ts';
import { build, mean, summary, templateWith, trainAndEvaluate, withModel } from './_kan-shared.ts';
import { defineExperiment } from './experiment.ts';

const SEEDS = [1, 2];
const EPOCHS = 60;
const B_SWEEP = [0, 3];
/** The spec's tolerance: acc(Z-loss) ≥ acc(CE) − 1.5 pp. */
const TOLERANCE = 0.015;

export default defineExperiment({
  templateId: 'zloss-classifier',
  claim:
    'The Z-loss, a function of the z-normalised outputs only, trains a classifier as well as softmax cross-entropy; its margin b moves top-k accuracy.',
  criterion: `On 8×8 digits (1440 train / 360 val), 64-64-10 ReLU MLP, Adam 1e-3, batch 32, ${EPOCHS} epochs, seeds ${SEEDS.join(', ')}: mean val acc(Z-loss a=1, b=1.5) ≥ mean acc(softmax CE) − ${TOLERANCE * 100} pp. Reported: top-3 accuracy for b ∈ {${B_SWEEP.join(', ')}, 1.5}.`,
  async run(ctx) {
    const backend = await ctx.prepareBackend();
    ctx.log(`backend ${backend}`);
    const digits = findDataset('digits8')!;
    const arms = [
      { name: 'Z-loss b=1.5', doc: () => templateWith(ctx.templateText, {}) },
      {
        name: 'softmax CE',
        doc: () => {
          const doc = templateWith(ctx.templateText, {});
          doc.nodes.zloss = {
            type: 'losses.sparseCategoricalCrossentropy',
            v: 1,
            params: { fromLogits: true },
          };
          return doc;
        },
      },
      ...B_SWEEP.map((b) => ({
        name: `Z-loss b=${b}`,
        doc: () => templateWith(ctx.templateText, { zloss: { b } }),
      })),
    ];
    const acc: Record<string, number[]> = Object.fromEntries(arms.map((a) => [a.name, []]));
    const top3: Record<string, number[]> = Object.fromEntries(arms.map((a) => [a.name, []]));
    for (const seed of SEEDS) {
      const data = await digits.load(
        resolveParams(digits.params, { flat: true }).values,
        createRng(seed),
        ctx.io,
      );
      for (const arm of arms) {
        await withModel(build(arm.doc(), ctx.registry, seed), async (b) => {
          const r = await trainAndEvaluate(b, ctx.registry, data, { epochs: EPOCHS, seed });
          acc[arm.name]!.push(r.val.metrics.accuracy!);
          top3[arm.name]!.push(r.val.metrics.top3!);
          ctx.log(
            `seed ${seed} ${arm.name}: val acc ${r.val.metrics.accuracy!.toFixed(4)}, top-3 ${r.val.metrics.top3!.toFixed(4)} (${r.msPerStep.toFixed(2)} ms/step, ${r.status})`,
          );
        });
      }
    }
    const gap = mean(acc['Z-loss b=1.5']!) - mean(acc['softmax CE']!);
    const pass = gap >= -TOLERANCE;
    const figures: Record<string, string> = { backend };
    for (const a of arms) figures[`val acc ${a.name}`] = summary(acc[a.name]!);
    for (const a of arms) figures[`val top-3 ${a.name}`] = summary(top3[a.name]!);
    figures['acc gap Z-loss − CE (pp)'] = (gap * 100).toFixed(2);
    return { pass, figures };
  },
});
