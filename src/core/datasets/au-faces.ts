// Synthetic AU faces for P43 (Belharbi et al., "Guided Interpretable Facial Expression Recognition
// via Spatial Action Unit Cues", FG 2024, arXiv 2402.00281): 32×32 grey "faces" (an ellipse with
// eyes and a mouth) whose expression (the class) is drawn as local action-unit patterns at fixed
// facial landmarks, per an explicit codebook (expression → AUs, AU → landmarks). The field `au`
// is the paper's heat map: Gaussian blobs exp(−‖p − ℓ‖²/2σ²) at the label's AU landmarks, summed
// and clipped to [0, 1]. A shortcut cue — the background brightness — names the class in a
// fraction `shortcut` of training images and is random in validation.

import type { DataBinding } from '../node-def.ts';
import { type ParamValues, p } from '../params.ts';
import type { Rng } from '../rng.ts';
import { defineDataset } from './dataset-def.ts';
import { classSplit, gatherFields, stratifiedSplit, VAL_FRACTION } from './split.ts';

export const AU_FACES_SIZE = 32;
export const AU_EXPRESSIONS = ['happy', 'surprise', 'angry', 'sad'] as const;

/** AU → its landmarks [row, col] on the un-jittered 32×32 face and the pattern drawn there (+1 bright, −1 dark). */
export const AU_LANDMARKS: Readonly<
  Record<string, { at: readonly (readonly [number, number])[]; sign: number }>
> = {
  AU1_2: {
    at: [
      [7, 10],
      [7, 21],
    ],
    sign: 1,
  }, // brow raiser (outer brows)
  AU4: {
    at: [
      [10, 13],
      [10, 18],
    ],
    sign: -1,
  }, // brow lowerer (inner brows)
  AU6: {
    at: [
      [17, 8],
      [17, 23],
    ],
    sign: 1,
  }, // cheek raiser
  AU12: {
    at: [
      [22, 10],
      [22, 21],
    ],
    sign: 1,
  }, // lip-corner puller
  AU15: {
    at: [
      [25, 10],
      [25, 21],
    ],
    sign: -1,
  }, // lip-corner depressor
  AU23: {
    at: [
      [23, 15],
      [23, 16],
    ],
    sign: -1,
  }, // lip tightener
  AU26: {
    at: [
      [25, 15],
      [25, 16],
    ],
    sign: 1,
  }, // jaw drop
};

/** Expression (class) → its action units (the paper's codebook, reduced to 4 expressions). */
export const AU_CODEBOOK: readonly (readonly string[])[] = [
  ['AU6', 'AU12'], // happy
  ['AU1_2', 'AU26'], // surprise
  ['AU4', 'AU23'], // angry
  ['AU4', 'AU15'], // sad (brows lowered inside, lip corners down)
];

const params = {
  samples: p.int({ default: 1600, min: 8, max: 100000, doc: 'Total images (classes balanced).' }),
  noise: p.float({
    default: 0.1,
    min: 0,
    max: 1,
    step: 0.01,
    doc: 'Gaussian pixel noise standard deviation.',
  }),
  contrast: p.float({
    default: 0.35,
    min: 0,
    max: 1,
    step: 0.01,
    doc: 'Intensity of the AU patterns (3×3 patches at the landmarks).',
  }),
  shortcut: p.float({
    default: 0.9,
    min: 0,
    max: 1,
    step: 0.05,
    doc: 'Fraction of training images whose background level names the class (the rest, and all validation images, draw it at random).',
  }),
  sigma: p.float({
    default: 2,
    min: 0.5,
    max: 8,
    step: 0.5,
    doc: 'σ of the heat-map Gaussian blobs in pixels.',
  }),
  valFraction: p.float({
    ...VAL_FRACTION,
    default: 0.25,
    doc: 'Fraction of each class held out for validation.',
  }),
};

const bindingOf = (_v: ParamValues<typeof params>): DataBinding => ({
  name: 'auFaces',
  featureShape: [AU_FACES_SIZE, AU_FACES_SIZE, 1],
  labels: { kind: 'class', numClasses: AU_EXPRESSIONS.length },
  fields: {
    au: {
      shape: [AU_FACES_SIZE, AU_FACES_SIZE, 1],
      dtype: 'float32',
      doc: "AU heat map: Gaussian blobs at the label's action-unit landmarks (codebook), summed and clipped to [0, 1].",
    },
  },
});

/** Background level of class c (the shortcut cue). */
const background = (c: number) => 0.1 * c;

