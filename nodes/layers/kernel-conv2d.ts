import { reject } from '../../src/core/diagnostics.ts';
import { defineNode } from '../../src/core/node-def.ts';
import type { Ops } from '../../src/core/ops.ts';
import { p } from '../../src/core/params.ts';
import { formatShape, tensor } from '../../src/core/tensor-type.ts';

export const SIMILARITIES = ['dot', 'wL2', 'wL1', 'histIntersect', 'rbf', 'poly'] as const;
export type Similarity = (typeof SIMILARITIES)[number];

/** softplus⁻¹(1): λ = softplus(ρ) starts at 1. */
const RHO_ONE = Math.log(Math.E - 1);
const weighted = (s: Similarity) => s === 'wL2' || s === 'wL1';

/** Patches of a valid, stride-1 window: [B, H′, W′, C] → [B·H′·W′, k·k·C] (order u, v, c). */
function im2col<T>(ops: Ops<T>, x: T, k: number): { cols: T; b: number; h: number; w: number } {
  const [b, hIn, wIn] = ops.shape(x);
  const h = hIn! - k + 1;
  const w = wIn! - k + 1;
  const slices: T[] = [];
  for (let u = 0; u < k; u++)
    for (let v = 0; v < k; v++) slices.push(ops.slice(x, [0, u, v, 0], [-1, h, w, -1]));
  const patches = slices.length === 1 ? slices[0]! : ops.concat(slices, 3);
  const p = ops.shape(patches)[3]!;
  return { cols: ops.reshape(patches, [b! * h * w, p]), b: b!, h, w };
}

