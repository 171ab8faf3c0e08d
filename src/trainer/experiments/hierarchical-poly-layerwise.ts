// Paper P16 (Wang, Nichani, Lee, ICLR 2024, arXiv 2311.13774, "Learning Hierarchical Polynomials
// with Three-Layer Neural Networks"): layer-wise training of a three-layer network learns h = g∘p
// with fewer samples than two-layer random features, because the middle layer extracts p first.
// Miniature (the spec's): d = 8, x ~ N(0, I), A symmetric random with ‖A‖_F = 1, p = (xᵀAx − tr A)/√2,
// y = tanh(2p); 6000 training rows in two halves, 2000 test rows. The template's four fit phases:
// centre the frozen random features F (400, ReLU) on the first half; stage 1 ridge z = u·F ≈ y on the
// first half; stage 2 standardise z, frozen 1→200 ReLU expansion, ridge ŷ ≈ y on the second half;
// baseline ridge on F over all 6000 rows. Figures: relative test MSE (MSE / Var y) of both, corr(z, p).
import * as tf from '@tensorflow/tfjs';
import { loadBinding } from '../../core/datasets/binding.ts';
import type { GraphDoc } from '../../core/doc/schema.ts';
import { createRng } from '../../core/rng.ts';
import { pearson } from '../../core/stats.ts';
import { train } from '../loop.ts';
import { build, mean, summary, withModel } from './_kan-shared.ts';
import { defineExperiment } from './experiment.ts';

const DEFAULT_SEEDS = [1, 2, 3];
const FULL_SEEDS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

/** MSE(pred, y) / Var(y) in Float64. */
export function relativeMse(pred: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = y.length;
  let my = 0;
  for (let i = 0; i < n; i++) my += y[i]! / n;
  let e = 0;
  let v = 0;
  for (let i = 0; i < n; i++) {
    e += (pred[i]! - y[i]!) ** 2;
    v += (y[i]! - my) ** 2;
  }
  return e / v;
}

export default defineExperiment({
  templateId: 'hierarchical-poly-layerwise',
  claim:
    'Trained layer by layer (closed-form ridge stages on disjoint halves), the three-layer network extracts the hidden feature p and fits y = tanh(2p) far better than a two-layer random-feature ridge of the same width.',
  criterion: `hierPoly (d = 8, 3000 + 3000 training rows, 2000 test rows), seeds ${DEFAULT_SEEDS.join(', ')} (means): relative test MSE (layer-wise 3-layer) ≤ 0.5 × relative test MSE (2-layer RF ridge, width 400, all 6000 rows), and |corr(z, p)| ≥ 0.8 on the test rows.`,
  fullBudget: `seeds ${FULL_SEEDS.join(', ')}.`,
  async run(ctx) {
    const seeds = ctx.budget === 'full' ? FULL_SEEDS : DEFAULT_SEEDS;
    const backend = await ctx.prepareBackend();
    ctx.log(`backend ${backend}`);
    const doc = JSON.parse(ctx.templateText) as GraphDoc;
    const three: number[] = [];
    const two: number[] = [];
    const corrs: number[] = [];
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    for (const seed of seeds) {
      const data = await loadBinding(doc.training!.dataset, createRng(seed), ctx.io);
      await withModel(build(doc, ctx.registry, seed), async (b) => {
        const r = await train(b.compiled, ctx.registry, data, b.training, { seed, validate: false });
        if (r.status !== 'done') throw new Error(`seed ${seed}: training ${r.status}`);
        const input = b.compiled.ir.nodes.find((n) => n.type === 'io.input')!.id;
        const [z, yhat, base] = tf.tidy(() => {
          const x = tf.tensor2d(data.val.x, [data.val.count, data.binding.featureShape[0]!]);
          const outs = b.compiled.run({ [input]: x }, { training: false });
          return ['z', 'yhat', 'base'].map((id) => outs.get(id)!.dataSync().slice());
        });
        const y = data.val.y;
        const pv = data.val.fields!.p!;
        three.push(relativeMse(yhat!, y));
        two.push(relativeMse(base!, y));
        corrs.push(Math.abs(pearson(z!, pv)));
        ctx.log(
          `seed ${seed}: relative test MSE 3-layer ${three.at(-1)!.toFixed(4)}, RF ${two.at(-1)!.toFixed(4)}; |corr(z, p)| ${corrs.at(-1)!.toFixed(3)}`,
        );
      });
    }
    const cpu = process.cpuUsage(c0);
    const [m3, m2, mc] = [mean(three), mean(two), mean(corrs)];
    const figures: Record<string, string | number> = {
      backend,
      seeds: seeds.join(', '),
      'relative test MSE, layer-wise 3-layer': summary(three),
      'relative test MSE, 2-layer RF ridge': summary(two),
      'ratio 3-layer / RF': Number((m3 / m2).toFixed(3)),
      '|corr(z, p)| (test)': summary(corrs, 3),
      'wall / CPU s': `${((performance.now() - t0) / 1000).toFixed(1)} / ${((cpu.user + cpu.system) / 1e6).toFixed(1)}`,
    };
    return { pass: m3 <= 0.5 * m2 && mc >= 0.8, figures };
  },
});
