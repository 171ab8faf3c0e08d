// Paper P38 (Kesgin & Amasyali, IEEE TNNLS 2023, Cyclical Curriculum Learning): the template's
// procedure run by train() with the document's own phases — a vanilla MLP 784-128-10 trained on
// MNIST with 20 % symmetric label noise (also the scorer), a refresh phase writing each training
// row's cross-entropy ℓ_i into the store 'loss', then a fresh model (the initial weights restored)
// trained one epoch per entry of get_cycle_sizes(0.25, 1, 0.5, 8), each epoch on ⌊N·S_i⌋ rows drawn
// without replacement ∝ 1/ℓ_i (Gumbel-top-k, src/core/sampling.ts). The monotone control
// ('lower_to_bigger': 0.25, 0.5, 1, 1, …) is one more phase appended to the same run, so it reads
// the same scores and restarts from the same initial weights. The paper's metric is the MAXIMUM
// validation accuracy over epochs; the validation split is clean (noise on the training rows only).
import { loadBinding } from '../../core/datasets/binding.ts';
import type { GraphDoc, PhaseRecord } from '../../core/doc/schema.ts';
import { createRng } from '../../core/rng.ts';
import { cycleSizes, monotoneSizes } from '../../core/sampling.ts';
import { train } from '../loop.ts';
import { build, mean, withModel } from './_kan-shared.ts';
import { defineExperiment } from './experiment.ts';

const DEFAULT_RUN = { seeds: [1, 2, 3] };
const FULL_RUN = { seeds: [1, 2, 3, 4, 5] };
/** The spec's bar: cyclical max val acc ≥ vanilla's + 1 point (mean over seeds). */
const MARGIN = 0.01;
const SP = 0.25;
const EP = 1;
const ALPHA = 0.5;
const TOTAL = 8;

/** The template with the monotone control appended (same store, same reinit, sizes 0.25 → 1 → 1 …). */
export function withMonotoneControl(templateText: string): GraphDoc {
  const doc = JSON.parse(templateText) as GraphDoc;
  const phases = doc.training!.phases!;
  const cyc = phases.find((p) => p.name === 'cyclical')!;
  const sizes = monotoneSizes(SP, EP, ALPHA, TOTAL);
  const control: PhaseRecord = {
    ...cyc,
    name: 'monotone',
    epochs: sizes.length,
    data: { ...cyc.data!, fractions: sizes },
  };
  phases.push(control);
  return doc;
}

const sd = (xs: readonly number[]) => {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / Math.max(1, xs.length - 1));
};
const fmt = (xs: readonly number[]) =>
  `${mean(xs).toFixed(4)} ± ${sd(xs).toFixed(4)} (${xs.map((x) => x.toFixed(3)).join(', ')})`;

export default defineExperiment({
  templateId: 'cyclical-curriculum',
  claim:
    'Cyclical Curriculum Learning — the training-set size cycles between easy-weighted subsets (rows drawn without replacement ∝ 1/ℓ, ℓ the loss of a vanilla scorer) and the full set — reaches a higher maximum validation accuracy than vanilla training and than a monotone curriculum.',
  criterion: `MNIST 4000 train (20 % symmetric label noise) / 1000 clean val, MLP 784-128-10, Adam 1e-3, batch 128; vanilla 8 epochs (the scorer); cyclical = a fresh model on get_cycle_sizes(${SP}, ${EP}, ${ALPHA}, ${TOTAL}) (15 epochs, Σ = 8.5 passes) with easy-first scores; seeds ${DEFAULT_RUN.seeds.join(', ')}: mean max-val-acc(cyclical) ≥ mean max-val-acc(vanilla) + ${MARGIN * 100} point; the monotone schedule reported as a control.`,
  fullBudget: `seeds ${FULL_RUN.seeds.join(', ')}; the same data and criterion.`,
  async run(ctx) {
    const { seeds } = ctx.budget === 'full' ? FULL_RUN : DEFAULT_RUN;
    const backend = await ctx.prepareBackend();
    ctx.log(`backend ${backend}`);
    const doc = withMonotoneControl(ctx.templateText);
    const cyc = doc.training!.phases!.find((p) => p.name === 'cyclical')!;
    const expected = cycleSizes(SP, EP, ALPHA, TOTAL);
    if (JSON.stringify(cyc.data?.fractions) !== JSON.stringify(expected))
      throw new Error(`the template's cycle ${cyc.data?.fractions} is not get_cycle_sizes = ${expected}`);
    const best: Record<string, number[]> = { vanilla: [], cyclical: [], monotone: [] };
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (const seed of seeds) {
      const data = await loadBinding(doc.training!.dataset, createRng(seed), ctx.io);
      await withModel(build(doc, ctx.registry, seed), async (b) => {
        const rows: Record<string, number[]> = { vanilla: [], cyclical: [], monotone: [] };
        const r = await train(b.compiled, ctx.registry, data, b.training, { seed });
        const acc: Record<string, number[]> = { vanilla: [], cyclical: [], monotone: [] };
        for (const e of r.epochs) {
          acc[e.stage]?.push(e.val?.metrics.accuracy ?? Number.NaN);
          if (e.rows !== undefined) rows[e.stage]?.push(e.rows);
        }
        for (const k of Object.keys(best)) best[k]!.push(Math.max(...acc[k]!));
        ctx.log(
          `seed ${seed}: max val acc vanilla ${Math.max(...acc.vanilla!).toFixed(4)}, cyclical ${Math.max(...acc.cyclical!).toFixed(4)}, monotone ${Math.max(...acc.monotone!).toFixed(4)}; ${r.status}, ${(r.ms / 1000).toFixed(1)} s`,
        );
        ctx.log(`  cyclical val acc per epoch ${acc.cyclical!.map((a) => a.toFixed(3)).join(' ')}`);
        ctx.log(`  cyclical rows per epoch ${rows.cyclical?.join(' ')}`);
        ctx.log(`  vanilla val acc per epoch ${acc.vanilla!.map((a) => a.toFixed(3)).join(' ')}`);
      });
    }
    const cpu = process.cpuUsage(cpu0);
    const gain = mean(best.cyclical!) - mean(best.vanilla!);
    return {
      pass: gain >= MARGIN,
      figures: {
        backend,
        'max val acc vanilla': fmt(best.vanilla!),
        'max val acc cyclical': fmt(best.cyclical!),
        'max val acc monotone': fmt(best.monotone!),
        'cyclical − vanilla (points)': (gain * 100).toFixed(2),
        'monotone − vanilla (points)': ((mean(best.monotone!) - mean(best.vanilla!)) * 100).toFixed(2),
        'wall s': ((performance.now() - t0) / 1000).toFixed(1),
        'cpu s': ((cpu.user + cpu.system) / 1e6).toFixed(1),
      },
    };
  },
});
