// Paper P23 (Ghasemlou 2026, arXiv 2602.11726, "Dopamine: Brain Modes, Not Brains" — TauGate): the
// template's MLP 784-128-128-10 pretrained on a 50/50 mixture of 0° and 45° MNIST with its TauGates
// bypassed (plain ReLU), then every weight frozen and only the per-neuron thresholds τ and gains
// γ = exp(ρ) of both TauGates (512 params) trained on 45° digits. Both phases are the document's
// own, run by train(): the 'adapt' phase loads its own dataset binding. Compared on the 45° test
// digits: the frozen model (gates bypassed, the weights as the 'adapt' phase finds them) vs TauGate
// with its soft training gate and with the gate hardened to 1[z > τ] (a runtime override, no rebuild).
import * as tf from '@tensorflow/tfjs';
import { type AnyBinding, loadBinding } from '../../core/datasets/binding.ts';
import type { DatasetIO, LoadedDataset } from '../../core/datasets/dataset-def.ts';
import type { GraphDoc } from '../../core/doc/schema.ts';
import type { Registry } from '../../core/registry.ts';
import { createRng } from '../../core/rng.ts';
import { evaluate, toTensors, train } from '../loop.ts';
import { type Built, build, mean, summary, withModel } from './_kan-shared.ts';
import { defineExperiment } from './experiment.ts';

/** The spec's miniature: 3 + 3 epochs (the template's phases), seeds 1–3. */
const DEFAULT_RUN = { seeds: [1, 2, 3] };
/** `--budget full`: five seeds, the same phases. */
const FULL_RUN = { seeds: [1, 2, 3, 4, 5] };
/** The spec's bars. */
const MIN_GAIN = 0.005;
const MAX_HARD_SOFT = 0.01;
/** LoRA r = 4 on both hidden Denses (the spec's baseline count, not trained here): r·(in + out) each. */
const LORA_RANK = 4;
const LORA_ALPHA = 8;
const LORA_PARAMS = LORA_RANK * (784 + 128) + LORA_RANK * (128 + 128);
export const GATES = ['gate1', 'gate2'] as const;
export const BASE = ['dense1', 'dense2', 'logits'] as const;

/** Accuracy of the current model on a split (its runtime params as they are now). */
async function accuracyOn(b: Built, registry: Registry, data: LoadedDataset): Promise<number> {
  const t = toTensors(data, 'val');
  try {
    return (await evaluate(b.compiled, registry, t)).metrics.accuracy!;
  } finally {
    t.dispose();
  }
}

/** Runs `f` with the runtime params of both gates set to `values`, then puts the graph's back. */
export async function withGates<R>(
  b: Built,
  values: Readonly<Record<string, unknown>>,
  f: () => Promise<R>,
): Promise<R> {
  for (const id of GATES) b.compiled.setRuntimeParams(id, values);
  try {
    return await f();
  } finally {
    for (const id of GATES) b.compiled.resetRuntimeParams(id);
  }
}

/**
 * Per gate, the fraction of units whose mean soft gate σ(s·(z − τ)) over the split exceeds 0.5
 * (strongly active units), from the gate's input z and its learnt τ.
 */
export function activeFraction(b: Built, data: LoadedDataset, sharpness: number): Record<string, number> {
  return tf.tidy(() => {
    const x = tf.tensor(data.val.x, [data.val.count, ...data.binding.featureShape]);
    const outs = b.compiled.run({ input: x }, { training: false });
    const out: Record<string, number> = {};
    GATES.forEach((id, i) => {
      const z = outs.get(`dense${i + 1}`)!;
      const tau = b.compiled.weights([id])[0]!.read();
      const g = tf.mean(tf.sigmoid(tf.mul(tf.sub(z, tau), sharpness)), 0);
      out[id] = tf.mean(tf.cast(tf.greater(g, 0.5), 'float32')).dataSync()[0]!;
    });
    return out;
  });
}

export interface TauGateRun {
  readonly frozen: number;
  readonly softAtStart: number;
  readonly soft: number;
  readonly hard: number;
  readonly gateParams: number;
  readonly active: Record<string, number>;
  readonly ms: number;
  readonly status: string;
}

