// Paper P20 (Zhuo et al., ICLR 2025, arXiv 2411.03884, PolyCom): the template's 64-128-128-10 MLP
// on 8×8 digits, pre-norm as the paper's FFN (LayerNorm → Dense → activation for each hidden layer), its two activation nodes swept over {ReLU, GELU, PolyReLU, PolyNorm} under
// identical seeds (same split, same dense init, same batch order). Convergence speed is the mean
// training loss of epoch 10; final quality is the val accuracy after all epochs.
import { findDataset } from '../../core/datasets/index.ts';
import { resolveParams } from '../../core/params.ts';
import { createRng } from '../../core/rng.ts';
import { swapNodeType, trainArm } from './_activation-sweep.ts';
import { build, mean, summary, withModel } from './_kan-shared.ts';
import { defineExperiment } from './experiment.ts';

const SEEDS = [1, 2, 3];
const EPOCHS = 30;
const AT = 10;
const POLYNORM = 'activations.polyNorm';
const ARMS = [
  { name: 'ReLU', type: 'activations.relu' },
  { name: 'GELU', type: 'activations.gelu' },
  { name: 'PolyReLU', type: 'activations.polyRelu' },
  { name: 'PolyNorm', type: POLYNORM },
] as const;

export default defineExperiment({
  templateId: 'polycom-mlp',
  claim:
    'Polynomial composition activations (PolyReLU, PolyNorm) converge faster than ReLU at equal steps and reach at least its accuracy.',
  criterion: `On 8×8 digits (1440 train / 360 val), pre-norm 64-128-128-10 (LayerNorm before each hidden Dense), Adam 1e-3, batch 32, ${EPOCHS} epochs, seeds ${SEEDS.join(', ')}: mean training loss of epoch ${AT} for PolyNorm and for PolyReLU ≤ 0.9 × ReLU's; mean val acc(PolyNorm) ≥ mean acc(ReLU) − 0.5 pp.`,
  async run(ctx) {
    const backend = await ctx.prepareBackend();
    ctx.log(`backend ${backend}`);
    const digits = findDataset('digits8')!;
    const lossAt: Record<string, number[]> = Object.fromEntries(ARMS.map((a) => [a.name, []]));
    const acc: Record<string, number[]> = Object.fromEntries(ARMS.map((a) => [a.name, []]));
    for (const seed of SEEDS) {
      const data = await digits.load(resolveParams(digits.params, {}).values, createRng(seed), ctx.io);
      for (const arm of ARMS) {
        const doc =
          arm.type === POLYNORM
            ? ctx.templateText
            : swapNodeType(ctx.templateText, POLYNORM, { type: arm.type });
        await withModel(build(doc, ctx.registry, seed), async (b) => {
          const r = await trainArm(b, ctx.registry, data, { epochs: EPOCHS, seed });
          lossAt[arm.name]!.push(r.epochLoss[AT - 1]!);
          acc[arm.name]!.push(r.valAcc);
          ctx.log(
            `seed ${seed} ${arm.name}: train loss ep1 ${r.epochLoss[0]!.toFixed(4)}, ep${AT} ${r.epochLoss[AT - 1]!.toFixed(4)}, ep${EPOCHS} ${r.epochLoss.at(-1)!.toFixed(4)}; val acc ${r.valAcc.toFixed(4)} (${(r.ms / 1000).toFixed(1)} s, ${r.status})`,
          );
        });
      }
    }
    const m = (k: string) => mean(lossAt[k]!);
    const ratioNorm = m('PolyNorm') / m('ReLU');
    const ratioRelu = m('PolyReLU') / m('ReLU');
    const passSpeed = ratioNorm <= 0.9 && ratioRelu <= 0.9;
    const passAcc = mean(acc.PolyNorm!) >= mean(acc.ReLU!) - 0.005;
    const figures: Record<string, string> = { backend };
    for (const a of ARMS) figures[`epoch-${AT} train loss ${a.name}`] = summary(lossAt[a.name]!);
    for (const a of ARMS) figures[`val acc ${a.name}`] = summary(acc[a.name]!);
    figures[`epoch-${AT} loss ratio PolyNorm/ReLU, PolyReLU/ReLU`] =
      `${ratioNorm.toFixed(3)}, ${ratioRelu.toFixed(3)}`;
    figures.checks = `faster convergence ${passSpeed ? 'ok' : 'fail'}, accuracy ${passAcc ? 'ok' : 'fail'}`;
    return { pass: passSpeed && passAcc, figures };
  },
});