export default defineNode({
  type: 'layers.kernelConv2d',
  version: 1,
  kind: 'layer',
  title: 'Generalized Conv2D',
  docs: {
    summary:
      'Convolution whose inner product between each patch x and each template w is replaced by another similarity: weighted L2 or L1 distance (learned per-dimension weights λ ≥ 0), histogram intersection, an RBF or a polynomial kernel. Templates and λ train by backpropagation. Valid padding, stride 1.',
    formula:
      'y[b,i,j,f] = g(s(x_patch, w_f) + b_f);  dot: w·x;  wL2: −Σ_p λ_fp (x_p − w_fp)²;  wL1: −Σ_p λ_fp |x_p − w_fp|;  histIntersect: Σ_p min(x_p, w_fp);  rbf: exp(−γ‖x − w_f‖²);  poly: (w·x + c)^d;  λ = softplus(ρ) (init 1), γ init 1/P, P = k·k·C; templates init Glorot uniform, U[0, 1] for histIntersect;  g ∈ {identity, exp, softplus}',
    paper: {
      title: 'Generalizing the Convolution Operator in Convolutional Neural Networks',
      authors: 'Kamaledin Ghiasi-Shirazi',
      year: 2019,
      arxiv: '1707.09864',
    },
  },
  params: {
    filters: p.int({ default: 8, min: 1, max: 1024, doc: 'Number of templates (output channels).' }),
    kernelSize: p.int({ default: 3, min: 1, max: 15, doc: 'Square window size k.' }),
    similarity: p.enum(SIMILARITIES, 'wL2', 'How a patch is compared with a template.'),
    degree: p.int({ default: 2, min: 1, max: 6, doc: 'Polynomial degree d (poly).' }),
    offset: p.float({ default: 1, min: 0, max: 100, doc: 'Polynomial offset c (poly).' }),
    post: p.enum(['identity', 'exp', 'softplus'], 'identity', 'Monotone function g applied after the bias.'),
    useBias: p.bool({ default: true, doc: 'Add a learned bias per template.' }),
  },
  inputs: { x: { doc: 'Image batch [B, H, W, C] (histIntersect expects non-negative inputs).' } },
  outputs: { y: { doc: '[B, H − k + 1, W − k + 1, filters]' } },
  infer({ inputs, params }) {
    const x = inputs.x!;
    if (x.shape.length !== 4)
      reject('shape/rank-mismatch', `Generalized Conv2D needs [B, H, W, C], got ${formatShape(x.shape)}.`, {
        port: 'x',
      });
    const [, h, w, c] = x.shape;
    if (c === null)
      reject('shape/unknown-dim', 'Generalized Conv2D needs a known channel count.', { port: 'x' });
    const k = params.kernelSize;
    if ((h !== null && h! < k) || (w !== null && w! < k))
      reject('shape/too-small', `The ${k}×${k} window does not fit the ${h}×${w} input.`, {
        field: 'kernelSize',
      });
    return {
      y: tensor([
        x.shape[0]!,
        h === null ? null : h! - k + 1,
        w === null ? null : w! - k + 1,
        params.filters,
      ]),
    };
  },
  paramCount({ inputs, params }) {
    const pDim = params.kernelSize * params.kernelSize * (inputs.x!.shape[3] as number);
    const f = params.filters;
    return (
      pDim * f * (weighted(params.similarity) ? 2 : 1) +
      (params.similarity === 'rbf' ? 1 : 0) +
      (params.useBias ? f : 0)
    );
  },
  lower: ({ params }) => ({
    kind: 'kernel',
    config: {
      filters: params.filters,
      kernelSize: params.kernelSize,
      similarity: params.similarity,
      degree: params.degree,
      offset: params.offset,
      post: params.post,
      useBias: params.useBias,
    },
  }),
  kernel: {
    weights(params, [shape]) {
      const pDim = params.kernelSize * params.kernelSize * (shape![3] as number);
      const f = params.filters;
      return [
        // Histogram intersection compares non-negative histograms: its templates start in [0, 1]
        // (a signed start leaves min(x, w) ≤ 0 for every patch, so nothing passes a ReLU).
        {
          name: 'templates',
          shape: [pDim, f],
          init: params.similarity === 'histIntersect' ? { uniform: [0, 1] } : 'glorotUniform',
        },
        ...(weighted(params.similarity)
          ? [{ name: 'rho', shape: [pDim, f], init: { constant: RHO_ONE } }]
          : []),
        ...(params.similarity === 'rbf' ? [{ name: 'gamma', shape: [1], init: { constant: 1 / pDim } }] : []),
        ...(params.useBias ? [{ name: 'bias', shape: [f], init: 'zeros' as const }] : []),
      ];
    },
    call(ops, [x], wts, params) {
      const { cols, b, h, w } = im2col(ops, x!, params.kernelSize);
      const W = wts.templates!;
      const [pDim, f] = ops.shape(W) as [number, number];
      const sq = (t: typeof cols) => ops.square(t);
      let s: typeof cols;
      switch (params.similarity) {
        case 'dot':
          s = ops.matMul(cols, W);
          break;
        case 'poly': {
          let base = ops.add(ops.matMul(cols, W), ops.scalar(params.offset));
          s = base;
          for (let i = 1; i < params.degree; i++) s = ops.mul(s, base);
          base = s;
          break;
        }
        case 'wL2': {
          // −[x²·λ − 2·x·(λ⊙w) + Σ_p λ w²]: three matrix products, no [N, F, P] tensor.
          const lam = ops.softplus(wts.rho!);
          s = ops.neg(
            ops.add(
              ops.sub(ops.matMul(sq(cols), lam), ops.mul(ops.scalar(2), ops.matMul(cols, ops.mul(lam, W)))),
              ops.sum(ops.mul(lam, sq(W)), [0], true),
            ),
          );
          break;
        }
        case 'rbf': {
          const d2 = ops.add(
            ops.sub(ops.sum(sq(cols), [1], true), ops.mul(ops.scalar(2), ops.matMul(cols, W))),
            ops.sum(sq(W), [0], true),
          );
          s = ops.exp(ops.neg(ops.mul(wts.gamma!, ops.relu(d2))));
          break;
        }
        case 'wL1':
        case 'histIntersect': {
          const xs = ops.reshape(cols, [-1, 1, pDim]);
          const ws = ops.reshape(ops.transpose(W, [1, 0]), [1, f, pDim]);
          // min(a, b) = (a + b − |a − b|)/2: tfjs's Minimum gradient does not broadcast.
          if (params.similarity === 'histIntersect')
            s = ops.mul(ops.sum(ops.sub(ops.add(xs, ws), ops.abs(ops.sub(xs, ws))), [2]), ops.scalar(0.5));
          else {
            const lam = ops.reshape(ops.transpose(ops.softplus(wts.rho!), [1, 0]), [1, f, pDim]);
            s = ops.neg(ops.sum(ops.mul(lam, ops.abs(ops.sub(xs, ws))), [2]));
          }
          break;
        }
      }
      if (params.useBias) s = ops.add(s, wts.bias!);
      if (params.post === 'exp') s = ops.exp(s);
      else if (params.post === 'softplus') s = ops.softplus(s);
      return ops.reshape(s, [b, h, w, f]);
    },
  },
  examples: [
    { inputs: { x: { shape: [2, 4, 4, 2] } } },
    { inputs: { x: { shape: [2, 4, 5, 1] } }, params: { similarity: 'dot', filters: 3, kernelSize: 2 } },
    { inputs: { x: { shape: [2, 4, 4, 1] } }, params: { similarity: 'wL1', filters: 2 } },
    // Inputs below every template keep finite differences off the min's kink.
    {
      inputs: { x: { shape: [2, 4, 4, 1], range: [-3, -2] } },
      params: { similarity: 'histIntersect', filters: 2 },
    },
    { inputs: { x: { shape: [1, 3, 3, 2] } }, params: { similarity: 'rbf', filters: 2, post: 'softplus' } },
    {
      inputs: { x: { shape: [1, 3, 3, 1] } },
      params: { similarity: 'poly', filters: 2, degree: 3, useBias: false },
    },
  ],
});
