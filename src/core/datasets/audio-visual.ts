// P42 (IEMF, He et al. 2025, arXiv 2505.10176): a seeded synthetic audio-visual digit task. The visual
// cue is the bundled 8×8 digit, the auditory cue a fixed random 32-d prototype of its class; each cue
// is strong (gain 1) or weak (gain `weakGain`) per sample, independently, so that a fraction
// `bothWeak` of the samples has both cues weak — where multisensory integration should help most
// (inverse effectiveness).

import type { DataBinding } from '../node-def.ts';
import { type ParamValues, p } from '../params.ts';
import { createRng } from '../rng.ts';
import { defineDataset, type Split } from './dataset-def.ts';
import { decodeDigits8 } from './digits8.ts';
import { DIGITS8_LEVELS, DIGITS8_PIXELS } from './digits8-derive.ts';
import { DIGIT_NAMES } from './mnist.ts';
import { classSplit, gatherFields, stratifiedSplit } from './split.ts';

/** Width of the auditory cue. */
export const AUDIO_WIDTH = 32;

const params = {
  noiseA: p.float({ default: 1, min: 0, doc: 'σ_A: std of the Gaussian noise on every audio value.' }),
  noiseV: p.float({
    default: 0.15,
    min: 0,
    doc: 'σ_V: std of the Gaussian noise on every pixel (pixels in [0, 1]).',
  }),
  weakGain: p.float({
    default: 0.2,
    min: 0,
    max: 1,
    doc: 'Signal gain of a weak cue (a strong cue has gain 1); the noise is the same.',
  }),
  bothWeak: p.float({
    default: 1 / 3,
    min: 0,
    max: 1,
    doc: 'Fraction of samples with both cues weak: each cue is weak independently with probability √bothWeak.',
  }),
  prototypeSeed: p.int({
    default: 42,
    min: 0,
    max: 2 ** 31 - 1,
    doc: 'Seed of the fixed class prototypes of the audio cue (the same task for every run seed).',
  }),
  valSize: p.int({
    default: 400,
    min: 10,
    max: 900,
    doc: 'Validation (test) samples, stratified by class (of the 1 800 digits).',
  }),
};

const bindingOf = (_v: ParamValues<typeof params>): DataBinding => ({
  name: 'audioVisual',
  featureShape: [DIGITS8_PIXELS],
  labels: { kind: 'class', numClasses: 10 },
  fields: {
    audio: {
      shape: [AUDIO_WIDTH],
      dtype: 'float32',
      doc: 'The auditory cue: gain_A · μ_y + σ_A · ε, μ_y a fixed random 32-d prototype of class y.',
    },
    strong: {
      shape: [2],
      dtype: 'float32',
      doc: 'Which cues are strong (1) or weak (0): [audio, visual].',
    },
  },
});

/** The fixed audio prototypes μ_c ~ N(0, I₃₂), c = 0..9, row-major [10, 32]. */
export function audioPrototypes(seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: 10 * AUDIO_WIDTH }, () => rng.normal());
}

export const audioVisual = defineDataset({
  name: 'audioVisual',
  title: 'Audio-visual digits (synthetic, IEMF)',
  doc:
    'Two cues of one digit class. Visual (the features): the bundled 8×8 digit (levels / 16, flat 64) ' +
    'times its gain plus N(0, σ_V²) per pixel. Auditory (field `audio`): a fixed random 32-d class ' +
    'prototype μ_y ~ N(0, I) (seeded by prototypeSeed) times its gain plus N(0, σ_A²). Each cue is strong ' +
    '(gain 1) or weak (gain weakGain) per sample, independently with P(weak) = √bothWeak, so a fraction ' +
    'bothWeak (default 1/3) has both cues weak; field `strong` records which. Noise and reliability are ' +
    'drawn from the run seed; the split is stratified (valSize rows, default 400 = 40 per class, 1 400 ' +
    'train). Built for P42 (IEMF: inverse effectiveness in multisensory fusion).',
  params,
  describe: bindingOf,
  async load(v, rng) {
    const raw = decodeDigits8();
    const n = raw.count;
    const proto = audioPrototypes(v.prototypeSeed);
    const pWeak = Math.sqrt(v.bothWeak);
    const image = new Float32Array(n * DIGITS8_PIXELS);
    const audio = new Float32Array(n * AUDIO_WIDTH);
    const strong = new Float32Array(n * 2);
    for (let i = 0; i < n; i++) {
      const y = raw.labels[i]!;
      const strongA = rng.next() >= pWeak;
      const strongV = rng.next() >= pWeak;
      strong[2 * i] = strongA ? 1 : 0;
      strong[2 * i + 1] = strongV ? 1 : 0;
      const gA = strongA ? 1 : v.weakGain;
      const gV = strongV ? 1 : v.weakGain;
      for (let j = 0; j < AUDIO_WIDTH; j++)
        audio[i * AUDIO_WIDTH + j] = gA * proto[y * AUDIO_WIDTH + j]! + v.noiseA * rng.normal();
      for (let j = 0; j < DIGITS8_PIXELS; j++) {
        const k = i * DIGITS8_PIXELS + j;
        image[k] = (gV * raw.levels[k]!) / DIGITS8_LEVELS + v.noiseV * rng.normal();
      }
    }
    const { train, val } = stratifiedSplit(raw.labels, 10, v.valSize / n, rng);
    const fields = {
      audio: { values: audio, width: AUDIO_WIDTH },
      strong: { values: strong, width: 2 },
    };
    const split = (idx: number[]): Split => ({
      ...classSplit(image, DIGITS8_PIXELS, raw.labels, idx),
      fields: gatherFields(fields, idx),
    });
    return { binding: bindingOf(v), train: split(train), val: split(val), classNames: DIGIT_NAMES };
  },
});
