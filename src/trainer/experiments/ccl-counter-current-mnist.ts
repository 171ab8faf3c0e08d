// Paper P25 (Kao & Hariharan, NeurIPS 2024, arXiv 2409.19841, Counter-Current Learning): the
// template's forward MLP 784-256-256-256-10 trained by CCL — a feedback MLP of the same widths runs
// the 10 class one-hots backwards, every layer input of both networks is detached, each pair
// (a_l, c_l) has its own alignment loss and the logits a cross-entropy; two SGD optimizer groups
// (lr 1, gradient norm clipped at 1 per group) — against the same forward net trained end to end by
// backpropagation (the stop-gradients bypassed, the feedback net and alignment losses removed, SGD
// lr 0.1 with the same clipping). Both arms run through train() with the document's own phases.
// Locality (∂L_align(a_2, c_2)/∂W_F¹ = 0, no gradient crosses a stop-gradient) is a unit test:
// src/testing/ccl.test.ts.
import { findDataset } from '../../core/datasets/index.ts';
import type { GraphDoc } from '../../core/doc/schema.ts';
import { resolveParams } from '../../core/params.ts';
import { createRng } from '../../core/rng.ts';
import { build, mean, summary, trainAndEvaluate, withModel } from './_kan-shared.ts';
import { defineExperiment } from './experiment.ts';

/** The spec's miniature: 4 epochs (the template's phase), seeds 1–3. */
const DEFAULT_RUN = { seeds: [1, 2, 3], epochs: 4 };
/** `--budget full`: twice the epochs. */
const FULL_RUN = { seeds: [1, 2, 3], epochs: 8 };
const TRAIN = 5000;
const VAL = 1000;
/** The spec's bars: CCL accuracy ≥ 85 % and ≥ BP − 8 points. */
const MIN_ACC = 0.85;
const MAX_GAP = 0.08;
/** The spec's BP rate (CCL's lr 1 is for its scaled local losses). */
const BP_LR = 0.1;

/**
 * The template's forward network trained by backpropagation: stop-gradients outside the feedback
 * group bypassed, the feedback group and the alignment losses removed, one SGD group at BP_LR with
 * the forward group's clipping.
 */
export function backpropVariant(templateText: string, learningRate = BP_LR): GraphDoc {
  const doc = JSON.parse(templateText) as GraphDoc;
  const drop = new Set(
    Object.entries(doc.nodes)
      .filter(([, n]) => n.group === 'feedback' || n.type === 'losses.cclAlign')
      .map(([id]) => id),
  );
  const bypass = Object.entries(doc.nodes)
    .filter(([id, n]) => n.type === 'primitives.stopGradient' && !drop.has(id))
    .map(([id]) => id);
  for (const id of bypass) {
    const into = Object.values(doc.edges).find((e) => e.to.node === id)!;
    for (const e of Object.values(doc.edges)) if (e.from.node === id) e.from = { ...into.from };
    drop.add(id);
  }
  for (const id of drop) delete doc.nodes[id];
  doc.edges = Object.fromEntries(
    Object.entries(doc.edges).filter(([, e]) => doc.nodes[e.from.node] && doc.nodes[e.to.node]),
  );
  for (const phase of doc.training!.phases!)
    phase.optimizers = phase
      .optimizers!.filter((g) => g.id === 'forward')
      .map((g) => ({ ...g, params: { ...g.params, learningRate } }));
  return doc;
}

export default defineExperiment({
  templateId: 'ccl-counter-current-mnist',
  claim:
    'Counter-Current Learning — a feedback network processing the targets, layer-local alignment losses and detached layer inputs, so no weight transport and no backward locking — trains an MLP classifier to accuracy comparable to backpropagation.',
  criterion: `MNIST ${TRAIN} train / ${VAL} test (flat), forward MLP 784-256-256-256-10 ELU without biases, ${DEFAULT_RUN.epochs} epochs, batch 256, seeds ${DEFAULT_RUN.seeds.join(', ')}: CCL (SGD lr 1 for each network, clip 1 per group) mean test acc ≥ ${MIN_ACC * 100} % and ≥ mean acc(BP, the same forward net and SGD at lr ${BP_LR}, clip 1) − ${MAX_GAP * 100} points.`,
  fullBudget: `${FULL_RUN.epochs} epochs per arm (twice the spec's), seeds ${FULL_RUN.seeds.join(', ')}; the same data and criterion.`,
  async run(ctx) {
    const { seeds, epochs } = ctx.budget === 'full' ? FULL_RUN : DEFAULT_RUN;
    const backend = await ctx.prepareBackend();
    ctx.log(`backend ${backend}`);
    const mnist = findDataset('mnist')!;
    const arms = [
      { name: 'CCL', doc: () => ctx.templateText },
      { name: 'BP', doc: () => backpropVariant(ctx.templateText) },
    ] as const;
    const acc: Record<string, number[]> = { CCL: [], BP: [] };
    const ms: Record<string, number[]> = { CCL: [], BP: [] };
    for (const seed of seeds) {
      const data = await mnist.load(
        resolveParams(mnist.params, { trainSize: TRAIN, valSize: VAL, flat: true }).values,
        createRng(seed),
        ctx.io,
      );
      for (const arm of arms) {
        await withModel(build(arm.doc(), ctx.registry, seed), async (b) => {
          const r = await trainAndEvaluate(b, ctx.registry, data, { seed, epochs });
          acc[arm.name]!.push(r.val.metrics.accuracy!);
          ms[arm.name]!.push(r.msPerStep);
          const align = Object.entries(r.val.terms)
            .filter(([id]) => id.startsWith('align'))
            .map(([id, v]) => `${id} ${v.toFixed(3)}`)
            .join(', ');
          ctx.log(
            `seed ${seed} ${arm.name}: test acc ${r.val.metrics.accuracy!.toFixed(4)}${align ? ` (${align})` : ''}, ${r.msPerStep.toFixed(1)} ms/step, ${r.status}`,
          );
        });
      }
    }
    const gap = mean(acc.BP!) - mean(acc.CCL!);
    const pass = mean(acc.CCL!) >= MIN_ACC && gap <= MAX_GAP;
    return {
      pass,
      figures: {
        backend,
        epochs,
        'test acc CCL': summary(acc.CCL!),
        'test acc BP': summary(acc.BP!),
        'BP − CCL (points)': (gap * 100).toFixed(2),
        'ms/step CCL': mean(ms.CCL!).toFixed(1),
        'ms/step BP': mean(ms.BP!).toFixed(1),
      },
    };
  },
});
