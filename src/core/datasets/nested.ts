// Synthetic nested-region segmentation (P1, D-nested): each image holds a "whole" ellipse that
// contains a "core" ellipse that contains an "enhancing" blob, like the glioma sub-regions of
// BraTS (whole tumour ⊃ tumour core ⊃ enhancing tumour). Labels are a class per pixel: 0 background,
// 1 whole only, 2 core only, 3 enhancing, so "class ≥ k" is the k-th nested region. Four channels
// mimic MRI modalities: class-dependent means, Gaussian noise and a smooth bias field.

import type { DataBinding } from '../node-def.ts';
import { type ParamValues, p } from '../params.ts';
import type { Rng } from '../rng.ts';
import { defineDataset } from './dataset-def.ts';

const params = {
  size: p.int({ default: 16, min: 8, max: 64, doc: 'Image side in pixels.' }),
  trainSamples: p.int({ default: 400, min: 1, max: 20000, doc: 'Training images.' }),
  valSamples: p.int({ default: 200, min: 1, max: 20000, doc: 'Validation images.' }),
  noise: p.float({ default: 0.5, min: 0, max: 5, step: 0.05, doc: 'Standard deviation of the pixel noise.' }),
  bias: p.float({
    default: 0.3,
    min: 0,
    max: 5,
    step: 0.05,
    doc: 'Amplitude of the smooth (linear) bias field added to every channel.',
  }),
};

export const NESTED_CHANNELS = 4;
export const NESTED_CLASSES = 4;

/**
 * Channel means by class (rows: background, whole, core, enhancing), in the spirit of FLAIR, T2,
 * T1ce and T1: no single channel separates all four classes.
 */
const MEANS: readonly (readonly number[])[] = [
  [0, 0, 0, 0],
  [1, 1, 0.2, -0.3],
  [1, 0.6, 0.4, -0.8],
  [1, 0.6, 1.2, -0.5],
];

const bindingOf = (v: ParamValues<typeof params>): DataBinding => ({
  name: 'nested',
  featureShape: [v.size, v.size, NESTED_CHANNELS],
  labels: { kind: 'classMap', shape: [v.size, v.size], numClasses: NESTED_CLASSES },
});

interface Ellipse {
  readonly cx: number;
  readonly cy: number;
  readonly rx: number;
  readonly ry: number;
  readonly angle: number;
}

const inside = (e: Ellipse, x: number, y: number): boolean => {
  const [c, s] = [Math.cos(e.angle), Math.sin(e.angle)];
  const u = (x - e.cx) * c + (y - e.cy) * s;
  const w = -(x - e.cx) * s + (y - e.cy) * c;
  return (u / e.rx) ** 2 + (w / e.ry) ** 2 <= 1;
};

/** An ellipse `scale` times the size of `outer`, its centre moved by up to half the slack. */
function innerEllipse(outer: Ellipse, lo: number, hi: number, rng: Rng): Ellipse {
  const scale = lo + (hi - lo) * rng.next();
  const slack = (1 - scale) * Math.min(outer.rx, outer.ry) * 0.5;
  const t = 2 * Math.PI * rng.next();
  return {
    cx: outer.cx + slack * Math.cos(t),
    cy: outer.cy + slack * Math.sin(t),
    rx: outer.rx * scale,
    ry: outer.ry * scale,
    angle: outer.angle + (rng.next() - 0.5),
  };
}

/** One image: x (size² × 4, channels last) and its class map (size²), written at row `i`. */
function drawImage(v: ParamValues<typeof params>, rng: Rng, x: Float32Array, y: Int32Array, i: number) {
  const n = v.size;
  const whole: Ellipse = {
    cx: n * (0.35 + 0.3 * rng.next()),
    cy: n * (0.35 + 0.3 * rng.next()),
    rx: n * (0.22 + 0.14 * rng.next()),
    ry: n * (0.22 + 0.14 * rng.next()),
    angle: Math.PI * rng.next(),
  };
  const core = innerEllipse(whole, 0.55, 0.75, rng);
  const enhancing = innerEllipse(core, 0.45, 0.65, rng);
  // Bias field: a random linear ramp through the centre, at most `bias` at the corners.
  const t = 2 * Math.PI * rng.next();
  const [bx, by] = [Math.cos(t), Math.sin(t)];
  for (let r = 0; r < n; r++)
    for (let c = 0; c < n; c++) {
      const [px, py] = [c + 0.5, r + 0.5];
      // Nested by construction: an inner region counts only inside its parent.
      let cls = 0;
      if (inside(whole, px, py)) {
        cls = 1;
        if (inside(core, px, py)) {
          cls = 2;
          if (inside(enhancing, px, py)) cls = 3;
        }
      }
      const pixel = i * n * n + r * n + c;
      y[pixel] = cls;
      const field = (v.bias * (bx * (px - n / 2) + by * (py - n / 2))) / (n / 2);
      for (let ch = 0; ch < NESTED_CHANNELS; ch++)
        x[pixel * NESTED_CHANNELS + ch] = MEANS[cls]![ch]! + field + v.noise * rng.normal();
    }
}

function split(v: ParamValues<typeof params>, count: number, rng: Rng) {
  const x = new Float32Array(count * v.size * v.size * NESTED_CHANNELS);
  const y = new Int32Array(count * v.size * v.size);
  for (let i = 0; i < count; i++) drawImage(v, rng, x, y, i);
  return { x, y, count };
}

export const nested = defineDataset({
  name: 'nested',
  title: 'Nested regions (segmentation)',
  doc:
    'Synthetic segmentation images (size × size × 4): a random ellipse "whole" region contains a ' +
    'smaller "core" ellipse, which contains an "enhancing" ellipse (each inner region clipped to its ' +
    'parent, so the regions are nested). Labels are a class per pixel: 0 background, 1 whole, 2 core, ' +
    '3 enhancing; "class ≥ k" is the k-th nested region. Each of the 4 channels has class-dependent ' +
    'means, Gaussian noise of standard deviation `noise` and a linear bias field of amplitude `bias`.',
  params,
  describe: bindingOf,
  async load(v, rng) {
    return {
      binding: bindingOf(v),
      train: split(v, v.trainSamples, rng),
      val: split(v, v.valSamples, rng),
      classNames: ['background', 'whole', 'core', 'enhancing'],
    };
  },
});
