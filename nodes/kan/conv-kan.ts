import { reject } from '../../src/core/diagnostics.ts';
import { basisSize } from '../../src/core/kan/basis.ts';
import {
  basisParam,
  basisParams,
  checkRange,
  KAN_PAPER,
  kanContract,
  specOf,
  uniformStd,
} from '../../src/core/kan/kan.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { tensor } from '../../src/core/tensor-type.ts';

export default defineNode({
  type: 'kan.convKan',
  version: 1,
  kind: 'layer',
  title: 'Conv-KAN (2-D)',
  docs: {
    summary:
      'Convolutional KAN: a KAN layer applied to every k×k patch (valid padding, stride 1) — each kernel entry is a learnable 1-D function (SiLU base + basis expansion) instead of a weight. Patches are gathered with k² slices (im2col).',
    formula:
      'P[b,i,j] = concat_{u,v<k} x[b, i+u, j+v, :]  (k²·C);  y[b,i,j] = silu(P)·W_b + reshape(Φ(P), [k²·C·M])·C;  H′ = H − k + 1.  Params k²·C·filters·(M + 1)',
    paper: KAN_PAPER,
  },
  params: {
    filters: p.int({ default: 8, min: 1, max: 1024, doc: 'Number of output channels.' }),
    kernelSize: p.int({ default: 3, min: 1, max: 9, doc: 'k: square kernel size.' }),
    basis: basisParam('bspline'),
    ...basisParams,
  },
  inputs: { x: { doc: 'Images [B, H, W, C].' } },
  outputs: { y: { doc: '[B, H − k + 1, W − k + 1, filters]' } },
  infer({ inputs, params }) {
    checkRange(params);
    const s = inputs.x!.shape;
    if (s.length !== 4)
      reject('shape/rank-mismatch', `Conv-KAN needs images [B, H, W, C], got rank ${s.length}.`, {
        port: 'x',
      });
    const [, h, w, c] = s;
    if (h === null || w === null || c === null)
      reject('shape/unknown-dim', 'Conv-KAN needs known H, W and C.', { port: 'x' });
    const k = params.kernelSize;
    if ((h as number) < k || (w as number) < k)
      reject('shape/too-small', `Conv-KAN: the image (${h}×${w}) is smaller than the kernel (${k}×${k}).`, {
        field: 'kernelSize',
      });
    return { y: tensor([s[0]!, (h as number) - k + 1, (w as number) - k + 1, params.filters]) };
  },
  paramCount({ inputs, params }) {
    const c = inputs.x!.shape[3] as number;
    const m = basisSize({ type: params.basis, grid: params.gridSize, order: params.splineOrder });
    return params.kernelSize ** 2 * c * params.filters * (m + 1);
  },
  kernel: {
    weights(params, [shape]) {
      const f = params.kernelSize ** 2 * (shape![3] as number);
      const m = basisSize({ type: params.basis, grid: params.gridSize, order: params.splineOrder });
      return [
        { name: 'base', shape: [f, params.filters], init: 'glorotUniform' },
        { name: 'coef', shape: [f * m, params.filters], init: uniformStd(0.1 / Math.sqrt(f * m)) },
      ];
    },
    call(ops, [x], w, params) {
      const [, h, wd, c] = ops.shape(x!) as [number, number, number, number];
      const k = params.kernelSize;
      const [ho, wo] = [h - k + 1, wd - k + 1];
      const patches = [];
      for (let u = 0; u < k; u++)
        for (let v = 0; v < k; v++) patches.push(ops.slice(x!, [0, u, v, 0], [-1, ho, wo, c]));
      const p2 = ops.reshape(patches.length === 1 ? patches[0]! : ops.concat(patches, 3), [-1, k * k * c]);
      const y = kanContract(ops, p2, k * k * c, w.base!, w.coef!, specOf(params.basis, params));
      return ops.reshape(y, [-1, ho, wo, params.filters]);
    },
  },
  lower: ({ params }) => ({ kind: 'kernel', config: { ...params } }),
  examples: [
    { inputs: { x: { shape: [2, 4, 4, 2] } }, params: { filters: 2, kernelSize: 2, gridSize: 3 } },
    {
      inputs: { x: { shape: [1, 3, 3, 1] } },
      params: { filters: 2, kernelSize: 3, basis: 'chebyshev', gridSize: 2 },
    },
  ],
});