/** The heat map of class `c` with the face shifted by (dr, dc), written into `m` at `off`. */
export function auHeatmap(
  m: Float32Array,
  off: number,
  c: number,
  dr: number,
  dc: number,
  sigma: number,
): void {
  const n = AU_FACES_SIZE;
  const pts = AU_CODEBOOK[c]!.flatMap((au) => AU_LANDMARKS[au]!.at);
  for (let r = 0; r < n; r++)
    for (let col = 0; col < n; col++) {
      let v = 0;
      for (const [lr, lc] of pts)
        v += Math.exp(-((r - lr - dr) ** 2 + (col - lc - dc) ** 2) / (2 * sigma * sigma));
      m[off + r * n + col] = Math.min(1, v);
    }
}

/** Draws one face of class `c` into `x` at `off`; background level `bg`; face shift (dr, dc). */
export function drawFace(
  x: Float32Array,
  off: number,
  c: number,
  bg: number,
  dr: number,
  dc: number,
  v: { noise: number; contrast: number },
  rng: Rng,
): void {
  const n = AU_FACES_SIZE;
  const img = new Float32Array(n * n);
  const [cr, cc] = [15.5 + dr, 15.5 + dc];
  for (let r = 0; r < n; r++)
    for (let col = 0; col < n; col++) {
      const inside = ((r - cr) / 13) ** 2 + ((col - cc) / 11) ** 2 <= 1;
      img[r * n + col] = inside ? 0.6 : bg;
    }
  const put = (r: number, col: number, val: number) => {
    const [rr, c2] = [r + dr, col + dc];
    if (rr >= 0 && rr < n && c2 >= 0 && c2 < n) img[rr * n + c2] = val;
  };
  // Neutral features: eyes (dark 2×2) and the mouth line.
  for (const [r, col] of [
    [13, 10],
    [13, 20],
  ] as const)
    for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) put(r + i, col + j, 0.2);
  for (let col = 12; col <= 19; col++) put(24, col, 0.35);
  // Action units: a 3×3 patch around each landmark, brighter or darker than the skin.
  for (const au of AU_CODEBOOK[c]!) {
    const { at, sign } = AU_LANDMARKS[au]!;
    for (const [lr, lc] of at)
      for (let i = -1; i <= 1; i++)
        for (let j = -1; j <= 1; j++) put(lr + i, lc + j, 0.6 + sign * v.contrast);
  }
  for (let k = 0; k < n * n; k++) x[off + k] = img[k]! + v.noise * rng.normal();
}

export const auFaces = defineDataset({
  name: 'auFaces',
  title: 'AU faces (expressions with action-unit heat maps)',
  doc:
    'Synthetic 32×32 faces for AU-guided interpretable expression recognition (Belharbi et al. 2024): an ' +
    'ellipse (intensity 0.6) with eyes and a mouth line, shifted by up to ±1 px; the expression (happy, ' +
    'surprise, angry, sad) is drawn as 3×3 bright or dark patches at the landmarks of its action units ' +
    '(codebook: happy AU6+AU12, surprise AU1/2+AU26, angry AU4+AU23, sad AU4+AU15). Field `au` [32, 32, 1]: ' +
    'the heat map — Gaussian blobs exp(−‖p − ℓ‖²/2σ²) at the label’s AU landmarks, summed, clipped to ' +
    '[0, 1]. Shortcut: the background level 0.1·class in a fraction `shortcut` of training images (a random ' +
    'class’s level otherwise, and always in validation). Gaussian noise `noise`. Split stratified per class.',
  params,
  describe: bindingOf,
  async load(v, rng) {
    const n = v.samples;
    const px = AU_FACES_SIZE * AU_FACES_SIZE;
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) labels[i] = i % AU_EXPRESSIONS.length;
    const { train, val } = stratifiedSplit(labels, AU_EXPRESSIONS.length, v.valFraction, rng);
    const isVal = new Uint8Array(n);
    for (const i of val) isVal[i] = 1;
    const x = new Float32Array(n * px);
    const au = new Float32Array(n * px);
    for (let i = 0; i < n; i++) {
      const c = labels[i]!;
      const cue = !isVal[i] && rng.next() < v.shortcut;
      const bg = background(cue ? c : rng.int(AU_EXPRESSIONS.length));
      const [dr, dc] = [rng.int(3) - 1, rng.int(3) - 1];
      drawFace(x, i * px, c, bg, dr, dc, v, rng);
      auHeatmap(au, i * px, c, dr, dc, v.sigma);
    }
    const fields = { au: { values: au, width: px } };
    const split = (idx: number[]) => ({
      ...classSplit(x, px, labels, idx),
      fields: gatherFields(fields, idx),
    });
    return { binding: bindingOf(v), train: split(train), val: split(val), classNames: [...AU_EXPRESSIONS] };
  },
});
