// Paper P30 (Li, Teh & Pascanu 2025, arXiv 2503.24322, NoProp-DT): the template's T = 10 blocks
// trained together in one step whose loss is a sum of block-local terms — block t's input z_{t−1}
// is sampled from the labels (noprop.latent in training mode), so no gradient crosses blocks (a unit
// test checks ∂L_t/∂θ_s = 0 for s ≠ t: src/testing/noprop.test.ts). Evaluated with the full
// inference chain, never with the labels: the deterministic chain (the template: every inference
// ε = 0, reproducible predictions) and the paper's stochastic one (same weights, ε ~ N(0, I)).
import { loadBinding } from '../../core/datasets/binding.ts';
import type { GraphDoc } from '../../core/doc/schema.ts';
import { createRng } from '../../core/rng.ts';
import { toTensors } from '../feeds.ts';
import { evaluate } from '../loop.ts';
import { build, templateWith, trainAndEvaluate, withModel } from './_kan-shared.ts';
import { defineExperiment } from './experiment.ts';

const SEED = 1;
const EPOCHS = 20;
const PASS_ACCURACY = 0.85;
/** The spec: the deterministic chain within 2 points of the stochastic one. */
const CHAIN_GAP = 0.02;

/** The template (deterministic chain, ε = 0) with the paper's stochastic inference chain on. */
function stochasticChain(text: string): GraphDoc {
  const doc = templateWith(text, {});
  for (const rec of Object.values(doc.nodes))
    if (rec.type === 'noprop.latent') rec.params = { ...rec.params, stochastic: true };
  return doc;
}

export default defineExperiment({
  templateId: 'noprop-dt-digits',
  claim:
    'Blocks trained only with block-local denoising losses (no forward chain and no back-propagation across blocks while training) classify well when chained from noise at inference.',
  criterion: `8×8 digits (1440 train / 360 val), T = 10 MLP blocks, AdamW 3e-3 (wd 1e-3), batch 32, ${EPOCHS} epochs, seed ${SEED}: val accuracy of the stochastic inference chain (z_0 ~ N(0, I), Eq. 3) ≥ ${PASS_ACCURACY * 100} % and the deterministic chain (ε = 0) within ${CHAIN_GAP * 100} points of it — the spec's thresholds.`,
  async run(ctx) {
    const backend = await ctx.prepareBackend();
    ctx.log(`backend ${backend}`);
    const doc = JSON.parse(ctx.templateText) as GraphDoc;
    const data = await loadBinding(doc.training!.dataset, createRng(SEED), ctx.io);
    const stochastic = build(ctx.templateText, ctx.registry, SEED);
    return withModel(stochastic, async (b) => {
      const r = await trainAndEvaluate(b, ctx.registry, data, {
        epochs: EPOCHS,
        seed: SEED,
        onBatch: (s) => {
          if (s.batch === s.batches) ctx.log(`epoch ${s.epoch}: loss ${s.loss.toFixed(3)}`);
        },
      });
      const accDeterministic = r.val.metrics.accuracy!;
      // Same weights (latents have none, so the layer order matches), inference ε ~ N(0, I) (Eq. 3).
      const accStochastic = await withModel(
        build(stochasticChain(ctx.templateText), ctx.registry, SEED),
        async (d) => {
          d.compiled.model.setWeights(b.compiled.model.getWeights());
          const val = toTensors(data, 'val');
          try {
            return (await evaluate(d.compiled, ctx.registry, val)).metrics.accuracy!;
          } finally {
            val.dispose();
          }
        },
      );
      // The training-mode head (z_T sampled from the labels): how well the head reads a clean embedding.
      const val = toTensors(data, 'val');
      const leaked = (await evaluate(b.compiled, ctx.registry, val, { training: true })).metrics.accuracy!;
      val.dispose();
      ctx.log(
        `stochastic chain ${accStochastic.toFixed(4)}, deterministic ${accDeterministic.toFixed(4)} (${r.msPerStep.toFixed(1)} ms/step, ${r.status})`,
      );
      const gap = Math.abs(accDeterministic - accStochastic);
      return {
        pass: accStochastic >= PASS_ACCURACY && gap <= CHAIN_GAP,
        figures: {
          backend,
          'val acc, stochastic chain': accStochastic.toFixed(4),
          'val acc, deterministic chain (ε = 0)': accDeterministic.toFixed(4),
          '|deterministic − stochastic| (pts)': (gap * 100).toFixed(2),
          'val acc with z_T sampled from the true label (training mode; not a prediction)': leaked.toFixed(4),
          'ms/step': r.msPerStep.toFixed(1),
          steps: r.steps,
        },
      };
    });
  },
});
