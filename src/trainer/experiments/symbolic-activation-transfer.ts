// Paper P27 (Hajbi 2026, arXiv 2601.10740, Neuro-Symbolic Activation Discovery). Per seed:
// (1) discovery — a gplearn-style GP symbolic classifier (src/core/expr/search.ts; population 500,
// 5 generations, function set add/sub/mul/sin/cos/abs, log-loss fitness) on a synthetic
// HIGGS-like source task, 8 standardised features, label 1[x0·cos(x1) + 0.5·x2·x3 + noise > 0];
// (2) injection — the found program becomes the activation of the template's light MLP
// (activations.symbolic: every X<i> → x); (3) transfer — on the target task the light MLP with
// ReLU / GELU / SiLU / the discovered formula / the paper's x·cos(x) and a heavy ReLU MLP
// (200-100) are trained under identical seeds, and the val ROC AUC and the parameter-efficiency
// score E_param = AUC / log10(params) are compared.
import * as tf from '@tensorflow/tfjs';
import type { LoadedDataset } from '../../core/datasets/dataset-def.ts';
import { findDataset } from '../../core/datasets/index.ts';
import type { GraphDoc } from '../../core/doc/schema.ts';
import { compileExpr } from '../../core/expr/index.ts';
import { hasXCosXTerm, symbolicClassifier } from '../../core/expr/search.ts';
import { macroAucOvR } from '../../core/metrics/auc.ts';
import { resolveParams } from '../../core/params.ts';
import { createRng, type Rng } from '../../core/rng.ts';
import { swapNodeType, trainArm } from './_activation-sweep.ts';
import { type Built, build, mean, summary, withModel } from './_kan-shared.ts';
import { defineExperiment, type ExperimentContext } from './experiment.ts';

const SEEDS = [1, 2, 3];
const LR = 1e-3;
const BATCH = 128;
/** The spec's tolerances (not calibrated on our runs). */
const AUC_TIE = 0.01;
const EFFICIENCY_RATIO = 1.15;
const SYMBOLIC = 'activations.symbolic';
const GP = { populationSize: 500, generations: 5 } as const;
const SOURCE_ROWS = 1000;
const SOURCE_FEATURES = 8;
const SOURCE_NOISE = 0.5;

/** The target task: a bundled dataset with the split and feature shape the light MLP is given. */
export interface Target {
  readonly name: string;
  readonly label: string;
  readonly params: Record<string, unknown>;
  readonly epochs: number;
}
/**
 * digits8 stands in for covtype-4k (not bundled): 64 tabular features (covtype: 54), so the light
 * and heavy nets have about the paper's parameter counts and log10 ratio (6,954 vs 35,310: 1.18;
 * covtype 1.19), which is what E_param measures. 1440 rows and 33 epochs of batch 128 give ≈ 375
 * optimiser steps, the spec's 15 epochs over 3,200 rows.
 */
export const TARGET: Target = {
  name: 'digits8',
  label: 'digits8 8×8 (64 features, 10 classes, 1440 train / 360 val; one-vs-rest macro AUC)',
  params: {},
  epochs: 33,
};

/** Source task of the spec's miniature: 8 standardised features, an oscillatory decision rule. */
export function sourceTask(rng: Rng): { columns: Float64Array[]; y: Int32Array } {
  const n = SOURCE_ROWS;
  const columns = Array.from({ length: SOURCE_FEATURES }, () => new Float64Array(n));
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    for (const c of columns) c[i] = rng.normal();
    const z =
      columns[0]![i]! * Math.cos(columns[1]![i]!) +
      0.5 * columns[2]![i]! * columns[3]![i]! +
      SOURCE_NOISE * rng.normal();
    y[i] = z > 0 ? 1 : 0;
  }
  // Standardise each feature on the sample (as the paper's pipeline does before gplearn).
  for (const c of columns) {
    const m = c.reduce((a, b) => a + b, 0) / n;
    const s = Math.sqrt(c.reduce((a, b) => a + (b - m) ** 2, 0) / n);
    for (let i = 0; i < n; i++) c[i] = (c[i]! - m) / s;
  }
  return { columns, y };
}

