// Points in a square labelled by their cell of a side × side grid (P29, Loki): training uses only
// a few observed cells, validation covers every cell. Labels are observed-class indices (for
// validation, the nearest observed cell's); the field `cell` holds the true cell over the whole
// label space, so metrics can score predictions of cells never seen in training.

import type { DataBinding } from '../node-def.ts';
import { type ParamValues, p } from '../params.ts';
import type { Rng } from '../rng.ts';
import { defineDataset } from './dataset-def.ts';

const params = {
  side: p.int({ default: 10, min: 2, max: 32, doc: 'Cells per side of the grid (label space side²).' }),
  observed: p.int({
    default: 10,
    min: 2,
    max: 64,
    doc: 'Observed cells: (i, (3i) mod side) for i < observed.',
  }),
  trainSamples: p.int({ default: 2000, min: 10, max: 100000, doc: 'Training points (observed cells only).' }),
  valSamples: p.int({ default: 2000, min: 10, max: 100000, doc: 'Validation points (every cell).' }),
};

/** Cell index (row·side + col) of each observed class: cell (i, 3i mod side), in class order. */
export function observedCells(side: number, observed: number): number[] {
  return Array.from({ length: observed }, (_, i) => (i % side) * side + ((3 * i) % side));
}

const bindingOf = (v: ParamValues<typeof params>): DataBinding => ({
  name: 'gridCells',
  featureShape: [2],
  labels: { kind: 'class', numClasses: v.observed },
  fields: {
    cell: { shape: [1], dtype: 'int32', doc: `The true cell over the full ${v.side}×${v.side} label space.` },
  },
});

function split(v: ParamValues<typeof params>, count: number, onlyObserved: boolean, rng: Rng) {
  const cells = observedCells(v.side, v.observed);
  const x = new Float32Array(count * 2);
  const y = new Int32Array(count);
  const cell = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const c = onlyObserved
      ? cells[Math.floor(rng.next() * cells.length)]!
      : Math.floor(rng.next() * v.side * v.side);
    const row = Math.floor(c / v.side);
    const col = c % v.side;
    x[2 * i] = row + rng.next();
    x[2 * i + 1] = col + rng.next();
    cell[i] = c;
    // The nearest observed cell's class (its own class in training).
    let best = 0;
    let bestD = Number.POSITIVE_INFINITY;
    for (const [k, o] of cells.entries()) {
      const d = (Math.floor(o / v.side) - row) ** 2 + ((o % v.side) - col) ** 2;
      if (d < bestD) [best, bestD] = [k, d];
    }
    y[i] = best;
  }
  return { x, y, count, fields: { cell } };
}

export const gridCells = defineDataset({
  name: 'gridCells',
  title: 'Grid cells (observed subset)',
  doc:
    'Points uniform on [0, side)², labelled by their grid cell (row, col). Training points come only ' +
    'from the observed cells (i, (3i) mod side), labelled by observed-class index; validation points ' +
    'come from every cell, labelled by the nearest observed cell, with the true cell in the field `cell`.',
  params,
  describe: bindingOf,
  async load(v, rng) {
    return {
      binding: bindingOf(v),
      train: split(v, v.trainSamples, true, rng),
      val: split(v, v.valSamples, false, rng),
      classNames: observedCells(v.side, v.observed).map((c) => `cell ${c}`),
    };
  },
});
