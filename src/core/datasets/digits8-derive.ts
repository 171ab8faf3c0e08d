// The 8×8-digits derivation from MNIST, shared by the dataset (decoding) and the generator script
// scripts/make-digits8.ts (encoding). Kept apart from digits8.ts so the generator does not need the
// bundled file it writes.

import { MNIST_SIDE } from './mnist.ts';

export const DIGITS8_SIDE = 8;
export const DIGITS8_PIXELS = DIGITS8_SIDE * DIGITS8_SIDE;
/** Quantisation levels 0..16, like the UCI/scikit-learn digits (counts of "on" pixels in 4×4 blocks). */
export const DIGITS8_LEVELS = 16;
/** The central CROP×CROP pixels of the 28×28 MNIST image are kept … */
const CROP = 24;
/** … and averaged in BLOCK×BLOCK blocks (24 / 3 = 8). */
const BLOCK = CROP / DIGITS8_SIDE;
const BORDER = (MNIST_SIDE - CROP) / 2;

/** The derivation: one 28×28 MNIST sample (at `offset` in `src`) → 64 integers in 0..16. */
export function downsampleMnist(src: ArrayLike<number>, offset = 0): Uint8Array {
  const out = new Uint8Array(DIGITS8_PIXELS);
  for (let r = 0; r < DIGITS8_SIDE; r++) {
    for (let c = 0; c < DIGITS8_SIDE; c++) {
      let sum = 0;
      for (let i = 0; i < BLOCK; i++) {
        const rowStart = offset + (BORDER + r * BLOCK + i) * MNIST_SIDE + BORDER + c * BLOCK;
        for (let j = 0; j < BLOCK; j++) sum += src[rowStart + j]!;
      }
      const mean = sum / (BLOCK * BLOCK);
      out[r * DIGITS8_SIDE + c] = Math.min(DIGITS8_LEVELS, Math.max(0, Math.round(mean * DIGITS8_LEVELS)));
    }
  }
  return out;
}

/** Pixel levels 0..16 are stored one character each, as base-17 digits `0-9a-g`. */
export const DIGITS8_ALPHABET = '0123456789abcdefg';

/** Encodes levels 0..16 as one base-17 character each. */
export function encodeLevels(levels: ArrayLike<number>): string {
  let s = '';
  for (let i = 0; i < levels.length; i++) s += DIGITS8_ALPHABET[levels[i]!]!;
  return s;
}
