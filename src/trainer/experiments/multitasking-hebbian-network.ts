// Paper P39 (Agliari, Alessandrelli, Barra, Ricci-Tersenghi, J. Stat. Mech. 2023, arXiv 2308.04106,
// "Parallel Learning by Multitasking Neural Networks"): Hebbian couplings learnt from noisy examples
// of diluted patterns retrieve several patterns at once, hierarchically: m_k ≈ (1 − d)·d^{k−1}. The
// template's one fit phase sets J (supervised or unsupervised rule); the validation rows are initial
// states ξ¹ with random blanks, and the Mattis overlaps after 20 zero-temperature sweeps are read
// from the template's metric nodes. Dense patterns (d = 0) are the single-task contrast.

import { loadBinding } from '../../core/datasets/binding.ts';
import type { GraphDoc } from '../../core/doc/schema.ts';
import { createRng } from '../../core/rng.ts';
import { evaluate, toTensors, train } from '../loop.ts';
import { build, mean, summary, withModel } from './_kan-shared.ts';
import { defineExperiment } from './experiment.ts';

const DILUTIONS = [0.1, 0.2, 0.3] as const;
const SPEC_D = 0.2;
const DEFAULT_SEEDS = [1, 2, 3];
const FULL_SEEDS = [1, 2, 3, 4, 5];
type Mode = 'sup' | 'unsup';

/** The template with dilution d and Hebbian rule `mode`. */
export function variant(text: string, d: number, mode: Mode): GraphDoc {
  const doc = JSON.parse(text) as GraphDoc;
  doc.training!.dataset.params = { ...doc.training!.dataset.params, dilution: d };
  doc.nodes.hopfield!.params = { ...doc.nodes.hopfield!.params, mode };
  return doc;
}

/** Mean Mattis overlaps [m₁, m₂, m₃] over the validation starts after the fit phase. */
export async function overlaps(
  doc: GraphDoc,
  seed: number,
  ctx: { registry: Parameters<typeof build>[1]; io: Parameters<typeof loadBinding>[2] },
): Promise<number[]> {
  const data = await loadBinding(doc.training!.dataset, createRng(seed), ctx.io);
  return withModel(build(doc, ctx.registry, seed), async (b) => {
    const r = await train(b.compiled, ctx.registry, data, b.training, { seed, validate: false });
    if (r.status !== 'done') throw new Error(`fit: ${r.status}`);
    const val = toTensors(data, 'val');
    try {
      const m = (await evaluate(b.compiled, ctx.registry, val)).metrics;
      return [m.m1!, m.m2!, m.m3!];
    } finally {
      val.dispose();
    }
  });
}

const fmt = (xs: number[]) => xs.map((v) => v.toFixed(3)).join(' / ');

export default defineExperiment({
  templateId: 'multitasking-hebbian-network',
  claim:
    'Hebbian couplings learnt from noisy examples of diluted patterns retrieve several patterns in parallel, with hierarchical amplitudes m_k ≈ (1 − d)·d^{k−1}; supervised and unsupervised rules agree; dense patterns retrieve one.',
  criterion: `N = 2000, K = 3, M = 40, r = 0.5, 20 parallel zero-temperature sweeps from ξ¹ with random blanks (20 starts), seeds ${DEFAULT_SEEDS.join(', ')}: at d = ${SPEC_D}, m₁ ≥ 0.75, |m₂ − d(1 − d)| ≤ 0.05, |m₃ − d²(1 − d)| ≤ 0.03 (supervised); for d ∈ {${DILUTIONS.join(', ')}}, |m_μ^sup − m_μ^unsup| ≤ 0.05 for every μ; d = 0: |m₂|, |m₃| ≤ 0.05.`,
  fullBudget: `seeds ${FULL_SEEDS.join(', ')}.`,
  async run(ctx) {
    const seeds = ctx.budget === 'full' ? FULL_SEEDS : DEFAULT_SEEDS;
    const backend = await ctx.prepareBackend();
    ctx.log(`backend ${backend}`);
    const figures: Record<string, string | number> = { backend, seeds: seeds.join(', ') };
    const avg = async (d: number, mode: Mode) => {
      const per: number[][] = [];
      for (const seed of seeds) per.push(await overlaps(variant(ctx.templateText, d, mode), seed, ctx));
      return {
        m: [0, 1, 2].map((k) => mean(per.map((r) => r[k]!))),
        text: [0, 1, 2].map((k) => summary(per.map((r) => r[k]!))).join(' / '),
      };
    };
    let pass = true;
    for (const d of DILUTIONS) {
      const sup = await avg(d, 'sup');
      const unsup = await avg(d, 'unsup');
      const theory = [1 - d, d * (1 - d), d * d * (1 - d)];
      figures[`d ${d} sup m1 / m2 / m3`] = sup.text;
      figures[`d ${d} unsup m1 / m2 / m3`] = unsup.text;
      figures[`d ${d} theory (1−d)d^(k−1)`] = fmt(theory);
      const gap = Math.max(...sup.m.map((v, k) => Math.abs(v - unsup.m[k]!)));
      figures[`d ${d} max |sup − unsup|`] = gap.toFixed(3);
      ctx.log(`d ${d}: sup ${fmt(sup.m)}, unsup ${fmt(unsup.m)}, theory ${fmt(theory)}`);
      if (gap > 0.05) pass = false;
      if (d === SPEC_D) {
        const [m1, m2, m3] = sup.m as [number, number, number];
        if (!(m1 >= 0.75 && Math.abs(m2 - theory[1]!) <= 0.05 && Math.abs(m3 - theory[2]!) <= 0.03))
          pass = false;
      }
    }
    const dense = await avg(0, 'sup');
    figures['d 0 (dense) sup m1 / m2 / m3'] = dense.text;
    ctx.log(`d 0: ${fmt(dense.m)}`);
    if (Math.abs(dense.m[1]!) > 0.05 || Math.abs(dense.m[2]!) > 0.05) pass = false;
    return { pass, figures };
  },
});
