// Forward FLOPs per sample, an estimate for the status bar (like Keras-flops / ptflops: one
// multiply-add = 2 FLOPs). Default: a layer's weights are applied once per output position
// (Dense: once; Conv: at every H'×W' position), so 2 · params · positions, plus one op per
// output element (activation, pooling, elementwise math). Node types whose cost does not follow
// that (embedding lookups, recurrences over time, attention scores) declare `flops` themselves.

import type { AnyNodeDef, TypedContext } from '../node-def.ts';
import type { TensorType } from '../tensor-type.ts';

/** Elements per sample (the batch axis excluded); unknown dims count as 1. */
export function elementsPerSample(t: TensorType | undefined): number {
  if (!t) return 0;
  return t.shape.slice(1).reduce<number>((n, d) => n * (d ?? 1), 1);
}

export function estimateFlops(
  def: AnyNodeDef,
  // biome-ignore lint/suspicious/noExplicitAny: params of any node type
  ctx: TypedContext<any>,
  paramCount: number,
): number {
  if (def.kind !== 'layer') return 0;
  if (def.flops) return def.flops(ctx);
  let out = 0;
  let positions = 1;
  for (const t of Object.values(ctx.outputs)) {
    const n = elementsPerSample(t);
    out += n;
    const last = t.shape.length > 1 ? (t.shape.at(-1) ?? 1) : 1;
    positions = Math.max(positions, last > 0 ? n / last : 1);
  }
  return 2 * paramCount * positions + out;
}

/** "1.2 MFLOPs" — three significant digits. */
export function formatFlops(n: number): string {
  const units = ['', 'k', 'M', 'G', 'T', 'P'];
  let i = 0;
  let v = n;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v >= 100 || i === 0 ? Math.round(v) : v.toPrecision(3)} ${units[i]}FLOPs`;
}
