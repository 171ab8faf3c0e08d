// Paper P11 (Liu, Brock, Simonyan, Le, NeurIPS 2020, arXiv 2004.02967, EvoNorms): the template's
// small ResNet on 8×8 digits with its four EvoNorm-S0 nodes swapped per arm for EvoNorm-B0 or for
// BatchNorm + ReLU (BatchNorm alone where the template's node has no activation), trained at batch
// 64 and at batch 4 under identical seeds (same split, same conv/dense init, same batch order).
import { findDataset } from '../../core/datasets/index.ts';
import type { GraphDoc } from '../../core/doc/schema.ts';
import { resolveParams } from '../../core/params.ts';
import { createRng } from '../../core/rng.ts';
import { evaluate, toTensors } from '../loop.ts';
import { trainArm } from './_activation-sweep.ts';
import { build, mean, summary, withModel } from './_kan-shared.ts';
import { defineExperiment } from './experiment.ts';

/** Two seeds fit the 60 s budget (a batch-4 epoch is 360 steps); calibrated on seeds 1–3 (template meta). */
const DEFAULT_SEEDS = [1, 2];
/** `--budget full`: seeds 1–3. */
const FULL_SEEDS = [1, 2, 3];
const S0 = 'normAct.evonormS0';
/**
 * Per batch size: epochs at Adam rate `lr`, then `decayEpochs` at lr/10 (a new Adam; it also lets
 * BatchNorm's running statistics settle). The rate scales with √batch: 1e-2 at 64, 2.5e-3 at 4.
 */
const DEFAULT_RUNS: readonly Run[] = [
  { batch: 64, epochs: 4, decayEpochs: 1, lr: 0.01 },
  { batch: 4, epochs: 1, decayEpochs: 0, lr: 0.0025 },
];
/** `--budget full`: batch 64 trains 9 + 1 epochs (where 'matches' was seen to hold), batch 4 the spec's 2. */
const FULL_RUNS: readonly Run[] = [
  { batch: 64, epochs: 9, decayEpochs: 1, lr: 0.01 },
  { batch: 4, epochs: 2, decayEpochs: 0, lr: 0.0025 },
];
type Run = {
  readonly batch: number;
  readonly epochs: number;
  readonly decayEpochs: number;
  readonly lr: number;
};
/** BatchNorm's running-average momentum: the same 0.9 as EvoNorm-B0's running variance. */
const BN = { momentum: 0.9, epsilon: 1e-5 };
/** Pass tolerance at batch 64 (accuracy points). */
const MATCH = 0.02;
const ARMS = ['BN-ReLU', 'EvoNorm-B0', 'EvoNorm-S0'] as const;
type Arm = (typeof ARMS)[number];

/**
 * The template with every EvoNorm-S0 node replaced for `arm`: B0 (same applyAct), or BatchNorm
 * followed, where the node applies an activation, by a new ReLU node that takes over its out-edges.
 */
function normActArm(text: string, arm: Arm): GraphDoc {
  const doc = JSON.parse(text) as GraphDoc;
  for (const [id, n] of Object.entries({ ...doc.nodes })) {
    if (n.type !== S0 || arm === 'EvoNorm-S0') continue;
    const act = n.params.applyAct !== false;
    if (arm === 'EvoNorm-B0') {
      n.type = 'normAct.evonormB0';
      n.params = act ? {} : { applyAct: false };
      continue;
    }
    n.type = 'layers.batchNormalization';
    n.params = { ...BN };
    if (!act) continue;
    const relu = `${id}_relu`;
    doc.nodes[relu] = { type: 'activations.relu', v: 1, params: {} };
    for (const e of Object.values(doc.edges)) if (e.from.node === id) e.from = { node: relu, port: 'y' };
    doc.edges[`${relu}_in`] = { from: { node: id, port: 'y' }, to: { node: relu, port: 'x' } };
  }
  return doc;
}

/** `doc` trained at `run.batch` for `run.epochs` epochs at `run.lr`, then `run.decayEpochs` at lr/10. */
function withSchedule(doc: GraphDoc, run: Run): GraphDoc {
  if (!doc.training) throw new Error('template has no training settings');
  doc.training.optimizer = { type: 'optimizers.adam', params: { learningRate: run.lr } };
  doc.training.batchSize = run.batch;
  doc.training.epochs = run.epochs;
  // One optimizer group per phase (fresh Adam state at the decay, as with format-1 stages).
  const phase = (name: string, epochs: number, learningRate: number, id: string) => ({
    name,
    kind: 'gradient' as const,
    epochs,
    optimizers: [{ id, params: { learningRate } }],
  });
  doc.training.phases = [
    phase('train', run.epochs, run.lr, 'stage-1'),
    ...(run.decayEpochs > 0 ? [phase('decay', run.decayEpochs, run.lr / 10, 'stage-2')] : []),
  ];
  return doc;
}

const key = (arm: Arm, batch: number) => `${arm} @ batch ${batch}`;
const sched = (r: Run) =>
  `batch ${r.batch}: Adam ${r.lr} for ${r.epochs} epoch${r.epochs > 1 ? 's' : ''}${r.decayEpochs > 0 ? ` then ${r.lr / 10} for ${r.decayEpochs}` : ''}`;