/** Class scores of the `output` node on the val split, then the (one-vs-rest macro) ROC AUC. */
async function valAuc(b: Built, data: LoadedDataset): Promise<number> {
  const { binding, val } = data;
  if (binding.labels.kind !== 'class') throw new Error('the target must be a classification task');
  const input = b.compiled.ir.inputs[0]!;
  const probs = tf.tidy(() => {
    const x = tf.tensor(val.x, [val.count, ...binding.featureShape], 'float32');
    return b.compiled.run({ [input]: x }, { training: false }).get('output')!;
  });
  const scores = await probs.data();
  probs.dispose();
  return macroAucOvR(scores, val.y, binding.labels.numClasses);
}

interface Arm {
  readonly name: string;
  readonly doc: (formula: string) => GraphDoc;
}

function withTraining(doc: GraphDoc, target: Target, data: LoadedDataset): GraphDoc {
  const { binding } = data;
  if (binding.labels.kind !== 'class') throw new Error('the target must be a classification task');
  doc.nodes.input!.params = { shape: [...binding.featureShape] };
  doc.nodes.output!.params = { ...doc.nodes.output!.params, units: binding.labels.numClasses };
  doc.training = {
    ...doc.training!,
    dataset: { name: target.name, params: { ...target.params } },
    optimizer: { type: 'optimizers.adam', params: { learningRate: LR } },
    batchSize: BATCH,
    epochs: target.epochs,
  };
  return doc;
}

const arms = (templateText: string, target: Target, data: LoadedDataset): readonly Arm[] => {
  const light = (type: string, params?: Record<string, unknown>) => () =>
    withTraining(swapNodeType(templateText, SYMBOLIC, { type, ...(params ? { params } : {}) }), target, data);
  return [
    {
      name: 'Heavy ReLU 200-100',
      doc: () => {
        const doc = light('activations.relu')();
        doc.nodes.dense1!.params = { ...doc.nodes.dense1!.params, units: 200 };
        doc.nodes.dense2!.params = { ...doc.nodes.dense2!.params, units: 100 };
        return doc;
      },
    },
    { name: 'Light ReLU', doc: light('activations.relu') },
    { name: 'Light GELU', doc: light('activations.gelu') },
    { name: 'Light SiLU', doc: light('activations.silu') },
    { name: 'Light hybrid (GP formula)', doc: (formula) => light(SYMBOLIC, { formula })() },
    {
      name: 'Light x·cos(x) (paper formula)',
      doc: () => withTraining(JSON.parse(templateText), target, data),
    },
  ];
};
const STANDARD = ['Light ReLU', 'Light GELU', 'Light SiLU'];
const HYBRID = 'Light hybrid (GP formula)';
const HEAVY = 'Heavy ReLU 200-100';

export interface TransferRun {
  readonly auc: Record<string, number[]>;
  readonly eff: Record<string, number[]>;
  readonly params: Record<string, number>;
  readonly formulas: string[];
  readonly xcos: boolean[];
  readonly gpLoss: number[];
}