/** Both phases of the document through train(); the frozen model's and the start's accuracies on the 45° test. */
async function runPhases(
  b: Built,
  registry: Registry,
  io: DatasetIO,
  seed: number,
  opts: { maxBatchesPerEpoch?: number },
): Promise<{ rotated: LoadedDataset; frozen: number; atStart: number; ms: number; status: string }> {
  const training = b.training;
  const load = (spec: AnyBinding) => loadBinding(spec, createRng(seed), io);
  const mixture = await load(training.dataset);
  const adaptSpec = training.phases.find((p) => p.name === 'adapt')?.data?.dataset;
  if (!adaptSpec) throw new Error("the template's 'adapt' phase needs its own dataset (the rotated digits)");
  const rotated = await load(adaptSpec);
  let frozen = Number.NaN;
  let atStart = Number.NaN;
  const r = await train(b.compiled, registry, mixture, training, {
    seed,
    validate: false,
    ...(opts.maxBatchesPerEpoch ? { maxBatchesPerEpoch: opts.maxBatchesPerEpoch } : {}),
    loadDataset: async () => rotated,
    onPhase: async (p) => {
      if (p.phase !== 'adapt') return;
      // The pretrained weights, before anything adapts: the frozen model is the bypassed (ReLU) net.
      frozen = await withGates(b, { mode: 'bypass' }, () => accuracyOn(b, registry, rotated));
      atStart = await accuracyOn(b, registry, rotated);
    },
  });
  return { rotated, frozen, atStart, ms: r.ms, status: r.status };
}

const groupSize = (b: Built, group: string) => b.compiled.variables([group]).reduce((s, v) => s + v.size, 0);

/** Both phases of the template through train(); accuracies on the 'adapt' phase's (45°) test split. */
export async function runTauGate(
  b: Built,
  registry: Registry,
  io: DatasetIO,
  seed: number,
  opts: { maxBatchesPerEpoch?: number } = {},
): Promise<TauGateRun> {
  const { rotated, frozen, atStart, ms, status } = await runPhases(b, registry, io, seed, opts);
  const soft = await accuracyOn(b, registry, rotated);
  const hard = await withGates(b, { hard: true }, () => accuracyOn(b, registry, rotated));
  const op = b.compiled.ir.nodes.find((n) => n.id === 'gate1')?.op;
  const sharpness = op?.kind === 'kernel' ? Number(op.config.sharpness) : 10;
  return {
    frozen,
    softAtStart: atStart,
    soft,
    hard,
    gateParams: groupSize(b, 'gates'),
    active: activeFraction(b, rotated, sharpness),
    ms,
    status,
  };
}

/**
 * The LoRA baseline: the template with a low-rank adapter (group 'lora') added to each hidden
 * Dense's pre-activation, the gates bypassed in both phases, and the 'adapt' phase training only
 * the adapters (Adam at the gates' rate).
 */
export function loraVariant(templateText: string, rank = LORA_RANK, alpha = LORA_ALPHA): GraphDoc {
  const doc = JSON.parse(templateText) as GraphDoc;
  const edge = (from: string, to: string, port = 'x') => ({
    from: { node: from, port: 'y' },
    to: { node: to, port },
  });
  const sources: Record<string, string> = { 1: 'input', 2: 'gate1' };
  for (const k of [1, 2]) {
    doc.nodes[`lora${k}`] = {
      type: 'peft.lowRankAdapter',
      v: 1,
      params: { units: 128, rank, alpha },
      label: `LoRA ${k} (A, B)`,
      group: 'lora',
    };
    doc.nodes[`sum${k}`] = { type: 'layers.add', v: 1, params: {}, label: `z${k} + LoRA ${k}` };
    const into = Object.entries(doc.edges).find(([, e]) => e.from.node === `dense${k}`)!;
    delete doc.edges[into[0]];
    doc.edges[`lora${k}In`] = edge(sources[k]!, `lora${k}`);
    doc.edges[`sum${k}Dense`] = edge(`dense${k}`, `sum${k}`, 'x1');
    doc.edges[`sum${k}Lora`] = edge(`lora${k}`, `sum${k}`, 'x2');
    doc.edges[`sum${k}Out`] = edge(`sum${k}`, `gate${k}`);
  }
  const bypass = Object.fromEntries(GATES.map((id) => [id, { mode: 'bypass' }]));
  for (const phase of doc.training!.phases!) {
    phase.overrides = bypass;
    if (phase.name === 'adapt') {
      phase.groups = ['lora'];
      phase.optimizers = phase.optimizers!.map((g) => ({ ...g, id: 'lora', groups: ['lora'] }));
    }
  }
  return doc;
}

/** The LoRA arm: both phases, then the 45° test accuracy with the adapters (gates bypassed). */
export async function runLora(
  b: Built,
  registry: Registry,
  io: DatasetIO,
  seed: number,
  opts: { maxBatchesPerEpoch?: number } = {},
): Promise<{ frozen: number; acc: number; params: number; ms: number; status: string }> {
  const { rotated, frozen, ms, status } = await runPhases(b, registry, io, seed, opts);
  const acc = await withGates(b, { mode: 'bypass' }, () => accuracyOn(b, registry, rotated));
  return { frozen, acc, params: groupSize(b, 'lora'), ms, status };
}

