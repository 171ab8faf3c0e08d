// Paper P32 (Boopathy, Yue, Hwang, Iyer, Fiete, "Towards Exact Computation of Inductive Bias",
// IJCAI 2024, arXiv 2406.15941): the bits a hypothesis space needs beyond the training data to reach
// test error ε grow with the task's input dimension. For d ∈ {2, 4, 8, 16}: the template with input
// [d] and sinRidge(d) (y = sin(⟨w*, x⟩), ‖w*‖ = 2, so Var(y) is the same for every d), 100 training
// and 500 test rows; the hypothesis space is linear readouts on the template's 512 frozen random ReLU
// features φ = ReLU(xW + b), W ~ N(0, 2/d), b ~ N(0, 1) (seed 1: nothing is trained); the
// `inductiveBias` tool samples K = 400 interpolating hypotheses (w₀ ~ N(0, I/M), min-norm step to the
// training set), fits their test MSEs above the exact error floor (the best interpolant's test MSE)
// by a·χ′²_k(λ) (three moments) and reads I(ε) at ε = 0.1·Var(y_test) (∞ when ε is below the floor:
// no hypothesis of the space reaches it). Two sampling seeds
// (1, 2) per d on the same data and features. The maths is checked against SciPy values and closed
// forms in src/testing/inductive-bias.test.ts.
import { loadBinding } from '../../core/datasets/binding.ts';
import type { LoadedDataset, Split } from '../../core/datasets/dataset-def.ts';
import type { GraphDoc } from '../../core/doc/schema.ts';
import { resolveParams } from '../../core/params.ts';
import { createRng } from '../../core/rng.ts';
import { analysisContext } from '../../explain/context.ts';
import { inductiveBiasTool } from '../../explain/inductive-bias-tool.ts';
import { build, withModel } from './_kan-shared.ts';
import { defineExperiment } from './experiment.ts';

const DIMS = [2, 4, 8, 16];
const SAMPLING_SEEDS = [1, 2];
const DEFAULT_RUN = { dataSeeds: [1] };
const FULL_RUN = { dataSeeds: [1, 2, 3] };
/** Spec bars: two sampling seeds within 10 % relative; fitted mean and variance within 5 %. */
const MAX_SEED_GAP = 0.1;
const MAX_FIT_ERROR = 0.05;
type Params = Parameters<typeof inductiveBiasTool.run>[2];

/** The training rows followed by the test rows, as one split (the tool's first `trainRows` are D). */
const concatSplits = (a: Split, b: Split): Split => ({
  x: Float32Array.from([...a.x, ...b.x]),
  y: Float32Array.from([...(a.y as Float32Array), ...(b.y as Float32Array)]),
  count: a.count + b.count,
});

const withDim = (text: string, d: number): GraphDoc => {
  const doc = JSON.parse(text) as GraphDoc;
  const input = doc.nodes.input;
  const ds = doc.training?.dataset;
  if (!input || !ds || typeof ds !== 'object' || !('params' in ds))
    throw new Error('inductive-bias-meter: template lacks the input node or dataset params');
  input.params = { ...input.params, shape: [d] };
  (ds as { params: Record<string, unknown> }).params = { ...ds.params, d };
  return doc;
};

