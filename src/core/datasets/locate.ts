// D-locate (shapes variant): one shape at a random position and scale on a noisy canvas, with its
// bounding box as the field `box` — the ground truth the CAM tools (Grad-CAM P41, Eigen-CAM P19)
// score their heat maps against (pointing game, energy in box).

import type { DataBinding } from '../node-def.ts';
import { type ParamValues, p } from '../params.ts';
import type { Rng } from '../rng.ts';
import { defineDataset } from './dataset-def.ts';
import { classSplit, gatherFields, stratifiedSplit, VAL_FRACTION } from './split.ts';

export const LOCATE_SHAPES = ['square', 'ring', 'triangle', 'cross'] as const;

const params = {
  samples: p.int({ default: 2000, min: 8, max: 100000, doc: 'Total images (classes balanced).' }),
  size: p.int({ default: 28, min: 16, max: 64, doc: 'Canvas side in pixels.' }),
  noise: p.float({
    default: 0.15,
    min: 0,
    max: 1,
    step: 0.01,
    doc: 'Standard deviation of the Gaussian background noise.',
  }),
  distractors: p.int({
    default: 0,
    min: 0,
    max: 8,
    doc: 'Small 2×2 blobs (intensity 1) at random positions outside the box, as the Grad-CAM spec’s distractors.',
  }),
  valFraction: p.float({ ...VAL_FRACTION, doc: 'Fraction of each class held out for validation.' }),
};

const bindingOf = (v: ParamValues<typeof params>): DataBinding => ({
  name: 'locate',
  featureShape: [v.size, v.size, 1],
  labels: { kind: 'class', numClasses: LOCATE_SHAPES.length },
  fields: {
    box: {
      shape: [4],
      dtype: 'float32',
      doc: 'Bounding box of the shape in pixels: [row0, col0, row1, col1], inclusive.',
    },
  },
});

/** Whether pixel centre (r, c) lies in shape `kind` of half-side `h` centred at (cr, cc). */
export function insideShape(kind: number, r: number, c: number, cr: number, cc: number, h: number): boolean {
  const dy = r - cr;
  const dx = c - cc;
  switch (kind) {
    case 0:
      return Math.abs(dx) <= h && Math.abs(dy) <= h;
    case 1: // annulus of width 1.5 px
      return dx * dx + dy * dy <= h * h && dx * dx + dy * dy >= (h - 1.5) ** 2;
    case 2: // apex up, base at dy = h: |dx| ≤ (dy + h)/2
      return dy >= -h && dy <= h && Math.abs(dx) <= (dy + h) / 2;
    default: // plus sign, arm half-width h/3
      return (Math.abs(dx) <= h / 3 && Math.abs(dy) <= h) || (Math.abs(dy) <= h / 3 && Math.abs(dx) <= h);
  }
}

/** Draws one image into `x` at `off`; returns its box [r0, c0, r1, c1] (pixels the shape covers). */
export function drawLocate(
  x: Float32Array,
  off: number,
  size: number,
  kind: number,
  noise: number,
  rng: Rng,
  distractors = 0,
): [number, number, number, number] {
  const h = 3 + rng.next() * (size / 14); // half-side 3 … 3 + size/14
  const m = Math.ceil(h) + 1;
  const cr = m + rng.next() * (size - 1 - 2 * m);
  const cc = m + rng.next() * (size - 1 - 2 * m);
  let r0 = size;
  let c0 = size;
  let r1 = -1;
  let c1 = -1;
  for (let r = 0; r < size; r++)
    for (let c = 0; c < size; c++) {
      const on = insideShape(kind, r, c, cr, cc, h);
      x[off + r * size + c] = (on ? 1 : 0) + noise * rng.normal();
      if (on) {
        r0 = Math.min(r0, r);
        c0 = Math.min(c0, c);
        r1 = Math.max(r1, r);
        c1 = Math.max(c1, c);
      }
    }
  // Distractor blobs: 2×2 squares whose 1-px margin stays clear of the box (drawn after the box is known).
  for (let k = 0, tries = 0; k < distractors && tries < 100; tries++) {
    const r = rng.int(size - 1);
    const c = rng.int(size - 1);
    if (r + 2 >= r0 && r - 1 <= r1 && c + 2 >= c0 && c - 1 <= c1) continue;
    for (const [dr, dc] of [
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
    ] as const)
      x[off + (r + dr) * size + c + dc] = 1 + noise * rng.normal();
    k++;
  }
  return [r0, c0, r1, c1];
}

/**
 * Two shapes of different classes `kindA` ≠ `kindB` on one noisy canvas, their boxes at least
 * `gap` px apart (Grad-CAM's class-specificity demonstration: each class's map should peak on its
 * own object). Writes the image into `x` at `off`; returns both boxes, or undefined when 100
 * placements all overlapped.
 */
export function drawLocatePair(
  x: Float32Array,
  off: number,
  size: number,
  kindA: number,
  kindB: number,
  noise: number,
  rng: Rng,
  gap = 2,
): { a: [number, number, number, number]; b: [number, number, number, number] } | undefined {
  const px = size * size;
  const ta = new Float32Array(px);
  const tb = new Float32Array(px);
  for (let tries = 0; tries < 100; tries++) {
    const a = drawLocate(ta, 0, size, kindA, 0, rng);
    const b = drawLocate(tb, 0, size, kindB, 0, rng);
    const apart = a[2] + gap < b[0] || b[2] + gap < a[0] || a[3] + gap < b[1] || b[3] + gap < a[1];
    if (!apart) continue;
    for (let k = 0; k < px; k++) x[off + k] = Math.max(ta[k]!, tb[k]!) + noise * rng.normal();
    return { a, b };
  }
  return undefined;
}

export const locate = defineDataset({
  name: 'locate',
  title: 'Locate (shapes with boxes)',
  doc:
    'D-locate, shapes variant: each image holds one shape — square, ring (1.5 px wide), triangle or cross (the ' +
    'class) — of half-side 3 … 3 + size/14 px at a uniformly random position, drawn with intensity 1 ' +
    'on a zero canvas plus Gaussian noise of standard deviation `noise`. The field `box` is the ' +
    "shape's inclusive bounding box [row0, col0, row1, col1] in pixels, which the CAM tools " +
    '(Grad-CAM, Eigen-CAM) read for the pointing game and energy-in-box. `distractors` adds that many ' +
    '2×2 blobs outside the box (not in the box field). Split stratified per class.',
  params,
  describe: bindingOf,
  async load(v, rng) {
    const n = v.samples;
    const px = v.size * v.size;
    const x = new Float32Array(n * px);
    const boxes = new Float32Array(n * 4);
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const kind = i % LOCATE_SHAPES.length;
      labels[i] = kind;
      boxes.set(drawLocate(x, i * px, v.size, kind, v.noise, rng, v.distractors), i * 4);
    }
    const { train, val } = stratifiedSplit(labels, LOCATE_SHAPES.length, v.valFraction, rng);
    const fields = { box: { values: boxes, width: 4 } };
    const split = (idx: number[]) => ({
      ...classSplit(x, px, labels, idx),
      fields: gatherFields(fields, idx),
    });
    return {
      binding: bindingOf(v),
      train: split(train),
      val: split(val),
      classNames: [...LOCATE_SHAPES],
    };
  },
});
