import { reject } from '../../src/core/diagnostics.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { tensor } from '../../src/core/tensor-type.ts';

export default defineNode({
  type: 'attention.patchEmbedding',
  version: 1,
  kind: 'layer',
  title: 'Patch embedding',
  docs: {
    summary:
      'Cuts an image into non-overlapping p×p patches and maps each (flattened) patch linearly to a token of size dim — the ViT stem, equal to a convolution with kernel = stride = p.',
    formula:
      'tokens[b, (i·W/p + j), :] = vec(x[b, i·p:(i+1)·p, j·p:(j+1)·p, :])·E + e,  E: [p²·C, dim];  N = (H/p)·(W/p).  Params p²·C·dim + dim',
    paper: {
      title: 'An Image is Worth 16x16 Words: Transformers for Image Recognition at Scale',
      authors: 'Dosovitskiy et al.',
      year: 2020,
      arxiv: '2010.11929',
    },
  },
  params: {
    patchSize: p.int({ default: 7, min: 1, max: 256, doc: 'p: patch side (must divide H and W).' }),
    dim: p.int({ default: 32, min: 1, max: 4096, doc: 'Token size.' }),
  },
  inputs: { x: { doc: 'Images [B, H, W, C].' } },
  outputs: { y: { doc: 'Tokens [B, (H/p)·(W/p), dim].' } },
  infer({ inputs, params }) {
    const s = inputs.x!.shape;
    if (s.length !== 4)
      reject('shape/rank-mismatch', `Patch embedding needs images [B, H, W, C], got rank ${s.length}.`, {
        port: 'x',
      });
    const [, h, w, c] = s as [null, number | null, number | null, number | null];
    if (h === null || w === null || c === null)
      reject('shape/unknown-dim', 'Patch embedding needs known H, W, C.', { port: 'x' });
    if ((h as number) % params.patchSize || (w as number) % params.patchSize)
      reject('param/invalid', `patchSize ${params.patchSize} must divide the image size ${h}×${w}.`, {
        field: 'patchSize',
      });
    return {
      y: tensor([s[0]!, ((h as number) / params.patchSize) * ((w as number) / params.patchSize), params.dim]),
    };
  },
  paramCount: ({ inputs, params }) =>
    params.patchSize ** 2 * (inputs.x!.shape[3] as number) * params.dim + params.dim,
  kernel: {
    weights: (params, [shape]) => [
      {
        name: 'kernel',
        shape: [params.patchSize ** 2 * (shape![3] as number), params.dim],
        init: 'glorotUniform',
      },
      { name: 'bias', shape: [params.dim], init: 'zeros' },
    ],
    call(ops, [x], w, params) {
      const [, h, wd, c] = ops.shape(x!) as [number, number, number, number];
      const ps = params.patchSize;
      const [gh, gw] = [h / ps, wd / ps];
      // [B, gh, p, gw, p, C] → [B, gh, gw, p, p, C] → [B·N, p²·C]
      const patches = ops.reshape(
        ops.transpose(ops.reshape(x!, [-1, gh, ps, gw, ps, c]), [0, 1, 3, 2, 4, 5]),
        [-1, ps * ps * c],
      );
      return ops.reshape(ops.add(ops.matMul(patches, w.kernel!), w.bias!), [-1, gh * gw, params.dim]);
    },
  },
  lower: ({ params }) => ({ kind: 'kernel', config: { ...params } }),
  examples: [{ inputs: { x: { shape: [2, 4, 6, 2] } }, params: { patchSize: 2, dim: 3 } }],
});
