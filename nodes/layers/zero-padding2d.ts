import { reject } from '../../src/core/diagnostics.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { requireRank } from '../../src/core/shape-math.ts';
import { tensor } from '../../src/core/tensor-type.ts';

/** [top, bottom, left, right] from 1 (all sides), 2 ([height, width], symmetric) or 4 entries. */
function sides(padding: readonly number[]): [number, number, number, number] {
  const [a, b, c, d] = padding;
  if (padding.length === 1) return [a!, a!, a!, a!];
  if (padding.length === 2) return [a!, a!, b!, b!];
  if (padding.length === 4) return [a!, b!, c!, d!];
  return reject(
    'param/invalid',
    `'padding' needs 1 entry (all sides), 2 ([height, width]) or 4 ([top, bottom, left, right]), got ${padding.length}: [${padding.join(', ')}].`,
    { field: 'padding' },
  );
}

export default defineNode({
  type: 'layers.zeroPadding2d',
  version: 1,
  kind: 'layer',
  title: 'ZeroPadding2D',
  docs: {
    summary: 'Adds rows and columns of zeros around images (top, bottom, left, right). No weights.',
    formula: "H' = top + H + bottom,  W' = left + W + right;  y = x inside, 0 in the border",
  },
  params: {
    padding: p.shape({
      default: [1, 1],
      minLength: 1,
      maxLength: 4,
      allowZero: true,
      doc: 'Zeros to add: [all], [height, width] (each side), or [top, bottom, left, right].',
    }),
  },
  inputs: { x: { doc: 'Images [B, H, W, C].' } },
  outputs: { y: { doc: "[B, H', W', C]" } },
  infer({ inputs, params }) {
    const x = inputs.x!;
    requireRank(x, 4, 'ZeroPadding2D', '[B, H, W, C]');
    const [t, b, l, r] = sides(params.padding);
    const h = x.shape[1]!;
    const w = x.shape[2]!;
    return {
      y: tensor([null, h === null ? null : h + t + b, w === null ? null : w + l + r, x.shape[3]!], x.dtype),
    };
  },
  paramCount: () => 0,
  examples: [
    { inputs: { x: { shape: [2, 3, 3, 2] } }, params: { padding: [1, 1] } },
    { inputs: { x: { shape: [2, 3, 4, 2] } }, params: { padding: [1, 0, 2, 1] } },
  ],
  lower: ({ params }) => {
    const [t, b, l, r] = sides(params.padding);
    return {
      kind: 'layer',
      layer: 'zeroPadding2d',
      config: {
        padding: [
          [t, b],
          [l, r],
        ],
      },
    };
  },
});
