// Paper P29 (Roberts et al., NeurIPS 2023, arXiv 2307.12226, Loki): an MLP trained on 10 observed
// cells of a 10×10 grid predicts over all 100 cells with the Fréchet mean of its probabilities
// (layers.frechetMean), against the plain argmax rule, on the same trained model (no retraining).
// The true cell comes from the dataset field `cell`.
import * as tf from '@tensorflow/tfjs';
import { observedCells } from '../../core/datasets/grid-cells.ts';
import { findDataset } from '../../core/datasets/index.ts';
import { resolveParams } from '../../core/params.ts';
import { createRng } from '../../core/rng.ts';
import { feedsFor, toTensors } from '../feeds.ts';
import { build, mean, summary, trainAndEvaluate, withModel } from './_kan-shared.ts';
import { defineExperiment } from './experiment.ts';

const SEEDS = [1, 2];

export default defineExperiment({
  templateId: 'loki-frechet-mean',
  claim:
    'The Fréchet-mean prediction over a metric label space predicts unobserved classes and lowers E[d²] without retraining.',
  criterion:
    'gridCells 10×10 (100 cells), training on 10 observed cells (2000 points), validation on all cells (2000 points); the template MLP 2-64-64-10, Adam 1e-2, batch 64, 20 epochs, seeds 1, 2: mean E[d²](Loki) ≤ 0.7 × mean E[d²](argmax); ≥ 30 % of validation predictions are unobserved cells; Loki’s accuracy on validation points of unobserved cells > 5 % (argmax’s is 0 by construction).',
  async run(ctx) {
    const backend = await ctx.prepareBackend();
    ctx.log(`backend ${backend}`);
    const grid = findDataset('gridCells')!;
    const params = resolveParams(grid.params, {}).values;
    const observed = new Set(observedCells(params.side as number, params.observed as number));
    const res = {
      d2Loki: [] as number[],
      d2Argmax: [] as number[],
      unobservedShare: [] as number[],
      unobservedAcc: [] as number[],
      confidence: [] as number[],
      top1Loki: [] as number[],
      top1Argmax: [] as number[],
    };
    for (const seed of SEEDS) {
      const data = await grid.load(params, createRng(seed), ctx.io);
      await withModel(build(ctx.templateText, ctx.registry, seed), async (b) => {
        const r = await trainAndEvaluate(b, ctx.registry, data, { seed });
        const m = r.val.metrics;
        // Per-sample Loki predictions on the validation split.
        const val = toTensors(data, 'val');
        const [pred, conf] = tf.tidy(() => {
          const outs = b.compiled.run(feedsFor(b.compiled.ir, val), { training: false });
          return [tf.argMax(outs.get('loki')!, -1), tf.mean(tf.max(outs.get('probs')!, -1))];
        });
        const cells = await pred.data();
        res.confidence.push((await conf.data())[0]!);
        tf.dispose([pred, conf]);
        val.dispose();
        const truth = data.val.fields!.cell!;
        let unobservedPred = 0;
        let unobservedPoints = 0;
        let unobservedHits = 0;
        for (let i = 0; i < cells.length; i++) {
          if (!observed.has(cells[i]!)) unobservedPred++;
          if (!observed.has(truth[i]!)) {
            unobservedPoints++;
            if (cells[i] === truth[i]) unobservedHits++;
          }
        }
        res.d2Loki.push(m.d2Loki!);
        res.d2Argmax.push(m.d2Argmax!);
        res.top1Loki.push(m.cellAccLoki!);
        res.top1Argmax.push(m.cellAccArgmax!);
        res.unobservedShare.push(unobservedPred / cells.length);
        res.unobservedAcc.push(unobservedHits / Math.max(1, unobservedPoints));
        ctx.log(
          `seed ${seed}: E[d²] Loki ${m.d2Loki!.toFixed(3)} vs argmax ${m.d2Argmax!.toFixed(3)}; top-1 ${m.cellAccLoki!.toFixed(4)} vs ${m.cellAccArgmax!.toFixed(4)}; unobserved predictions ${(unobservedPred / cells.length).toFixed(3)}, accuracy on unobserved cells ${(unobservedHits / Math.max(1, unobservedPoints)).toFixed(3)} (${r.status})`,
        );
      });
    }
    const ratio = mean(res.d2Loki) / mean(res.d2Argmax);
    const checks = {
      'E[d²] ratio ≤ 0.7': ratio <= 0.7,
      'unobserved predictions ≥ 30 %': mean(res.unobservedShare) >= 0.3,
      'accuracy on unobserved cells > 5 %': mean(res.unobservedAcc) > 0.05,
    };
    const figures: Record<string, string> = {
      backend,
      'E[d²] Loki': summary(res.d2Loki, 3),
      'E[d²] argmax': summary(res.d2Argmax, 3),
      'E[d²] ratio Loki / argmax': ratio.toFixed(3),
      'top-1 (all cells) Loki': summary(res.top1Loki),
      'top-1 (all cells) argmax': summary(res.top1Argmax),
      'share of predictions in unobserved cells (Loki)': summary(res.unobservedShare, 3),
      'Loki accuracy on unobserved-cell points': summary(res.unobservedAcc, 3),
      // How peaked the classifier's probabilities are: a near one-hot p leaves Loki ≈ argmax.
      'mean top probability (val)': summary(res.confidence, 3),
      checks: Object.entries(checks)
        .map(([k, ok]) => `${k} ${ok ? 'ok' : 'fail'}`)
        .join(', '),
    };
    return { pass: Object.values(checks).every(Boolean), figures };
  },
});
