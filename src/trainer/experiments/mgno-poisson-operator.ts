// Paper P40 (He, Liu, Xu 2024, arXiv 2310.19809, MgNO): learn f ↦ u for −Δu = f (zero Dirichlet)
// on a 32×32 grid, with the data solved by the project (src/core/pde/poisson.ts). The template's
// MgNO — 2 layers of act(MgConv(u) + Conv1×1(u)), each MgConv a 4-level V-cycle of 3×3 convolutions
// (grouped on the canvas) — against a plain CNN of six 3×3 convolutions (receptive field 13×13,
// smaller than the domain) with at least as many parameters, identical seeds per arm.

import { findDataset } from '../../core/datasets/index.ts';
import type { GraphDoc } from '../../core/doc/schema.ts';
import { resolveParams } from '../../core/params.ts';
import { createRng } from '../../core/rng.ts';
import type { Dim } from '../../core/tensor-type.ts';
import {
  build,
  mean,
  sequential,
  summary,
  templateWith,
  trainAndEvaluate,
  withModel,
} from './_kan-shared.ts';
import { defineExperiment } from './experiment.ts';

const SEEDS = [1];
const EPOCHS = 7; // 600 train pairs / batch 16 = 38 steps per epoch: 266 steps (the spec's 250)
/** --budget full: longer training, where the spec's 250 steps leave MgNO short of convergence. */
const FULL = { seeds: [1, 2], epochs: 20 };
const CNN_WIDTH = 22;
const CNN_LAYERS = 6;

/** The baseline: six 3×3 convolutions, GELU between, no pooling (receptive field 2·6 + 1 = 13). */
function cnnBaseline(template: GraphDoc): GraphDoc {
  const shape = template.nodes.input!.params!.shape as Dim[];
  const conv = (filters: number, activation: string) =>
    ['layers.conv2d', { filters, kernelSize: [3, 3], padding: 'same', activation }] as const;
  const doc = sequential(
    shape as number[],
    [...Array.from({ length: CNN_LAYERS - 1 }, () => conv(CNN_WIDTH, 'gelu')), conv(1, 'linear')],
    { loss: 'losses.relativeL2' },
    template.training as Record<string, unknown>,
  );
  doc.nodes.relL2 = { type: 'metrics.relativeL2', v: 1, params: {} };
  doc.edges.erel = { from: { node: `n${CNN_LAYERS - 1}`, port: 'y' }, to: { node: 'relL2', port: 'pred' } };
  return doc;
}

export default defineExperiment({
  templateId: 'mgno-poisson-operator',
  claim:
    'A multigrid parametrisation of the linear operators (MgConv) captures the global Poisson solution operator; a local CNN of similar size does not.',
  criterion: `poissonSine 32×32 (600 train / 100 test pairs, K = 6 modes), relative-L2 loss, Adam 1e-3, batch 16, ${EPOCHS} epochs (≈ 266 steps), seed ${SEEDS.join(', ')}: test relative L2 of MgNO (width 8, 4 levels, 2 layers) ≤ 0.5 × the CNN's (${CNN_LAYERS} × conv3×3, width ${CNN_WIDTH}, receptive field 13) and ≤ 0.15.`,
  fullBudget: `${FULL.epochs} epochs (760 steps), seeds ${FULL.seeds.join(', ')}; same criterion.`,
  async run(ctx) {
    const full = ctx.budget === 'full';
    const seeds = full ? FULL.seeds : SEEDS;
    const epochs = full ? FULL.epochs : EPOCHS;
    const backend = await ctx.prepareBackend();
    ctx.log(`backend ${backend}`);
    const template = JSON.parse(ctx.templateText) as GraphDoc;
    const ds = findDataset('poissonSine')!;
    const arms = [
      { name: 'MgNO', doc: () => templateWith(ctx.templateText, {}) },
      { name: 'CNN', doc: () => cnnBaseline(template) },
    ];
    const rel: Record<string, number[]> = { MgNO: [], CNN: [] };
    const params: Record<string, number> = {};
    for (const seed of seeds) {
      const data = await ds.load(
        resolveParams(ds.params, template.training!.dataset.params).values,
        createRng(seed),
        ctx.io,
      );
      for (const arm of arms)
        await withModel(build(arm.doc(), ctx.registry, seed), async (b) => {
          const r = await trainAndEvaluate(b, ctx.registry, data, { epochs, seed });
          rel[arm.name]!.push(r.val.metrics.relL2!);
          params[arm.name] = b.params;
          ctx.log(
            `seed ${seed} ${arm.name} (${b.params} params): test relative L2 ${r.val.metrics.relL2!.toFixed(4)} (${r.steps} steps, ${r.msPerStep.toFixed(1)} ms/step, ${r.status})`,
          );
        });
    }
    const mg = mean(rel.MgNO!);
    const cnn = mean(rel.CNN!);
    const pass = mg <= 0.5 * cnn && mg <= 0.15;
    return {
      pass,
      figures: {
        backend,
        steps: epochs * 38,
        'test relative L2 MgNO': summary(rel.MgNO!),
        'test relative L2 CNN': summary(rel.CNN!),
        'ratio MgNO / CNN': (mg / cnn).toFixed(3),
        'params MgNO': params.MgNO!,
        'params CNN': params.CNN!,
      },
    };
  },
});
