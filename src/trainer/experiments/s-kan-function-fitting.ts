// Paper 2 (Yang et al. 2024, arXiv 2408.08338): S-KAN selects the activation space per edge. The
// miniature fits four 2-D functions with S-KAN [2,5,1] (pool of five spaces), each single-space
// KAN [2,5,1] and a parameter-matched MLP [2,22,22,1]. S-KAN trains in two stages: `full` (soft
// softmax mixture, the template as it stands) then `selective` (the same weights with
// `selection: hard` — α frozen to the argmax space per edge, only the chosen coefficients learn).
// The full stage anneals the selection temperature (T halves every quarter: the logits are doubled),
// and the switch folds α into the chosen coefficients (foldSelection), so the chosen term keeps its
// scale instead of jumping from α to 1.
import * as tf from '@tensorflow/tfjs';
import { BASIS_TYPES } from '../../core/kan/basis.ts';
import { createRng } from '../../core/rng.ts';
import {
  build,
  fastBackend,
  mean,
  regression,
  sequential,
  summary,
  templateWith,
  trainAndEvaluate,
  withModel,
} from './_kan-shared.ts';
import { defineExperiment } from './experiment.ts';

const TASKS: Record<string, (x: readonly number[]) => number> = {
  'exp(sin πx + y²)': ([x, y]) => Math.exp(Math.sin(Math.PI * x!) + y! * y!),
  'sin 2πx·cos 2πy': ([x, y]) => Math.sin(2 * Math.PI * x!) * Math.cos(2 * Math.PI * y!),
  '1[x+y>0]·(x−y)': ([x, y]) => (x! + y! > 0 ? x! - y! : 0),
  'exp(−10(x²+y²))': ([x, y]) => Math.exp(-10 * (x! * x! + y! * y!)),
};
const SEEDS = [1, 2];
const FULL = 200;
const SELECTIVE = 100;
const CHUNKS = 4;
const N_TRAIN = 400;

/**
 * Soft → hard without rescaling the chosen term: an S-KAN layer's weights are [base, coef_s… (pool
 * order), logits]; each selected space's coefficients on an edge are multiplied by that edge's soft
 * weight α = softmax(z), so the hard layer starts as the soft one minus the unselected terms (plain
 * copying would scale the chosen term by 1/α ≈ |pool|). Other layers' weights pass through.
 */
const isSelective = (ws: tf.Tensor[]): boolean =>
  ws.length >= 3 && ws.at(-1)!.rank === 3 && ws.at(-1)!.shape[2] === ws.length - 2;

function foldSelection(ws: tf.Tensor[]): tf.Tensor[] {
  const z = ws.at(-1)!;
  if (!isSelective(ws)) return ws;
  return tf.tidy(() => {
    const alpha = tf.softmax(z); // [zd, units, S]
    // The hard kernel's selection: 1 where z is within 1e-6 of the edge's max.
    const sel = tf.step(tf.add(tf.sub(z, tf.max(z, 2, true)), 1e-6));
    const factor = tf.add(tf.mul(sel, tf.sub(alpha, 1)), 1); // α where selected, else 1
    const coefs = ws.slice(1, -1).map((c, s) => {
      const f = tf.slice(factor, [0, 0, s], [-1, -1, 1]); // [zd, units, 1]
      return tf.mul(c, tf.reshape(f, [f.shape[0]!, 1, f.shape[1]!])); // c [D, M, units]
    });
    return [ws[0]!, ...coefs, z];
  });
}

