// Paper 10 (Hou et al. 2024, arXiv 2407.11075): a fair, parameter-matched KAN vs MLP comparison.
// (a) symbolic fit exp(sin πx₁ + x₂²): KAN [2,5,1] vs MLP 2-33-1 (the template, both models in one
// graph with their own losses); (b) 8×8 digits: KAN [64,16,10] vs an MLP whose width is solved to
// match the KAN's parameter count; (c) ms per training step of each pair on (b). The hidden KAN
// layers squash their inputs into the grid range (tanh), else much of them falls off the grid.

import { findDataset } from '../../core/datasets/index.ts';
import { resolveParams } from '../../core/params.ts';
import { createRng } from '../../core/rng.ts';
import {
  build,
  fractionOutside,
  mean,
  regression,
  sequential,
  summary,
  trainAndEvaluate,
  withModel,
} from './_kan-shared.ts';
import { defineExperiment } from './experiment.ts';

const SEEDS = [1, 2, 3];
const target = ([x1, x2]: readonly number[]) => Math.exp(Math.sin(Math.PI * x1!) + x2! * x2!);

/** Hidden width w of a one-hidden-layer MLP D-w-nOut with P parameters: ⌊(P − nOut)/(D + 1 + nOut)⌋. */
export const matchWidth = (p: number, d: number, nOut: number): number =>
  Math.floor((p - nOut) / (d + 1 + nOut));

export default defineExperiment({
  templateId: 'kan-vs-mlp-fair',
  claim:
    'At equal parameter counts a KAN beats an MLP on a symbolic formula, but not on an ordinary classification task, and each KAN training step is slower.',
  criterion:
    '(a) mean RMSE_KAN < mean RMSE_MLP on exp(sin πx₁ + x₂²); (b) mean acc_MLP ≥ mean acc_KAN − 0.5 pp on 8×8 digits; (c) step time KAN/MLP ≥ 1.3 on (b). Means over 3 seeds.',
  async run(ctx) {
    const backend = await ctx.prepareBackend();
    ctx.log(`backend ${backend}`);
    const rmseKan: number[] = [];
    const rmseMlp: number[] = [];
    const outA: number[] = [];
    const outB: number[] = [];
    let paramsA = '';
    for (const seed of SEEDS) {
      const rng = createRng(100 + seed);
      const data = regression(target, 2, 1000, 1000, () => rng.next());
      await withModel(build(ctx.templateText, ctx.registry, seed), async (b) => {
        const r = await trainAndEvaluate(b, ctx.registry, data, { seed });
        rmseKan.push(Math.sqrt(r.val.terms.loss_kan!));
        rmseMlp.push(Math.sqrt(r.val.terms.loss_mlp!));
        outA.push(fractionOutside(b, data, 'kan1'));
        paramsA = `${b.params}`;
      });
      ctx.log(`(a) seed ${seed}: RMSE KAN ${rmseKan.at(-1)!.toFixed(4)}, MLP ${rmseMlp.at(-1)!.toFixed(4)}`);
    }

    const digits = findDataset('digits8')!;
    const training = (lr: number) => ({
      dataset: { name: 'digits8', params: {} },
      optimizer: { type: 'optimizers.adam', params: { learningRate: lr } },
      batchSize: 64,
      epochs: 30,
      seed: 1,
    });
    const head = {
      loss: 'losses.sparseCategoricalCrossentropy',
      lossParams: { fromLogits: true },
      accuracy: true,
    };
    const kanDoc = sequential(
      [64],
      [
        ['kan.kanLayer', { units: 16 }],
        ['kan.kanLayer', { units: 10, squashInputs: true }],
      ],
      head,
      training(3e-3),
    );
    const kanParams = 64 * 16 * 9 + 16 * 10 * 9;
    const width = matchWidth(kanParams, 64, 10);
    const mlpDoc = sequential(
      [64],
      [
        ['layers.dense', { units: width, activation: 'gelu' }],
        ['layers.dense', { units: 10 }],
      ],
      head,
      training(3e-3),
    );
    const accKan: number[] = [];
    const accMlp: number[] = [];
    const msKan: number[] = [];
    const msMlp: number[] = [];
    let pk = 0;
    let pm = 0;
    for (const seed of SEEDS) {
      const data = await digits.load(resolveParams(digits.params, {}).values, createRng(seed), ctx.io);
      await withModel(build(kanDoc, ctx.registry, seed), async (b) => {
        const r = await trainAndEvaluate(b, ctx.registry, data, { seed });
        accKan.push(r.val.metrics.accuracy!);
        outB.push(fractionOutside(b, data, 'n0'));
        msKan.push(r.msPerStep);
        pk = b.params;
      });
      await withModel(build(mlpDoc, ctx.registry, seed), async (b) => {
        const r = await trainAndEvaluate(b, ctx.registry, data, { seed });
        accMlp.push(r.val.metrics.accuracy!);
        msMlp.push(r.msPerStep);
        pm = b.params;
      });
      ctx.log(
        `(b) seed ${seed}: acc KAN ${accKan.at(-1)!.toFixed(4)} (${msKan.at(-1)!.toFixed(1)} ms/step), MLP ${accMlp.at(-1)!.toFixed(4)} (${msMlp.at(-1)!.toFixed(1)} ms/step)`,
      );
    }
    const ratio = mean(msKan) / mean(msMlp);
    const passA = mean(rmseKan) < mean(rmseMlp);
    const passB = mean(accMlp) >= mean(accKan) - 0.005;
    const passC = ratio >= 1.3;
    return {
      pass: passA && passB && passC,
      figures: {
        backend,
        '(a) params KAN + MLP (template)': paramsA,
        '(a) RMSE KAN [2,5,1]': summary(rmseKan),
        '(a) RMSE MLP 2-33-1': summary(rmseMlp),
        '(b) params KAN / MLP': `${pk} / ${pm} (MLP width ${width})`,
        '(b) val accuracy KAN [64,16,10]': summary(accKan),
        '(b) val accuracy MLP': summary(accMlp),
        'hidden KAN inputs outside the grid [−1, 1] before squashing (a) / (b)': `${summary(outA, 3)} / ${summary(outB, 3)}`,
        '(c) ms/step KAN': summary(msKan, 2),
        '(c) ms/step MLP': summary(msMlp, 2),
        '(c) step-time ratio KAN/MLP': ratio.toFixed(2),
        checks: `(a) ${passA ? 'ok' : 'fail'}, (b) ${passB ? 'ok' : 'fail'}, (c) ${passC ? 'ok' : 'fail'}`,
      },
    };
  },
});
