// Paper 6 (Ta & Tran 2025, All-KAN): AF-KAN [784,64,10] vs ReLU-KAN [784,64,10] vs an MLP
// 784-64-10 (SiLU) on MNIST, same optimiser and budget; accuracy, parameter counts, time per step.
import { findDataset } from '../../core/datasets/index.ts';
import { resolveParams } from '../../core/params.ts';
import { createRng } from '../../core/rng.ts';
import { armResults, mean, runClassifierArm, sequential, summary } from './_kan-shared.ts';
import { defineExperiment } from './experiment.ts';

const SEEDS = [1, 2, 3];
const EPOCHS = 3;

export default defineExperiment({
  templateId: 'af-kan-mnist',
  claim: 'AF-KAN outperforms an MLP of the same structure and ReLU-KAN on MNIST, at a higher cost per step.',
  criterion: `Mean validation accuracy over ${SEEDS.length} seeds (${EPOCHS} epochs, 6000 train / 2000 val): acc(AF-KAN) ≥ acc(MLP) and acc(AF-KAN) ≥ acc(ReLU-KAN).`,
  async run(ctx) {
    const backend = await ctx.prepareBackend();
    ctx.log(`backend ${backend}`);
    const mnist = findDataset('mnist')!;
    const training = JSON.parse(ctx.templateText).training;
    const head = {
      loss: 'losses.sparseCategoricalCrossentropy',
      lossParams: { fromLogits: true },
      accuracy: true,
    };
    const models = {
      'AF-KAN': ctx.templateText,
      'ReLU-KAN': sequential(
        [784],
        [
          ['kan.reluKan', { units: 64, gridSize: 5, order: 3 }],
          ['kan.reluKan', { units: 10, gridSize: 5, order: 3 }],
        ],
        head,
        training,
      ),
      MLP: sequential(
        [784],
        [
          ['layers.dense', { units: 64, activation: 'swish' }],
          ['layers.dense', { units: 10 }],
        ],
        head,
        training,
      ),
    };
    const arms = armResults();
    const { acc, ms, params } = arms;
    for (const seed of SEEDS) {
      const data = await mnist.load(
        resolveParams(mnist.params, { trainSize: 6000, valSize: 2000, flat: true }).values,
        createRng(seed),
        ctx.io,
      );
      for (const [name, doc] of Object.entries(models)) {
        await runClassifierArm(arms, name, doc, ctx, data, { seed, epochs: EPOCHS });
      }
    }
    const a = (k: string) => mean(acc[k]!);
    const figures: Record<string, string> = { backend };
    for (const k of Object.keys(models)) {
      figures[`${k}: params`] = String(params[k]);
      figures[`${k}: val accuracy`] = summary(acc[k]!);
      figures[`${k}: ms/step`] = summary(ms[k]!, 1);
    }
    figures['time ratio AF-KAN / MLP'] = (mean(ms['AF-KAN']!) / mean(ms.MLP!)).toFixed(2);
    return { pass: a('AF-KAN') >= a('MLP') && a('AF-KAN') >= a('ReLU-KAN'), figures };
  },
});
