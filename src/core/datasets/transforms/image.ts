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

/** Bilinear sample of channel k at (y, x); 0 outside the image. */
function sample(img: Float32Array, g: ImageGeometry, y: number, x: number, k: number): number {
  const y0 = Math.floor(y);
  const x0 = Math.floor(x);
  let v = 0;
  for (const [yy, wy] of [
    [y0, 1 - (y - y0)],
    [y0 + 1, y - y0],
  ] as const)
    for (const [xx, wx] of [
      [x0, 1 - (x - x0)],
      [x0 + 1, x - x0],
    ] as const)
      if (wy * wx !== 0 && yy >= 0 && yy < g.h && xx >= 0 && xx < g.w)
        v += wy * wx * img[(yy * g.w + xx) * g.c + k]!;
  return v;
}

/**
 * One image rotated counter-clockwise by `degrees` about its centre. Quarter turns of a square
 * image move pixels exactly; other angles interpolate bilinearly and fill with 0.
 */
export function rotateImage(img: Float32Array, g: ImageGeometry, degrees: number): Float32Array {
  const out = new Float32Array(img.length);
  const turns = (((Math.round(degrees / 90) % 4) + 4) % 4) as 0 | 1 | 2 | 3;
  const exact = Math.abs(degrees / 90 - Math.round(degrees / 90)) < 1e-9 && (turns % 2 === 0 || g.h === g.w);
  const cy = (g.h - 1) / 2;
  const cx = (g.w - 1) / 2;
  const rad = (degrees * Math.PI) / 180;
  const [cos, sin] = [Math.cos(rad), Math.sin(rad)];
  for (let i = 0; i < g.h; i++)
    for (let j = 0; j < g.w; j++) {
      // Source pixel of output (i, j): the inverse rotation (rows grow downwards).
      let si: number;
      let sj: number;
      if (exact) {
        [si, sj] = [
          [i, j],
          [j, g.w - 1 - i],
          [g.h - 1 - i, g.w - 1 - j],
          [g.h - 1 - j, i],
        ][turns]! as [number, number];
      } else {
        const dy = i - cy;
        const dx = j - cx;
        si = cy + cos * dy + sin * dx;
        sj = cx - sin * dy + cos * dx;
      }
      for (let k = 0; k < g.c; k++)
        out[(i * g.w + j) * g.c + k] = exact ? img[(si * g.w + sj) * g.c + k]! : sample(img, g, si, sj, k);
    }
  return out;
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