export async function runTransfer(
  ctx: ExperimentContext,
  target: Target,
  seeds = SEEDS,
): Promise<TransferRun> {
  const def = findDataset(target.name);
  if (!def) throw new Error(`no dataset '${target.name}'`);
  const out: TransferRun = { auc: {}, eff: {}, params: {}, formulas: [], xcos: [], gpLoss: [] };
  for (const seed of seeds) {
    // (1) discovery on the source task (its own stream of the seed)
    const source = sourceTask(createRng(seed * 1000 + 1));
    const gp = symbolicClassifier(source.columns, source.y, createRng(seed), GP);
    const parsed = compileExpr(gp.formula, 'x', [], { inputAlias: /^X[0-9]+$/ });
    out.formulas.push(gp.formula);
    out.xcos.push(hasXCosXTerm(parsed.ast));
    out.gpLoss.push(gp.loss);
    ctx.log(
      `seed ${seed} GP: ${gp.formula} (source log-loss ${gp.loss.toFixed(4)}; best per generation ${gp.generations.map((g) => g.bestLoss.toFixed(3)).join(' → ')})`,
    );
    // (2)+(3) injection and transfer
    const data = await def.load(resolveParams(def.params, target.params).values, createRng(seed), ctx.io);
    for (const arm of arms(ctx.templateText, target, data)) {
      await withModel(build(arm.doc(gp.formula), ctx.registry, seed), async (b) => {
        const r = await trainArm(b, ctx.registry, data, { epochs: target.epochs, seed });
        const auc = await valAuc(b, data);
        const eff = auc / Math.log10(b.params);
        out.params[arm.name] = b.params;
        out.auc[arm.name] = [...(out.auc[arm.name] ?? []), auc];
        out.eff[arm.name] = [...(out.eff[arm.name] ?? []), eff];
        ctx.log(
          `seed ${seed} ${arm.name}: val AUC ${auc.toFixed(4)}, acc ${r.valAcc.toFixed(4)}, E_param ${eff.toFixed(4)}, ${b.params} params, final train loss ${r.epochLoss.at(-1)!.toFixed(4)} (${(r.ms / 1000).toFixed(1)} s, ${r.status})`,
        );
      });
    }
  }
  return out;
}

export default defineExperiment({
  templateId: 'symbolic-activation-transfer',
  claim:
    'A formula found by symbolic regression on a physics-like source task, injected as the activation of a light MLP, makes it competitive with ReLU/GELU/SiLU and far more parameter-efficient (E_param = AUC / log10 params) than a heavy ReLU MLP.',
  criterion: `Per seed (${SEEDS.join(', ')}): GP (population ${GP.populationSize}, ${GP.generations} generations) on the source task, its program injected (X<i> → x) into the light MLP 64-32 (BN, dropout 0.3); on ${TARGET.label}, Adam 1e-3, batch ${BATCH}, ${TARGET.epochs} epochs: mean val AUC(light hybrid) ≥ max mean AUC(light ReLU/GELU/SiLU) − ${AUC_TIE}, and mean E_param(light hybrid) ≥ ${EFFICIENCY_RATIO} × mean E_param(heavy ReLU 200-100).`,
  async run(ctx) {
    const backend = await ctx.prepareBackend();
    ctx.log(`backend ${backend}`);
    const r = await runTransfer(ctx, TARGET);
    const m = (k: string) => mean(r.auc[k]!);
    const bestStd = STANDARD.reduce((a, b) => (m(b) > m(a) ? b : a));
    const passAuc = m(HYBRID) >= m(bestStd) - AUC_TIE;
    const effRatio = mean(r.eff[HYBRID]!) / mean(r.eff[HEAVY]!);
    const passEff = effRatio >= EFFICIENCY_RATIO;
    const figures: Record<string, string | number> = { backend, target: TARGET.label };
    r.formulas.forEach((f, i) => {
      figures[`GP formula seed ${SEEDS[i]}`] =
        `${f} (source log-loss ${r.gpLoss[i]!.toFixed(4)}, x·cos(x)-type term: ${r.xcos[i] ? 'yes' : 'no'})`;
    });
    for (const [name, xs] of Object.entries(r.auc)) figures[`val AUC ${name}`] = summary(xs);
    for (const [name, xs] of Object.entries(r.eff)) figures[`E_param ${name}`] = summary(xs);
    for (const [name, p] of Object.entries(r.params)) figures[`params ${name}`] = p;
    figures['E_param ratio hybrid / heavy'] = effRatio.toFixed(3);
    figures['E_param ratio x·cos(x) / heavy'] = (
      mean(r.eff['Light x·cos(x) (paper formula)']!) / mean(r.eff[HEAVY]!)
    ).toFixed(3);
    figures.checks = `AUC vs best standard (${bestStd}) ${passAuc ? 'ok' : 'fail'} (${(m(HYBRID) - m(bestStd)).toFixed(4)}), efficiency ${passEff ? 'ok' : 'fail'}`;
    return { pass: passAuc && passEff, figures };
  },
});
