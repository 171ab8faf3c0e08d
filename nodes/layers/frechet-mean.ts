import { reject } from '../../src/core/diagnostics.ts';
import { defineNode, type PaperRef } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { formatShape, tensor } from '../../src/core/tensor-type.ts';

/** The observed classes' cells, parsed from "c1, c2, …"; undefined when malformed. */
export function parseCells(text: string, side: number): number[] | undefined {
  const cells = text.split(',').map((s) => Number(s.trim()));
  return cells.every((c) => Number.isInteger(c) && c >= 0 && c < side * side) ? cells : undefined;
}

/** [K, L]: −d(y_i, y)² (Fréchet) or [y = y_i] (argmax) between observed cell y_i and every cell y. */
export function scoreMatrix(cells: readonly number[], side: number, mode: string): number[] {
  const l = side * side;
  const out: number[] = [];
  for (const ci of cells)
    for (let y = 0; y < l; y++) {
      const d2 = (Math.floor(ci / side) - Math.floor(y / side)) ** 2 + ((ci % side) - (y % side)) ** 2;
      out.push(mode === 'argmax' ? (y === ci ? 1 : 0) : -d2);
    }
  return out;
}

/** Roberts et al. 2023 (Loki), cited by the Fréchet-mean node and its E[d²] metric. */
export const LOKI_PAPER: PaperRef = {
  title: 'Geometry-Aware Adaptation for Pretrained Models',
  authors: 'Roberts, Li, Pan, Zhang, Sala',
  year: 2023,
  arxiv: '2307.12226',
};

const DEFAULT_CELLS = '0, 13, 26, 39, 42, 55, 68, 71, 84, 97';

export default defineNode({
  type: 'layers.frechetMean',
  version: 1,
  kind: 'layer',
  title: 'Fréchet-mean prediction (grid label space)',
  docs: {
    summary:
      'Loki: turns a classifier’s probabilities over K observed classes into scores over a larger metric label space — here the cells of a side × side grid with Euclidean distance between cell centres — so the argmax of the scores can be a class never seen in training. mode argmax gives the plain rule (the observed class of the largest probability) as the baseline.',
    formula:
      'score_y = −Σ_i p_i · d(y_i, y)²,  ŷ = argmax_y score_y = argmin_y Σ_i p_i d(y_i, y)²  (y over all side² cells)',
    paper: LOKI_PAPER,
  },
  params: {
    side: p.int({ default: 10, min: 2, max: 32, doc: 'Cells per side of the grid label space.' }),
    cells: p.string({
      default: DEFAULT_CELLS,
      maxLength: 4000,
      doc: 'The observed classes’ cells (row·side + col), in class order, comma-separated.',
    }),
    mode: p.enum(
      ['frechet', 'argmax'],
      'frechet',
      'frechet: Loki’s rule; argmax: the observed class of the largest p.',
    ),
  },
  inputs: { p: { doc: 'Class probabilities [B, K] over the observed classes.' } },
  outputs: { y: { doc: '[B, side²] scores over every cell; argmax is the prediction.' } },
  infer({ inputs, params }) {
    const x = inputs.p!;
    const cells = parseCells(params.cells, params.side);
    if (!cells)
      reject(
        'param/invalid',
        `cells must be comma-separated integers in [0, ${params.side * params.side}) (row·side + col).`,
        { field: 'cells' },
      );
    if (x.shape.length !== 2 || (x.shape[1] !== null && x.shape[1] !== cells!.length))
      reject(
        'shape/rank-mismatch',
        `Probabilities ${formatShape(x.shape)} do not match the ${cells!.length} observed cells: expected [B, ${cells!.length}].`,
        { port: 'p' },
      );
    return { y: tensor([null, params.side * params.side]) };
  },
  paramCount: () => 0,
  flops: ({ params }) => 2 * parseCells(params.cells, params.side)!.length * params.side * params.side,
  lower: ({ params }) => ({
    kind: 'kernel',
    config: { side: params.side, cells: params.cells, mode: params.mode },
  }),
  kernel: {
    call(ops, [probs], _w, params) {
      const cells = parseCells(params.cells, params.side)!;
      const l = params.side * params.side;
      return ops.matMul(
        probs!,
        ops.constant(scoreMatrix(cells, params.side, params.mode), [cells.length, l]),
      );
    },
  },
  examples: [
    { inputs: { p: { shape: [3, 4], range: [0, 1] } }, params: { side: 3, cells: '0, 4, 8, 2' } },
    { inputs: { p: { shape: [2, 10], range: [0, 1] } }, params: { mode: 'argmax' } },
  ],
});