export default defineExperiment({
  templateId: 'evonorm-resnet',
  claim:
    'EvoNorm-B0 and EvoNorm-S0 match BatchNorm + ReLU at an ordinary batch size, and the batch-independent S0 holds up at a tiny batch size where BatchNorm degrades.',
  criterion: `On 8×8 digits (1440 train / 360 val), the template's ResNet with its norm-act nodes as BN-ReLU, EvoNorm-B0 or EvoNorm-S0; ${DEFAULT_RUNS.map(sched).join('; ')}; seeds ${DEFAULT_SEEDS.join(', ')}: at batch 64 |mean acc(S0) − mean acc(BN-ReLU)| ≤ ${MATCH * 100} pp and |mean acc(B0) − mean acc(BN-ReLU)| ≤ ${MATCH * 100} pp; at batch 4 mean acc(S0) ≥ mean acc(BN-ReLU).`,
  fullBudget: `${FULL_RUNS.map(sched).join('; ')}; seeds ${FULL_SEEDS.join(', ')} (same criterion).`,
  async run(ctx) {
    const full = ctx.budget === 'full';
    const RUNS = full ? FULL_RUNS : DEFAULT_RUNS;
    const SEEDS = full ? FULL_SEEDS : DEFAULT_SEEDS;
    const backend = await ctx.prepareBackend();
    ctx.log(`backend ${backend}`);
    const digits = findDataset('digits8')!;
    const acc: Record<string, number[]> = Object.fromEntries(
      RUNS.flatMap((r) => ARMS.map((a) => [key(a, r.batch), []])),
    );
    const params: Record<string, number> = {};
    const bnBatchStats: Record<number, number[]> = Object.fromEntries(RUNS.map((r) => [r.batch, []]));
    for (const seed of SEEDS) {
      const data = await digits.load(
        resolveParams(digits.params, { flat: false }).values,
        createRng(seed),
        ctx.io,
      );
      for (const run of RUNS)
        for (const arm of ARMS) {
          const doc = withSchedule(normActArm(ctx.templateText, arm), run);
          await withModel(build(doc, ctx.registry, seed), async (b) => {
            // The doc's phases set the epochs (`epochs` would rescale both phases).
            const r = await trainArm(b, ctx.registry, data, {
              seed,
              batchSize: run.batch,
            });
            params[arm] = b.params;
            acc[key(arm, run.batch)]!.push(r.valAcc);
            if (arm === 'BN-ReLU') {
              // Diagnostic: BatchNorm in training mode over the whole val set (its batch statistics
              // instead of the running averages) — the train/inference gap tiny batches cause.
              const val = toTensors(data, 'val');
              const ev = await evaluate(b.compiled, ctx.registry, val, { training: true });
              val.dispose();
              bnBatchStats[run.batch]!.push(ev.metrics.accuracy ?? Number.NaN);
            }
            ctx.log(
              `seed ${seed} batch ${run.batch} ${arm}: val acc ${r.valAcc.toFixed(4)}, train loss ${r.epochLoss.map((l) => l.toFixed(3)).join(' → ')} (${(r.ms / 1000).toFixed(1)} s, ${r.status})`,
            );
          });
        }
    }
    const m = (arm: Arm, batch: number) => mean(acc[key(arm, batch)]!);
    const d64S0 = m('EvoNorm-S0', 64) - m('BN-ReLU', 64);
    const d64B0 = m('EvoNorm-B0', 64) - m('BN-ReLU', 64);
    const d4S0 = m('EvoNorm-S0', 4) - m('BN-ReLU', 4);
    const passS0 = Math.abs(d64S0) <= MATCH;
    const passB0 = Math.abs(d64B0) <= MATCH;
    const passTiny = d4S0 >= 0;
    const figures: Record<string, string | number> = {
      backend,
      params: ARMS.map((a) => `${a} ${params[a]}`).join(', '),
    };
    for (const run of RUNS)
      for (const arm of ARMS) figures[`val acc ${key(arm, run.batch)}`] = summary(acc[key(arm, run.batch)]!);
    const pp = (d: number) => `${d >= 0 ? '+' : ''}${(d * 100).toFixed(2)} pp`;
    figures['batch 64: S0 − BN-ReLU, B0 − BN-ReLU'] = `${pp(d64S0)}, ${pp(d64B0)}`;
    figures['batch 4: S0 − BN-ReLU, B0 − BN-ReLU'] =
      `${pp(d4S0)}, ${pp(m('EvoNorm-B0', 4) - m('BN-ReLU', 4))}`;
    for (const run of RUNS)
      figures[`BN-ReLU @ batch ${run.batch}: val acc with the val set's own batch statistics`] = summary(
        bnBatchStats[run.batch]!,
      );
    figures.checks = `S0 matches at 64 ${passS0 ? 'ok' : 'fail'}, B0 matches at 64 ${passB0 ? 'ok' : 'fail'}, S0 ≥ BN-ReLU at 4 ${passTiny ? 'ok' : 'fail'}`;
    return { pass: passS0 && passB0 && passTiny, figures };
  },
});
