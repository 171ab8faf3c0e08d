// Paper P13 (Ghiasi-Shirazi, Neural Processing Letters 2019, arXiv 1707.09864, generalized
// convolution): the template's two-layer CNN on 8×8 digits with the similarity of both generalized
// conv nodes swept over {dot, wL2, wL1, histIntersect}, plus the dot network with its ReLUs
// replaced by sine activations, under identical seeds (same split, same dense init, same batch order).
import { findDataset } from '../../core/datasets/index.ts';
import type { GraphDoc } from '../../core/doc/schema.ts';
import { resolveParams } from '../../core/params.ts';
import { createRng } from '../../core/rng.ts';
import { patchNodesOfType, swapNodeType, trainArm } from './_activation-sweep.ts';
import { build, mean, summary, withModel } from './_kan-shared.ts';
import { defineExperiment } from './experiment.ts';

const SEEDS = [1, 2, 3];
const EPOCHS = 12;
const LR = 0.01;
/** Pass tolerance (accuracy points), the spec's. */
const TOL = 0.02;
const KCONV = 'layers.kernelConv2d';
const ARMS = [
  { name: 'dot + ReLU', similarity: 'dot' },
  { name: 'wL2 + ReLU', similarity: 'wL2' },
  { name: 'wL1 + ReLU', similarity: 'wL1' },
  { name: 'histIntersect + ReLU', similarity: 'histIntersect' },
  { name: 'dot + sine', similarity: 'dot', activation: 'activations.sine' },
] as const;
type ArmSpec = (typeof ARMS)[number];
const DOT = ARMS[0].name;

/** The template with both generalized convs set to the arm's similarity (and ReLU → sine for the sine arm). */
function variant(text: string, arm: ArmSpec): GraphDoc {
  const base =
    'activation' in arm
      ? JSON.stringify(swapNodeType(text, 'activations.relu', { type: arm.activation }))
      : text;
  const doc = patchNodesOfType(base, KCONV, { similarity: arm.similarity });
  if (!doc.training) throw new Error('template has no training settings');
  doc.training.optimizer = { type: 'optimizers.adam', params: { learningRate: LR } };
  return doc;
}

export default defineExperiment({
  templateId: 'generalized-conv-mnist',
  claim:
    'CNNs whose convolutions compare patches with templates by weighted L2 / L1 distance or histogram intersection instead of the inner product reach the accuracy of the ordinary CNN; sine activations work as well as ReLU.',
  criterion: `On 8×8 digits (1440 train / 360 val), the template's CNN (generalized conv → BatchNorm → activation, twice), Adam ${LR}, batch 32, ${EPOCHS} epochs, seeds ${SEEDS.join(', ')}: mean val acc of each of wL2, wL1 and histIntersect ≥ mean acc(dot) − ${TOL * 100} pp; mean acc(dot + sine) ≥ mean acc(dot + ReLU) − ${TOL * 100} pp.`,
  async run(ctx) {
    const backend = await ctx.prepareBackend();
    ctx.log(`backend ${backend}`);
    const digits = findDataset('digits8')!;
    const acc: Record<string, number[]> = Object.fromEntries(ARMS.map((a) => [a.name, []]));
    const ms: Record<string, number[]> = Object.fromEntries(ARMS.map((a) => [a.name, []]));
    const params: Record<string, number> = {};
    for (const seed of SEEDS) {
      const data = await digits.load(
        resolveParams(digits.params, { flat: false }).values,
        createRng(seed),
        ctx.io,
      );
      for (const arm of ARMS) {
        await withModel(build(variant(ctx.templateText, arm), ctx.registry, seed), async (b) => {
          const r = await trainArm(b, ctx.registry, data, { epochs: EPOCHS, seed });
          params[arm.name] = b.params;
          acc[arm.name]!.push(r.valAcc);
          ms[arm.name]!.push(r.ms);
          ctx.log(
            `seed ${seed} ${arm.name}: val acc ${r.valAcc.toFixed(4)}, train loss ep1 ${r.epochLoss[0]!.toFixed(3)} → ep${EPOCHS} ${r.epochLoss.at(-1)!.toFixed(3)} (${(r.ms / 1000).toFixed(1)} s, ${r.status})`,
          );
        });
      }
    }
    const m = (name: string) => mean(acc[name]!);
    const gaps = ARMS.slice(1, 4).map((a) => [a.name, m(a.name) - m(DOT)] as const);
    const sineGap = m('dot + sine') - m(DOT);
    const passKernels = gaps.every(([, g]) => g >= -TOL);
    const passSine = sineGap >= -TOL;
    const pp = (d: number) => `${d >= 0 ? '+' : ''}${(d * 100).toFixed(2)} pp`;
    const figures: Record<string, string> = { backend };
    for (const a of ARMS) figures[`val acc ${a.name}`] = summary(acc[a.name]!);
    figures['gap to dot + ReLU'] = [...gaps, ['dot + sine', sineGap] as const]
      .map(([n, g]) => `${n} ${pp(g)}`)
      .join(', ');
    figures['params, s per run'] = ARMS.map(
      (a) => `${a.name} ${params[a.name]} / ${(mean(ms[a.name]!) / 1000).toFixed(1)}`,
    ).join(', ');
    figures.checks = `${gaps.map(([n, g]) => `${n.split(' ')[0]} ${g >= -TOL ? 'ok' : 'fail'}`).join(', ')}, sine ${passSine ? 'ok' : 'fail'}`;
    return { pass: passKernels && passSine, figures };
  },
});
