import { reject } from '../../src/core/diagnostics.ts';
import { defineNode } from '../../src/core/node-def.ts';
import type { Ops } from '../../src/core/ops.ts';
import { p } from '../../src/core/params.ts';
import { formatShape, tensor } from '../../src/core/tensor-type.ts';

/** Cell i of n over a length-`size` axis: [floor(i·size/n), ceil((i+1)·size/n)) (PyTorch's rule). */
export const cellRange = (i: number, n: number, size: number): [number, number] => [
  Math.floor((i * size) / n),
  Math.ceil(((i + 1) * size) / n),
];

/** Adaptive average pooling of x [B, H, W, C] to [B, outH, outW, C]. */
export function adaptiveAvgPool<T>(ops: Ops<T>, x: T, outH: number, outW: number): T {
  const [, h, w] = ops.shape(x);
  const rows: T[] = [];
  for (let i = 0; i < outH; i++) {
    const [h0, h1] = cellRange(i, outH, h!);
    const cells: T[] = [];
    for (let j = 0; j < outW; j++) {
      const [w0, w1] = cellRange(j, outW, w!);
      cells.push(ops.mean(ops.slice(x, [0, h0, w0, 0], [-1, h1 - h0, w1 - w0, -1]), [1, 2], true));
    }
    rows.push(cells.length === 1 ? cells[0]! : ops.concat(cells, 2));
  }
  return rows.length === 1 ? rows[0]! : ops.concat(rows, 1);
}

export default defineNode({
  type: 'layers.adaptiveAveragePooling2d',
  version: 1,
  kind: 'layer',
  title: 'AdaptiveAvgPool2D',
  docs: {
    summary:
      'Average pooling to a fixed output size whatever the input size (PyTorch’s AdaptiveAvgPool2d): the H×W map is cut into outH×outW cells and each cell is averaged. Used to pool a frozen network’s feature maps to a fixed-size probe input (diffusion-feature classifiers).',
    formula:
      'y[b, i, j, c] = mean_{h ∈ [⌊iH/outH⌋, ⌈(i+1)H/outH⌉), w ∈ [⌊jW/outW⌋, ⌈(j+1)W/outW⌉)} x[b, h, w, c]',
  },
  params: {
    outputSize: p.shape({
      default: [2, 2],
      minLength: 2,
      maxLength: 2,
      doc: 'Output height and width [outH, outW].',
    }),
  },
  inputs: { x: { doc: 'Feature maps [B, H, W, C] (channels last).' } },
  outputs: { y: { doc: '[B, outH, outW, C]' } },
  infer({ inputs, params, nodeId }) {
    const x = inputs.x!;
    if (x.shape.length !== 4)
      reject('shape/rank-mismatch', `x ${formatShape(x.shape)} must be feature maps [B, H, W, C].`, {
        port: 'x',
      });
    const [, h, w, c] = x.shape;
    const [oh, ow] = params.outputSize as [number, number];
    if (typeof h !== 'number' || typeof w !== 'number')
      reject('shape/unknown-dim', `x ${formatShape(x.shape)} needs a known height and width.`, { port: 'x' });
    if (oh > (h as number) || ow > (w as number))
      reject(
        'param/out-of-range',
        `outputSize [${oh}, ${ow}] exceeds the ${h}×${w} input: pick at most [${h}, ${w}].`,
        {
          field: 'outputSize',
          fix: {
            kind: 'set-param',
            nodeId,
            field: 'outputSize',
            value: [Math.min(oh, h as number), Math.min(ow, w as number)],
          },
        },
      );
    return { y: tensor([x.shape[0] ?? null, oh, ow, c ?? null]) };
  },
  paramCount: () => 0,
  flops: ({ inputs }) => inputs.x!.shape.slice(1).reduce<number>((a, d) => a * (d ?? 1), 1),
  lower: ({ params }) => ({ kind: 'kernel', config: { outputSize: [...params.outputSize] } }),
  kernel: {
    call: (ops, [x], _w, params) => adaptiveAvgPool(ops, x!, params.outputSize[0]!, params.outputSize[1]!),
  },
  examples: [
    { inputs: { x: { shape: [2, 4, 4, 3] } }, params: { outputSize: [2, 2] } },
    { inputs: { x: { shape: [2, 5, 3, 2] } }, params: { outputSize: [2, 2] } },
  ],
});
