import { reject } from '../../src/core/diagnostics.ts';
import { defineNode } from '../../src/core/node-def.ts';
import type { Ops } from '../../src/core/ops.ts';
import { p } from '../../src/core/params.ts';
import { tensor } from '../../src/core/tensor-type.ts';
import { NOPROP_PAPER } from './_schedule.ts';

/** Row-major C×d matrix whose row c is the one-hot e_c (zero rows past d): orthonormal when d ≥ C. */
export function oneHotRows(classes: number, dim: number): number[] {
  const out = new Array<number>(classes * dim).fill(0);
  for (let c = 0; c < Math.min(classes, dim); c++) out[c * dim + c] = 1;
  return out;
}

/** The [B, C, d] table from the C×d matrix w, repeated along the batch of x (x only gives B). */
export function tableFor<T>(ops: Ops<T>, w: T, x: T, classes: number, dim: number): T {
  const axes = ops
    .shape(x)
    .map((_, i) => i)
    .slice(1);
  const zeros = ops.mul(ops.scalar(0), ops.reshape(ops.mean(ops.clip(x, -1, 1), axes), [-1, 1, 1]));
  return ops.add(ops.reshape(w, [1, classes, dim]), zeros);
}

export default defineNode({
  type: 'noprop.classEmbedding',
  version: 1,
  kind: 'layer',
  title: 'Class embedding (NoProp)',
  docs: {
    summary:
      'NoProp’s class-embedding matrix W_emb (one d-dim row u_c per class), shared by every denoising block, latent and nopropKL loss. Its output is the matrix repeated along the batch of x (x only sets the batch size). Initialised to one-hot rows (orthonormal for d ≥ C); learned when `learned` is on, fixed one-hot otherwise.',
    formula:
      'W_emb = E + V  (E_{c,j} = [c = j], V learned, init 0);  table[b] = W_emb ∈ R^{C×d};  u_y = W_emb[y]',
    paper: NOPROP_PAPER,
  },
  params: {
    numClasses: p.int({ default: 10, min: 2, max: 1000, doc: 'Number of classes C.' }),
    dim: p.int({
      default: 10,
      min: 1,
      max: 1024,
      doc: 'Embedding dimension d (≥ C keeps the rows orthonormal at init).',
    }),
    learned: p.bool({ default: true, doc: 'Train W_emb (on) or keep the one-hot rows fixed (off).' }),
  },
  inputs: { x: { doc: 'Any tensor [B, …] (the features): only its batch size is used.' } },
  outputs: { table: { doc: '[B, C, d]: W_emb for every sample of the batch.' } },
  infer({ inputs, params }) {
    if (inputs.x!.shape.length < 2)
      reject('shape/rank-mismatch', 'x must have a batch axis and at least one feature axis.', { port: 'x' });
    return { table: tensor([null, params.numClasses, params.dim]) };
  },
  paramCount: ({ params }) => (params.learned ? params.numClasses * params.dim : 0),
  lower: ({ params }) => ({
    kind: 'kernel',
    config: { numClasses: params.numClasses, dim: params.dim, learned: params.learned },
  }),
  kernel: {
    weights: (params) =>
      params.learned ? [{ name: 'offset', shape: [params.numClasses, params.dim], init: 'zeros' }] : [],
    call(ops, [x], w, params) {
      const eye = ops.constant(oneHotRows(params.numClasses, params.dim), [params.numClasses, params.dim]);
      const matrix = params.learned ? ops.add(eye, w.offset!) : eye;
      return tableFor(ops, matrix, x!, params.numClasses, params.dim);
    },
  },
  examples: [
    { inputs: { x: { shape: [3, 5] } }, params: { numClasses: 4, dim: 6 } },
    { inputs: { x: { shape: [2, 4, 4, 1] } }, params: { numClasses: 3, dim: 3, learned: false } },
  ],
});
