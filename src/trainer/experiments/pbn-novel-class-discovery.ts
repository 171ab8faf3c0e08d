// Paper P33 (Troisemaine et al., DMKD 2024, arXiv 2311.05440, PBN — projection-based novel class
// discovery): the template's encoder 64-128(ReLU, BN)-32 with a 5-way classifier on the known
// digits 0–4 (masked cross-entropy, weight w = 0.5) and a mirrored decoder reconstructing every row
// ((1 − w)·Σ_j (x̂_j − x_j)²/B; the novel digits 5–9 stay in training, unlabelled: hideClasses
// keepRows), 40 epochs AdamW 1e-3, batch 128. Then, as in the paper, the unlabelled novel training
// rows are projected to the unnormalised latent z and clustered by k-means++ (10 restarts) through
// the `cluster` analysis tool: Hungarian accuracy / NMI / ARI against the hidden labels, beside
// k-means++ on the standardised raw 64 features (the tool's input baseline), both with k = 5; and
// k estimated as the silhouette argmax over k = 2..10 in the latent. Held-out (validation) novel
// rows are reported beside it. The clustering maths is checked against npm oracles in
// src/core/cluster/cluster.test.ts.
import { loadBinding } from '../../core/datasets/binding.ts';
import { resolveParams } from '../../core/params.ts';
import { createRng } from '../../core/rng.ts';
import { clusterTool } from '../../explain/cluster-tool.ts';
import { analysisContext } from '../../explain/context.ts';
import { build, mean, summary, trainAndEvaluate, withModel } from './_kan-shared.ts';
import { defineExperiment } from './experiment.ts';

const DEFAULT_RUN = { seeds: [1, 2, 3] };
const FULL_RUN = { seeds: [1, 2, 3, 4, 5] };
const NOVEL = '5,6,7,8,9';
const K_RANGE = { kMin: 2, kMax: 10 };
/** The spec's bars: latent accuracy ≥ raw + 5 points; estimated k within one of the true 5. */
const MIN_GAIN = 0.05;
const K_OK = [4, 5, 6];
const LATENT = 'z';
type ClusterParams = Parameters<typeof clusterTool.run>[2];

export default defineExperiment({
  templateId: 'pbn-novel-class-discovery',
  claim:
    'Projecting the data with a representation learned on the known classes (cross-entropy) plus reconstruction of all rows makes the novel classes cluster better than the raw features, and the number of novel classes can be estimated in the latent space.',
  criterion: `digits8 (64 features, 1 800 rows, 80/20 split), known 0–4 labelled, novel 5–9 unlabelled in training; the template (w = 0.5, 40 epochs AdamW 1e-3, batch 128), seeds ${DEFAULT_RUN.seeds.join(', ')}. On the novel training rows, mean over seeds: Hungarian clustering accuracy of k-means++ (k = 5, 10 restarts) on the latent z ≥ that on the standardised raw features + ${MIN_GAIN * 100} points, and the silhouette-estimated k (argmax over ${K_RANGE.kMin}..${K_RANGE.kMax}) ∈ {${K_OK.join(', ')}} for every seed.`,
  fullBudget: `seeds ${FULL_RUN.seeds.join(', ')}; the same data and criterion.`,
  async run(ctx) {
    const { seeds } = ctx.budget === 'full' ? FULL_RUN : DEFAULT_RUN;
    const backend = await ctx.prepareBackend();
    ctx.log(`backend ${backend}`);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const f: Record<string, number[]> = {
      acc: [],
      raw: [],
      nmi: [],
      rawNmi: [],
      ari: [],
      rawAri: [],
      k: [],
      valAcc: [],
      valRaw: [],
      knownAcc: [],
    };
    const fixedK = resolveParams(clusterTool.params, { classes: NOVEL, k: 5 }).values as ClusterParams;
    const estimate = resolveParams(clusterTool.params, {
      classes: NOVEL,
      k: 0,
      baseline: false,
      ...K_RANGE,
    }).values as ClusterParams;
    for (const seed of seeds) {
      await withModel(build(ctx.templateText, ctx.registry, seed), async (b) => {
        const data = await loadBinding(b.training.dataset, createRng(seed), ctx.io);
        const r = await trainAndEvaluate(b, ctx.registry, data, { seed });
        // The paper clusters the unlabelled training rows (transductive): a context over the train split.
        const train = analysisContext(
          b.compiled,
          { ...data, val: data.train },
          { samples: data.train.count, classes: 'true' },
        );
        const val = analysisContext(b.compiled, data, { classes: 'true' });
        try {
          const main = (await clusterTool.run(train, LATENT, { ...fixedK, seed })).figures;
          const est = (await clusterTool.run(train, LATENT, { ...estimate, seed })).figures;
          const held = (await clusterTool.run(val, LATENT, { ...fixedK, seed })).figures;
          const known = (await clusterTool.run(val, LATENT, { ...fixedK, classes: '0,1,2,3,4', seed }))
            .figures;
          const n = (k: string, o = main) => o[k] as number;
          f.acc!.push(n('accuracy'));
          f.raw!.push(n('input accuracy'));
          f.nmi!.push(n('NMI'));
          f.rawNmi!.push(n('input NMI'));
          f.ari!.push(n('ARI'));
          f.rawAri!.push(n('input ARI'));
          f.k!.push(n('estimated k', est));
          f.valAcc!.push(n('accuracy', held));
          f.valRaw!.push(n('input accuracy', held));
          f.knownAcc!.push(n('accuracy', known));
          ctx.log(
            `seed ${seed}: novel train rows ${n('rows')}: ACC latent ${n('accuracy').toFixed(4)} vs raw ${n('input accuracy').toFixed(4)} (NMI ${n('NMI').toFixed(3)} vs ${n('input NMI').toFixed(3)}, ARI ${n('ARI').toFixed(3)} vs ${n('input ARI').toFixed(3)}); estimated k ${n('estimated k', est)}; held-out novel ACC ${n('accuracy', held).toFixed(4)} vs raw ${n('input accuracy', held).toFixed(4)}; known-class val clustering ACC ${n('accuracy', known).toFixed(4)}; masked CE ${r.val.terms.ce?.toFixed(3) ?? '?'}; ${r.msPerStep.toFixed(1)} ms/step, ${r.status}`,
          );
        } finally {
          train.dispose();
          val.dispose();
        }
      });
    }
    const gain = mean(f.acc!) - mean(f.raw!);
    const kOk = f.k!.every((k) => K_OK.includes(k));
    const cpu = process.cpuUsage(cpu0);
    return {
      pass: gain >= MIN_GAIN && kOk,
      figures: {
        backend,
        seeds: seeds.join(', '),
        'novel ACC latent (k-means++, k = 5)': summary(f.acc!),
        'novel ACC raw standardised': summary(f.raw!),
        'gain (points)': (gain * 100).toFixed(2),
        'novel NMI latent / raw': `${mean(f.nmi!).toFixed(4)} / ${mean(f.rawNmi!).toFixed(4)}`,
        'novel ARI latent / raw': `${mean(f.ari!).toFixed(4)} / ${mean(f.rawAri!).toFixed(4)}`,
        'silhouette-estimated k per seed': f.k!.join(', '),
        'held-out novel ACC latent / raw': `${mean(f.valAcc!).toFixed(4)} / ${mean(f.valRaw!).toFixed(4)}`,
        'known-class val clustering ACC latent': summary(f.knownAcc!),
        'wall s': ((performance.now() - t0) / 1000).toFixed(1),
        'CPU s (user + system)': ((cpu.user + cpu.system) / 1e6).toFixed(1),
      },
    };
  },
});