export default defineExperiment({
  templateId: 'taugate-mode-specialization',
  claim:
    'Activation-space PEFT — a learnt threshold and gain per neuron on a frozen network, 512 parameters — improves the rotated "mode" over the frozen foundation with far fewer parameters than LoRA, and its soft training gate can be hardened at inference without losing accuracy.',
  criterion: `MNIST 5000 train / 1000 test (flat); MLP 784-128-128-10 pretrained 3 epochs (Adam 1e-3, batch 128) on a 50/50 mixture of 0° and 45° digits with the gates bypassed, then only τ, ρ of both TauGates trained 3 epochs (Adam 1e-2, batch 128) on 45° digits; seeds ${DEFAULT_RUN.seeds.join(', ')}. On the 45° test digits: mean acc(TauGate, hard) ≥ mean acc(frozen) + ${MIN_GAIN * 100} points; |mean acc(hard) − mean acc(soft)| ≤ ${MAX_HARD_SOFT * 100} point; trainable TauGate params (measured) < LoRA r=${LORA_RANK} on both hidden Denses (measured; ${LORA_PARAMS}). Reported, not asserted: LoRA (α ${LORA_ALPHA}, adapters only, Adam 1e-2, the same epochs) vs TauGate, and the fraction of units whose mean gate exceeds 0.5.`,
  fullBudget: `seeds ${FULL_RUN.seeds.join(', ')} (five instead of three); the same data, phases and criterion.`,
  async run(ctx) {
    const { seeds } = ctx.budget === 'full' ? FULL_RUN : DEFAULT_RUN;
    const backend = await ctx.prepareBackend();
    ctx.log(`backend ${backend}`);
    const acc = { frozen: [] as number[], start: [] as number[], soft: [] as number[], hard: [] as number[] };
    const lora = { frozen: [] as number[], acc: [] as number[] };
    const active: number[][] = [[], []];
    let gateParams = 0;
    let loraParams = 0;
    let ms = 0;
    const loraDoc = loraVariant(ctx.templateText);
    for (const seed of seeds) {
      await withModel(build(ctx.templateText, ctx.registry, seed), async (b) => {
        const r = await runTauGate(b, ctx.registry, ctx.io, seed);
        acc.frozen.push(r.frozen);
        acc.start.push(r.softAtStart);
        acc.soft.push(r.soft);
        acc.hard.push(r.hard);
        active[0]!.push(r.active.gate1!);
        active[1]!.push(r.active.gate2!);
        gateParams = r.gateParams;
        ms += r.ms;
        ctx.log(
          `seed ${seed} TauGate: 45° test acc frozen ${r.frozen.toFixed(4)}, soft at adapt start ${r.softAtStart.toFixed(4)}, soft ${r.soft.toFixed(4)}, hard ${r.hard.toFixed(4)}; units with mean gate > 0.5: ${(r.active.gate1! * 100).toFixed(1)} % / ${(r.active.gate2! * 100).toFixed(1)} %; ${(r.ms / 1000).toFixed(1)} s, ${r.status}`,
        );
      });
      await withModel(build(loraDoc, ctx.registry, seed), async (b) => {
        const r = await runLora(b, ctx.registry, ctx.io, seed);
        lora.frozen.push(r.frozen);
        lora.acc.push(r.acc);
        loraParams = r.params;
        ms += r.ms;
        ctx.log(
          `seed ${seed} LoRA r=${LORA_RANK}: 45° test acc frozen ${r.frozen.toFixed(4)}, adapted ${r.acc.toFixed(4)}; ${(r.ms / 1000).toFixed(1)} s, ${r.status}`,
        );
      });
    }
    const gain = mean(acc.hard) - mean(acc.frozen);
    const hardSoft = mean(acc.hard) - mean(acc.soft);
    const pass = gain >= MIN_GAIN && Math.abs(hardSoft) <= MAX_HARD_SOFT && gateParams < loraParams;
    return {
      pass,
      figures: {
        backend,
        seeds: seeds.join(', '),
        '45° test acc frozen': summary(acc.frozen),
        '45° test acc TauGate soft at adapt start (τ = 0, γ = 1)': summary(acc.start),
        '45° test acc TauGate soft': summary(acc.soft),
        '45° test acc TauGate hard': summary(acc.hard),
        'hard − frozen (points)': (gain * 100).toFixed(2),
        'hard − soft (points)': (hardSoft * 100).toFixed(2),
        [`45° test acc LoRA r=${LORA_RANK} (report only)`]: summary(lora.acc),
        "45° test acc frozen, LoRA arm's own pretraining": summary(lora.frozen),
        'LoRA − TauGate hard (points, report only)': ((mean(lora.acc) - mean(acc.hard)) * 100).toFixed(2),
        'trainable params TauGate (measured)': gateParams,
        [`trainable params LoRA r=${LORA_RANK} on both hidden Denses (measured; r·(in+out) = ${LORA_PARAMS})`]:
          loraParams,
        'units with mean gate > 0.5, gate 1': summary(active[0]!, 3),
        'units with mean gate > 0.5, gate 2': summary(active[1]!, 3),
        'train s (both arms, both phases, all seeds)': (ms / 1000).toFixed(1),
      },
    };
  },
});
