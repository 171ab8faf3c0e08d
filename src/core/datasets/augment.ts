// Per-batch training augmentations declared in the dataset binding (`training.dataset.augment`):
// pure and seeded, applied by the trainer to each training batch only (evaluation and inference
// see the data unchanged). Order per image: rotate, shift, flip, then additive noise.
import { z } from 'zod';
import type { Rng } from '../rng.ts';
import { type ImageGeometry, imageGeometry, mapImages, rotateImage } from './transforms/image.ts';

export const AugmentSchema = z
  .object({
    /** Largest shift in pixels along each image axis (uniform integer in [−s, s], 0 fill). */
    shift: z.number().int().min(0).max(32).optional(),
    /** Standard deviation of additive Gaussian noise on every feature. */
    noise: z.number().min(0).max(10).optional(),
    /** Mirror left–right with probability ½. */
    flip: z.boolean().optional(),
    /** Largest rotation in degrees (uniform in [−r, r], bilinear, 0 fill). */
    rotate: z.number().min(0).max(180).optional(),
  })
  .strict();

export type AugmentSpec = z.infer<typeof AugmentSchema>;

const needsImage = (s: AugmentSpec) => Boolean(s.shift || s.flip || s.rotate);

/** Checks the spec against the features (the geometric ones need images); an error names the fix. */
export function checkAugment(spec: AugmentSpec, featureShape: readonly number[]): void {
  if (needsImage(spec)) imageGeometry(featureShape, 'augment (shift, flip, rotate)');
}

function shiftImage(
  img: Float32Array,
  g: ImageGeometry,
  dy: number,
  dx: number,
  flip: boolean,
): Float32Array {
  const out = new Float32Array(img.length);
  for (let i = 0; i < g.h; i++)
    for (let j = 0; j < g.w; j++) {
      const si = i - dy;
      const sj0 = j - dx;
      const sj = flip ? g.w - 1 - sj0 : sj0;
      if (si < 0 || si >= g.h || sj < 0 || sj >= g.w) continue;
      for (let k = 0; k < g.c; k++) out[(i * g.w + j) * g.c + k] = img[(si * g.w + sj) * g.c + k]!;
    }
  return out;
}

/** A training batch (row-major `rows × prod(featureShape)`) augmented; the input is not changed. */
export function augmentBatch(
  x: Float32Array,
  featureShape: readonly number[],
  spec: AugmentSpec,
  rng: Rng,
): Float32Array {
  let out = x;
  if (needsImage(spec)) {
    const g = imageGeometry(featureShape, 'augment (shift, flip, rotate)');
    const s = spec.shift ?? 0;
    out = mapImages(x, g, (img) => {
      const turned = spec.rotate ? rotateImage(img, g, (2 * rng.next() - 1) * spec.rotate) : img;
      const dy = s ? rng.int(2 * s + 1) - s : 0;
      const dx = s ? rng.int(2 * s + 1) - s : 0;
      return shiftImage(turned, g, dy, dx, spec.flip === true && rng.next() < 0.5);
    });
  }
  if (spec.noise) {
    if (out === x) out = Float32Array.from(x);
    for (let i = 0; i < out.length; i++) out[i]! += spec.noise * rng.normal();
  }
  return out;
}
