import { reject } from '../../src/core/diagnostics.ts';
import { defineNode } from '../../src/core/node-def.ts';
import type { Ops } from '../../src/core/ops.ts';
import type { ParamValues } from '../../src/core/params.ts';
import { p } from '../../src/core/params.ts';
import { createRng } from '../../src/core/rng.ts';
import { formatShape, tensor } from '../../src/core/tensor-type.ts';
import { alphaBarTable, DIFFUSION_FEATURES_PAPER } from './_schedule.ts';

const params = {
  steps: p.int({ default: 100, min: 1, max: 1000, doc: 'Number of noise steps T.' }),
  betaStart: p.float({
    default: 0.001,
    min: 0,
    max: 0.999,
    doc: 'β_1 (guided-diffusion’s linear schedule at T = 100: 1e-4 · 1000/T).',
  }),
  betaEnd: p.float({
    default: 0.2,
    min: 0,
    max: 0.999,
    doc: 'β_T (guided-diffusion’s linear schedule at T = 100: 0.02 · 1000/T).',
  }),
  tMode: p.enum(
    ['random', 'fixed'] as const,
    'random',
    'random: t ~ U{1..T} per example (DDPM training); fixed: every example at step t (feature extraction). Runtime: a phase override switches it.',
    { runtime: true },
  ),
  t: p.int({
    default: 0,
    min: 0,
    max: 1000,
    doc: 'The fixed step t* (0 = the clean image) when tMode is fixed.',
    runtime: true,
  }),
  noise: p.enum(
    ['random', 'fixed'] as const,
    'random',
    'random: fresh ε ~ N(0, I) every call (from the run’s seeded stream); fixed: one ε field drawn from noiseSeed, the same for every example and call (reproducible features). Runtime.',
    { runtime: true },
  ),
  noiseSeed: p.int({
    default: 1,
    min: 0,
    max: 2 ** 31 - 1,
    doc: 'Seed of the fixed ε field (noise fixed).',
    runtime: true,
  }),
};

/** x_t, ε and t [B, 1] (as float) for a batch x_0 [B, …]. */
function qSample<T>(ops: Ops<T>, x0: T, v: ParamValues<typeof params>) {
  const shape = ops.shape(x0);
  const batch = shape[0]!;
  const sample = shape.slice(1);
  const rank = shape.length;
  const table = alphaBarTable(v.steps, v.betaStart, v.betaEnd);
  let steps: T;
  let ab: T;
  if (v.tMode === 'random') {
    // floor(u·T) + 1 ∈ {1, …, T} for u ∈ [0, 1); ᾱ_t gathered per example.
    steps = ops.add(ops.floor(ops.mul(ops.randomUniform([batch]), ops.scalar(v.steps))), ops.scalar(1));
    const column = ops.gather(ops.constant(table, [v.steps + 1]), steps, 0);
    ab = ops.reshape(column, [-1, ...new Array(rank - 1).fill(1)]);
  } else {
    // A zero of shape [B] that follows x0's batch (constants have no batch axis), plus t*.
    steps = ops.add(
      ops.mul(
        ops.scalar(0),
        ops.sum(
          x0,
          sample.map((_, i) => i + 1),
        ),
      ),
      ops.scalar(v.t),
    );
    ab = ops.scalar(table[v.t]!);
  }
  let eps: T;
  if (v.noise === 'random') eps = ops.randomNormal(shape);
  else {
    const rng = createRng(v.noiseSeed);
    const n = sample.reduce((a, b) => a * b, 1);
    const field = ops.constant(
      Array.from({ length: n }, () => rng.normal()),
      [1, ...sample],
    );
    eps = ops.add(ops.mul(ops.scalar(0), x0), field);
  }
  const xt = ops.add(ops.mul(ops.sqrt(ab), x0), ops.mul(ops.sqrt(ops.sub(ops.scalar(1), ab)), eps));
  return { xt, eps, t: ops.reshape(steps, [-1, 1]) };
}

export default defineNode({
  type: 'diffusion.qSample',
  version: 1,
  kind: 'layer',
  title: 'Diffusion q-sample x_t',
  docs: {
    summary:
      'The forward (noising) process of a DDPM: the image x_0 at noise step t, the noise ε it added, and t itself (for a time embedding). Training draws t ~ U{1..T} and ε ~ N(0, I) per example (seeded by the run); a probe phase fixes t = t* and the ε field by runtime overrides, so the frozen network sees the same noisy image every epoch. Three outputs: xt, eps, t.',
    formula:
      'x_t = √ᾱ_t · x_0 + √(1 − ᾱ_t) · ε,  ᾱ_t = Π_{s=1..t} (1 − β_s),  ᾱ_0 = 1,  β_s linear from β_1 to β_T;  t ~ U{1..T} (random) or t = t* (fixed);  ε ~ N(0, I)',
    paper: DIFFUSION_FEATURES_PAPER,
  },
  params,
  inputs: { x0: { doc: 'Clean images [B, …] (scaled to [−1, 1]).' } },
  outputs: {
    xt: { doc: 'x_t, the noisy images (x_0’s shape).' },
    eps: { doc: 'ε, the noise that was added (x_0’s shape): the ε-prediction target.' },
    t: { doc: 't [B, 1] as float32 (0 … T).' },
  },
  infer({ inputs, params: v, nodeId }) {
    const x0 = inputs.x0!;
    if (x0.shape.length < 2)
      reject('shape/rank-mismatch', `x0 ${formatShape(x0.shape)} must be a batch [B, …].`, { port: 'x0' });
    if (v.t > v.steps)
      reject('param/out-of-range', `t = ${v.t} is past the last step T = ${v.steps}.`, {
        field: 't',
        fix: { kind: 'set-param', nodeId, field: 't', value: v.steps },
      });
    if (v.betaEnd < v.betaStart)
      reject('param/invalid', `βend = ${v.betaEnd} is below βstart = ${v.betaStart}: β must not decrease.`, {
        field: 'betaEnd',
      });
    return { xt: tensor(x0.shape), eps: tensor(x0.shape), t: tensor([x0.shape[0] ?? null, 1]) };
  },
  paramCount: () => 0,
  lower: ({ params: v }) => ({ kind: 'kernel', config: { ...v } }),
  kernel: {
    call: (ops, [x0], _w, v) => qSample(ops, x0!, v).xt,
    callPorts: (ops, [x0], _w, v) => qSample(ops, x0!, v),
  },
  examples: [
    { inputs: { x0: { shape: [3, 4, 4, 1] } }, params: { tMode: 'fixed', t: 5, steps: 10, noise: 'fixed' } },
    { inputs: { x0: { shape: [2, 6] } }, params: { tMode: 'fixed', t: 0, noise: 'fixed', noiseSeed: 7 } },
  ],
});
