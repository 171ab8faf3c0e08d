// Paper P4 (Sun et al. 2024, arXiv 2405.12954, EAFO → CRReLU): the template's depth-8 width-16 MLP
// on 2-arm spirals, its eight activation nodes swept over {ReLU, GELU, CRReLU} under identical
// seeds (same data, same init of the dense layers, same batch order). Also reads back CRReLU's
// learned ε per layer to check that it moves off its init 0.01.
import { findDataset } from '../../core/datasets/index.ts';
import { resolveParams } from '../../core/params.ts';
import { createRng } from '../../core/rng.ts';
import { nodeWeight, swapNodeType, trainArm } from './_activation-sweep.ts';
import { build, mean, summary, withModel } from './_kan-shared.ts';
import { defineExperiment } from './experiment.ts';

/** The spec's winding: 3 turns (harder than the generator's default 1.5). */
const TURNS = 3;
/**
 * Noise sd 0.05, not the spec's 0.1: our arms reach radius 1, so at 3 turns they lie 1/6 apart and
 * σ = 0.1 caps the Bayes accuracy near 0.63 (every arm then sits at 0.54–0.57); σ = 0.05 keeps the
 * spec's noise-to-spacing ratio of 1.5 turns at σ = 0.1 (ceiling ≈ 0.89).
 */
const NOISE = 0.05;
const SEEDS = [1, 2, 3];
const EPOCHS = 100;
/** Tie tolerance: seed-to-seed sd of val acc is ≈ 1 pp for every arm. */
const TIE = 0.01;
const CRRELU = 'activations.crrelu';
const ARMS = [
  { name: 'ReLU', type: 'activations.relu' },
  { name: 'GELU', type: 'activations.gelu' },
  { name: 'CRReLU', type: CRRELU },
] as const;

export default defineExperiment({
  templateId: 'crrelu-vs-relu',
  claim:
    'CRReLU (ReLU + learnable ε·x·exp(−x²/2)) matches or beats ReLU and GELU in a deep narrow MLP, and its ε is actually learned.',
  criterion: `On ${TURNS}-turn spirals, noise ${NOISE} (1000 train / 1000 val), depth 8 width 16, Adam 3e-3, ${EPOCHS} epochs, seeds ${SEEDS.join(', ')}: mean val acc(CRReLU) ≥ mean acc(ReLU) − 1 pp and ≥ mean acc(GELU) − 1 pp; every seed's mean |ε − 0.01| over the 8 CRReLU layers > 1e-3.`,
  async run(ctx) {
    const backend = await ctx.prepareBackend();
    ctx.log(`backend ${backend}`);
    const spirals = findDataset('spirals')!;
    const acc: Record<string, number[]> = Object.fromEntries(ARMS.map((a) => [a.name, []]));
    const epsShift: number[] = [];
    const epsRange: string[] = [];
    let params = 0;
    for (const seed of SEEDS) {
      const values = resolveParams(spirals.params, {
        samplesPerClass: 1000,
        noise: NOISE,
        turns: TURNS,
        valFraction: 0.5,
      }).values;
      const data = await spirals.load(values, createRng(seed), ctx.io);
      for (const arm of ARMS) {
        const doc =
          arm.type === CRRELU ? ctx.templateText : swapNodeType(ctx.templateText, CRRELU, { type: arm.type });
        await withModel(build(doc, ctx.registry, seed), async (b) => {
          const r = await trainArm(b, ctx.registry, data, { epochs: EPOCHS, seed });
          acc[arm.name]!.push(r.valAcc);
          let extra = '';
          if (arm.type === CRRELU) {
            params = b.params;
            const eps = Array.from({ length: 8 }, (_, i) => nodeWeight(b, `act${i + 1}`)[0]!);
            epsShift.push(mean(eps.map((e) => Math.abs(e - 0.01))));
            epsRange.push(`[${Math.min(...eps).toFixed(4)}, ${Math.max(...eps).toFixed(4)}]`);
            extra = `, ε range ${epsRange.at(-1)}`;
          }
          ctx.log(
            `seed ${seed} ${arm.name}: val acc ${r.valAcc.toFixed(4)}, final train loss ${r.epochLoss.at(-1)!.toFixed(4)} (${(r.ms / 1000).toFixed(1)} s, ${r.status})${extra}`,
          );
        });
      }
    }
    const m = (k: string) => mean(acc[k]!);
    const passRelu = m('CRReLU') >= m('ReLU') - TIE;
    const passGelu = m('CRReLU') >= m('GELU') - TIE;
    const passEps = epsShift.every((s) => s > 1e-3);
    return {
      pass: passRelu && passGelu && passEps,
      figures: {
        backend,
        'params (CRReLU template)': params,
        'val acc ReLU': summary(acc.ReLU!),
        'val acc GELU': summary(acc.GELU!),
        'val acc CRReLU': summary(acc.CRReLU!),
        'CRReLU mean |ε − 0.01| over layers': summary(epsShift),
        'CRReLU ε range per seed': epsRange.join(', '),
        checks: `vs ReLU ${passRelu ? 'ok' : 'fail'}, vs GELU ${passGelu ? 'ok' : 'fail'}, ε learned ${passEps ? 'ok' : 'fail'}`,
      },
    };
  },
});
