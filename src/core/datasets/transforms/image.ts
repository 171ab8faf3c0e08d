// Images inside a dataset's row-major feature rows: [H, W, C], or a flat [n] with n a perfect square
// (one channel). Pure pixel math shared by the rotate/pool transforms and the augmentations.

export interface ImageGeometry {
  readonly h: number;
  readonly w: number;
  readonly c: number;
}

/** The image layout of a feature shape, or an error naming who asked and the fix. */
export function imageGeometry(shape: readonly number[], who: string): ImageGeometry {
  if (shape.length === 3) return { h: shape[0]!, w: shape[1]!, c: shape[2]! };
  const side = Math.round(Math.sqrt(shape[0] ?? 0));
  if (shape.length === 1 && side * side === shape[0]) return { h: side, w: side, c: 1 };
  throw new Error(
    `${who} needs image features [H, W, C] or a flat square [n = s²]; the features are [${shape.join(', ')}].`,
  );
}

/**
 * One image rotated counter-clockwise by `degrees` about its centre. Quarter turns of a square
 * image move pixels exactly; other angles interpolate bilinearly and fill with 0.
 */
export function rotateImage(img: Float32Array, g: ImageGeometry, degrees: number): Float32Array {
  return rotation(g, degrees)(img);
}

/**
 * The rotation by `degrees` as a function of an image, its source pixels and bilinear weights
 * computed once (rotating many images by one angle costs one pass each). Same values as
 * sampling each output pixel on its own: the four neighbours in the same order, off-image and
 * zero-weight ones skipped.
 */
export function rotation(g: ImageGeometry, degrees: number): (img: Float32Array) => Float32Array {
  const turns = (((Math.round(degrees / 90) % 4) + 4) % 4) as 0 | 1 | 2 | 3;
  const exact = Math.abs(degrees / 90 - Math.round(degrees / 90)) < 1e-9 && (turns % 2 === 0 || g.h === g.w);
  const cy = (g.h - 1) / 2;
  const cx = (g.w - 1) / 2;
  const rad = (degrees * Math.PI) / 180;
  const [cos, sin] = [Math.cos(rad), Math.sin(rad)];
  const pixels = g.h * g.w;
  // Per output pixel: up to 4 source pixels (index into the h×w grid, −1 = none) and weights.
  const src = new Int32Array(pixels * 4).fill(-1);
  const weight = new Float64Array(pixels * 4);
  for (let i = 0; i < g.h; i++)
    for (let j = 0; j < g.w; j++) {
      const o = (i * g.w + j) * 4;
      if (exact) {
        // Source pixel of output (i, j): the inverse rotation (rows grow downwards).
        const [si, sj] = [
          [i, j],
          [j, g.w - 1 - i],
          [g.h - 1 - i, g.w - 1 - j],
          [g.h - 1 - j, i],
        ][turns]! as [number, number];
        src[o] = si * g.w + sj;
        weight[o] = 1;
        continue;
      }
      const dy = i - cy;
      const dx = j - cx;
      const y = cy + cos * dy + sin * dx;
      const x = cx - sin * dy + cos * dx;
      const y0 = Math.floor(y);
      const x0 = Math.floor(x);
      let k = 0;
      for (const [yy, wy] of [
        [y0, 1 - (y - y0)],
        [y0 + 1, y - y0],
      ] as const)
        for (const [xx, wx] of [
          [x0, 1 - (x - x0)],
          [x0 + 1, x - x0],
        ] as const) {
          if (wy * wx !== 0 && yy >= 0 && yy < g.h && xx >= 0 && xx < g.w) {
            src[o + k] = yy * g.w + xx;
            weight[o + k] = wy * wx;
          }
          k++;
        }
    }
  return (img) => {
    const out = new Float32Array(img.length);
    for (let p = 0; p < pixels; p++)
      for (let c = 0; c < g.c; c++) {
        let v = 0;
        for (let k = 0; k < 4; k++) {
          const s = src[p * 4 + k]!;
          if (s >= 0) v += weight[p * 4 + k]! * img[s * g.c + c]!;
        }
        out[p * g.c + c] = v;
      }
    return out;
  };
}

/** Applies `f` to every image row of a row-major batch. */
export function mapImages(
  x: Float32Array,
  g: ImageGeometry,
  f: (img: Float32Array, row: number) => Float32Array,
  outSize = g.h * g.w * g.c,
): Float32Array {
  const size = g.h * g.w * g.c;
  const n = x.length / size;
  const out = new Float32Array(n * outSize);
  for (let r = 0; r < n; r++) out.set(f(x.subarray(r * size, (r + 1) * size), r), r * outSize);
  return out;
}