export default defineExperiment({
  templateId: 's-kan-function-fitting',
  claim:
    'S-KAN is near the best single-space KAN on every task (no task-dependent choice of basis needed) and beats a same-parameter MLP.',
  criterion:
    'Mean test RMSE over 2 seeds: on every task RMSE(S-KAN) ≤ 1.15 × min over the 5 single-space KANs, and RMSE(S-KAN) < RMSE(MLP) on ≥ 3 of 4 tasks.',
  async run(ctx) {
    const backend = await fastBackend();
    ctx.log(`backend ${backend}`);
    const training = {
      dataset: { name: 'functionFit', params: { fn: 'exp-sin' } },
      optimizer: { type: 'optimizers.adam', params: { learningRate: 0.01 } },
      batchSize: N_TRAIN,
      epochs: FULL + SELECTIVE,
      seed: 1,
    };
    const mse = { loss: 'losses.meanSquaredError' };
    const figures: Record<string, string> = { backend };
    let nearBest = 0;
    let beatsMlp = 0;
    const taskNames = Object.keys(TASKS);
    for (const task of taskNames) {
      const rmse: Record<string, number[]> = {};
      const add = (k: string, v: number) => {
        rmse[k] = [...(rmse[k] ?? []), v];
      };
      for (const seed of SEEDS) {
        const rng = createRng(1000 * seed + task.length);
        const data = regression(TASKS[task]!, 2, N_TRAIN, 1000, () => rng.next());
        // S-KAN: stage full (soft), then stage selective (hard) from the same weights.
        const soft = build(ctx.templateText, ctx.registry, seed);
        // Temperature annealing T = 1, ½, ¼, ⅛ over the full stage (logits doubled between chunks).
        for (let c = 0; c < CHUNKS; c++) {
          if (c > 0)
            for (const layer of soft.compiled.layers.values()) {
              const ws = layer.getWeights();
              if (isSelective(ws)) {
                const z = tf.mul(ws.at(-1)!, 2);
                layer.setWeights([...ws.slice(0, -1), z]);
                z.dispose();
              }
            }
          await trainAndEvaluate(soft, ctx.registry, data, { seed: seed + c, epochs: FULL / CHUNKS });
        }
        const hardDoc = templateWith(ctx.templateText, {
          skan1: { selection: 'hard' },
          skan2: { selection: 'hard' },
        });
        await withModel(build(hardDoc, ctx.registry, seed), async (hard) => {
          for (const [id, layer] of soft.compiled.layers)
            hard.compiled.layers.get(id)?.setWeights(foldSelection(layer.getWeights()));
          soft.compiled.dispose();
          const r = await trainAndEvaluate(hard, ctx.registry, data, { seed: seed + 7, epochs: SELECTIVE });
          add('S-KAN', Math.sqrt(r.val.loss));
        });
        for (const basis of BASIS_TYPES) {
          const doc = sequential(
            [2],
            [
              ['kan.kanLayer', { units: 5, basis }],
              ['kan.kanLayer', { units: 1, basis }],
            ],
            mse,
            training,
          );
          await withModel(build(doc, ctx.registry, seed), async (b) => {
            add(basis, Math.sqrt((await trainAndEvaluate(b, ctx.registry, data, { seed })).val.loss));
          });
        }
        const mlp = sequential(
          [2],
          [
            ['layers.dense', { units: 22, activation: 'swish' }],
            ['layers.dense', { units: 22, activation: 'swish' }],
            ['layers.dense', { units: 1 }],
          ],
          mse,
          training,
        );
        await withModel(build(mlp, ctx.registry, seed), async (b) => {
          add('MLP', Math.sqrt((await trainAndEvaluate(b, ctx.registry, data, { seed })).val.loss));
        });
        ctx.log(
          `${task} seed ${seed}: ${Object.entries(rmse)
            .map(([k, v]) => `${k} ${v.at(-1)!.toFixed(4)}`)
            .join(', ')}`,
        );
      }
      const s = mean(rmse['S-KAN']!);
      const bestSingle = Math.min(...BASIS_TYPES.map((b) => mean(rmse[b]!)));
      const bestName = BASIS_TYPES.find((b) => mean(rmse[b]!) === bestSingle)!;
      if (s <= 1.15 * bestSingle) nearBest++;
      if (s < mean(rmse.MLP!)) beatsMlp++;
      figures[`${task}: RMSE S-KAN`] = summary(rmse['S-KAN']!);
      figures[`${task}: best single-space KAN (${bestName})`] = summary(rmse[bestName]!);
      figures[`${task}: RMSE per space`] = BASIS_TYPES.map((b) => `${b} ${mean(rmse[b]!).toFixed(4)}`).join(
        ', ',
      );
      figures[`${task}: RMSE MLP`] = summary(rmse.MLP!);
      figures[`${task}: S-KAN / best single`] = (s / bestSingle).toFixed(2);
    }
    figures['tasks with S-KAN ≤ 1.15 × best single'] = `${nearBest}/4`;
    figures['tasks with S-KAN < MLP'] = `${beatsMlp}/4`;
    return { pass: nearBest === 4 && beatsMlp >= 3, figures };
  },
});