export default defineExperiment({
  templateId: 'inductive-bias-meter',
  claim:
    'Higher-dimensional tasks require more inductive bias (bits) relative to the same hypothesis space: random-ReLU-feature readouts need more information beyond 100 training rows to reach test error ε on y = sin(⟨w*, x⟩) as d grows.',
  criterion: `sinRidge(d), d ∈ {${DIMS.join(', ')}}, 100 training / 500 test rows, 512 frozen random ReLU features ReLU(xW + b), K = 400 interpolating hypotheses, ε = 0.1·Var(y_test), data/feature seed 1; sampling seeds ${SAMPLING_SEEDS.join(' and ')}. PASS when I(ε) is strictly increasing in d for each sampling seed, the two sampling seeds agree within ${MAX_SEED_GAP * 100} % relative (|I₁ − I₂| / mean) at every d, and the fitted law's mean and variance are within ${MAX_FIT_ERROR * 100} % of the sampled errors' at every d and seed.`,
  fullBudget: `data/feature seeds ${FULL_RUN.dataSeeds.join(', ')}, each judged as the default run.`,
  async run(ctx) {
    const { dataSeeds } = ctx.budget === 'full' ? FULL_RUN : DEFAULT_RUN;
    const backend = await ctx.prepareBackend();
    ctx.log(`backend ${backend}`);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const base = resolveParams(inductiveBiasTool.params, { trainRows: 100, hypotheses: 400, epsilon: 0.1 })
      .values as Params;
    const figures: Record<string, number | string> = { backend };
    let pass = true;
    for (const dataSeed of dataSeeds) {
      const bits: number[][] = SAMPLING_SEEDS.map(() => []);
      const gaps: number[] = [];
      let worstFit = 0;
      for (const d of DIMS) {
        await withModel(build(withDim(ctx.templateText, d), ctx.registry, dataSeed), async (b) => {
          const data = await loadBinding(b.training.dataset, createRng(dataSeed), ctx.io);
          const all: LoadedDataset = { ...data, val: concatSplits(data.train, data.val) };
          const c = analysisContext(b.compiled, all, { classes: 'predicted' });
          try {
            const runs = [];
            for (const [i, seed] of SAMPLING_SEEDS.entries()) {
              const f = (await inductiveBiasTool.run(c, 'features', { ...base, seed })).figures as Record<
                string,
                number | string
              >;
              runs.push(f);
              bits[i]!.push(f.bits as number);
              worstFit = Math.max(
                worstFit,
                f['fit mean rel. error'] as number,
                f['fit variance rel. error'] as number,
              );
            }
            const [a, z] = [runs[0]!, runs[1]!];
            const ia = a.bits as number;
            const iz = z.bits as number;
            // Equal values (both ∞: ε below the floor, which does not depend on the sampling seed) agree.
            gaps.push(ia === iz ? 0 : Math.abs(ia - iz) / ((ia + iz) / 2));
            const n = (k: string, o = a) => Number(o[k]).toPrecision(4);
            ctx.log(
              `data seed ${dataSeed}, d = ${d}: I(ε) ${ia.toFixed(3)} / ${iz.toFixed(3)} bits (sampling seeds ${SAMPLING_SEEDS.join(' / ')}); test MSE mean ${n('mean error')}, floor ${n('error floor (best interpolant)')} (rank B ${a['free test directions rank(B)']}), sd ${Math.sqrt(Number(a['error variance'])).toPrecision(3)}, min ${n('min error')}, min-norm interpolant ${n('min-norm interpolant error')}; ε ${n('ε')} (Var y ${n('Var(y test)')}); fit a ${n('a')} k ${n('k')} λ ${n('λ')} (${a['fit method']}; μ₃/SE ${n('μ3 / its standard error')} / ${n('μ3 / its standard error', z)}; two-moment fit for comparison ${n('bits (two-moment fit, λ = 0; comparison)')} / ${n('bits (two-moment fit, λ = 0; comparison)', z)} bits); sampled fraction ≤ ε ${n('fraction ≤ ε (sampled)')}; max train MSE/Var ${n('max train MSE / Var(y)')}; ${n('ms')} ms`,
            );
          } finally {
            c.dispose();
          }
        });
      }
      const increasing = bits.every((row) => row.every((v, i) => i === 0 || v > row[i - 1]!));
      const agree = gaps.every((g) => g <= MAX_SEED_GAP);
      const fitOk = worstFit <= MAX_FIT_ERROR;
      pass &&= increasing && agree && fitOk;
      const tag = dataSeeds.length > 1 ? ` (data seed ${dataSeed})` : '';
      for (const [i, seed] of SAMPLING_SEEDS.entries())
        figures[`I(ε) bits, d = ${DIMS.join('/')}, sampling seed ${seed}${tag}`] = bits[i]!.map((v) =>
          v.toFixed(3),
        ).join(', ');
      figures[`strictly increasing in d${tag}`] = increasing ? 'yes' : 'no';
      figures[`sampling-seed gap |I₁ − I₂|/mean per d${tag}`] = gaps.map((g) => g.toFixed(4)).join(', ');
      figures[`worst fitted mean/variance rel. error${tag}`] = worstFit.toExponential(2);
    }
    const cpu = process.cpuUsage(cpu0);
    figures['wall s'] = ((performance.now() - t0) / 1000).toFixed(1);
    figures['CPU s (user + system)'] = ((cpu.user + cpu.system) / 1e6).toFixed(1);
    return { pass, figures };
  },
});
