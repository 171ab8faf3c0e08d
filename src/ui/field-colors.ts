// Colours of a field heat map (pure: unit-tested without a DOM). A diverging blue–white–red scale,
// symmetric about 0, so the sign of u and of the error reads at a glance and 0 is always white.

/** The symmetric range ±max|v| shared by the plots that must compare (predicted and true u). */
export function symmetricRange(...fields: readonly (readonly number[])[]): number {
  let m = 0;
  for (const f of fields) for (const v of f) if (Number.isFinite(v)) m = Math.max(m, Math.abs(v));
  return m > 0 ? m : 1;
}

/** RGB of v on [−range, range]: blue (−) → white (0) → red (+); clipped; NaN is grey. */
export function divergingColor(v: number, range: number): [number, number, number] {
  if (!Number.isFinite(v)) return [128, 128, 128];
  const t = Math.max(-1, Math.min(1, v / range));
  const fade = Math.round(255 * (1 - Math.abs(t)));
  return t >= 0 ? [255, fade, fade] : [fade, fade, 255];
}

/** RGBA bytes of a row-major field, for ImageData. */
export function fieldPixels(values: readonly number[], range: number): Uint8ClampedArray {
  const out = new Uint8ClampedArray(values.length * 4);
  values.forEach((v, i) => {
    out.set([...divergingColor(v, range), 255], i * 4);
  });
  return out;
}
