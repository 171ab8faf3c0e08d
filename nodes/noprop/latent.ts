import { reject } from '../../src/core/diagnostics.ts';
import { defineNode } from '../../src/core/node-def.ts';
import type { Ops } from '../../src/core/ops.ts';
import { p } from '../../src/core/params.ts';
import { formatShape, type TensorType, tensor } from '../../src/core/tensor-type.ts';
import { alphaBar, chainStep, NOPROP_PAPER } from './_schedule.ts';

/** Σ_c w[b, c]·table[b, c, :] — a batch of weights over classes times the class-embedding table. */
export function mixRows<T>(ops: Ops<T>, weights: T, table: T): T {
  return ops.sum(ops.mul(ops.reshape(weights, [...ops.shape(weights), 1]), table), [1]);
}

/** u_y: each sample's row of the [B, C, d] table, for class indices [B] or [B, 1]. */
export function labelRows<T>(ops: Ops<T>, labels: T, table: T): T {
  const classes = ops.shape(table)[1]!;
  return mixRows(ops, ops.oneHot(ops.reshape(labels, [-1]), classes), table);
}

/** What the latent and the nopropKL loss of block t both require: a [B, C, d] table and t ≤ T. */
export function checkBlock(table: TensorType['shape'], t: number, steps: number): void {
  if (table.length !== 3)
    reject('shape/rank-mismatch', `table ${formatShape(table)} must be [B, C, d] (a classEmbedding).`, {
      port: 'table',
    });
  if (t > steps) reject('param/invalid', `t = ${t} is past the last block T = ${steps}.`, { field: 't' });
}

export default defineNode({
  type: 'noprop.latent',
  version: 1,
  kind: 'layer',
  title: 'NoProp latent z_t',
  docs: {
    summary:
      'The noisy label embedding z_t of NoProp-DT. Training: a sample of q(z_t | y) built from the labels (a training-only input), so no block sees another block’s output and each learns locally. Inference: one step of the denoising chain from block t’s prediction û_t and z_{t−1} (t = 0 starts from noise); the labels are not read. stochastic off sets every inference ε to 0 (the deterministic chain: reproducible predictions); training always samples.',
    formula:
      'training: z_t = √ᾱ_t·u_y + √(1−ᾱ_t)·ε;  inference: z_0 = ε, z_t = a_t·û_t + b_t·z_{t−1} + √c_t·ε, û_t = p_t·W_emb, a_t = √ᾱ_t(1−α_{t−1})/(1−ᾱ_{t−1}), b_t = √α_{t−1}(1−ᾱ_t)/(1−ᾱ_{t−1}), c_t = (1−ᾱ_t)(1−α_{t−1})/(1−ᾱ_{t−1}), α_{t−1} = ᾱ_{t−1}/ᾱ_t;  ᾱ_t = 1 − f(t)/f(0), f(t) = cos²(((t/T + 0.008)/1.008)·π/2), ε ~ N(0, I)',
    paper: NOPROP_PAPER,
  },
  params: {
    t: p.int({
      default: 0,
      min: 0,
      max: 100,
      doc: 'Step t (0 = the noise the chain starts from, T = the last).',
    }),
    steps: p.int({ default: 10, min: 1, max: 100, doc: 'Number of blocks T.' }),
    stochastic: p.bool({
      default: true,
      doc: 'Inference draws ε ~ N(0, I) (Eq. 3); off: ε = 0, the deterministic chain. Training always samples.',
    }),
  },
  inputs: {
    table: { doc: 'The class embedding [B, C, d] (noprop.classEmbedding).' },
    labels: {
      doc: 'Class indices [B, 1] (a training-only Input with source labels); read only while training.',
      trainingOnly: true,
    },
    probs: { doc: 'Block t’s class probabilities p_t [B, C] (t ≥ 1; inference only).', optional: true },
    z: { doc: 'z_{t−1} [B, d], the previous latent (t ≥ 1; inference only).', optional: true },
  },
  outputs: { z: { doc: 'z_t [B, d].' } },
  infer({ inputs, params }) {
    const table = inputs.table!.shape;
    checkBlock(table, params.t, params.steps);
    const [, classes, dim] = table;
    const chained = inputs.probs !== undefined || inputs.z !== undefined;
    if (params.t === 0 && chained)
      reject('param/invalid', 'z_0 is pure noise: leave probs and z unconnected at t = 0.', { field: 't' });
    if (params.t > 0 && (inputs.probs === undefined || inputs.z === undefined))
      reject(
        'graph/missing-input',
        `At t = ${params.t} the chain needs block t’s probs and z_{t−1}: connect both (only t = 0 has neither).`,
        { port: inputs.probs === undefined ? 'probs' : 'z' },
      );
    if (inputs.probs && inputs.probs.shape[1] !== classes)
      reject('shape/rank-mismatch', `probs ${formatShape(inputs.probs.shape)} must be [B, ${classes}].`, {
        port: 'probs',
      });
    if (inputs.z && inputs.z.shape[1] !== dim)
      reject('shape/rank-mismatch', `z ${formatShape(inputs.z.shape)} must be [B, ${dim}].`, { port: 'z' });
    return { z: tensor([null, dim!]) };
  },
  paramCount: () => 0,
  lower: ({ params }) => ({
    kind: 'kernel',
    config: { t: params.t, steps: params.steps, stochastic: params.stochastic },
  }),
  kernel: {
    call(ops, [table, labels, probs, zPrev], _w, params, ctx) {
      const [batch, , dim] = ops.shape(table!);
      // ε ~ N(0, I), or zeros [B, d] (taken from the table, never from the labels) when deterministic.
      const noise = () =>
        params.stochastic ? ops.randomNormal([batch!, dim!]) : ops.mul(ops.scalar(0), ops.sum(table!, [1]));
      if (ctx.training) {
        // Training always samples q(z_t | y): the noise is the method, whatever `stochastic` says.
        const ab = alphaBar(params.t, params.steps);
        return ops.add(
          ops.mul(ops.scalar(Math.sqrt(ab)), labelRows(ops, labels!, table!)),
          ops.mul(ops.scalar(Math.sqrt(1 - ab)), ops.randomNormal([batch!, dim!])),
        );
      }
      if (params.t === 0) return noise();
      const { a, b, c } = chainStep(params.t, params.steps);
      const mean = ops.add(
        ops.mul(ops.scalar(a), mixRows(ops, probs!, table!)),
        ops.mul(ops.scalar(b), zPrev!),
      );
      return params.stochastic ? ops.add(mean, ops.mul(ops.scalar(Math.sqrt(c)), noise())) : mean;
    },
  },
  examples: [
    {
      inputs: { table: { shape: [3, 4, 5] }, labels: { shape: [3, 1], dtype: 'int32', range: [0, 4] } },
      params: { t: 0, steps: 4, stochastic: false },
    },
    {
      inputs: {
        table: { shape: [3, 4, 5] },
        labels: { shape: [3, 1], dtype: 'int32', range: [0, 4] },
        probs: { shape: [3, 4], range: [0, 1] },
        z: { shape: [3, 5] },
      },
      params: { t: 2, steps: 4, stochastic: false },
    },
  ],
});
