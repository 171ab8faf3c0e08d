import { z } from 'zod';
import { classLabels, defineTransform, filterRows, rowsByClass } from './transform-def.ts';

/** n_c = floor(m · ρ^(−c/(C−1))): the geometric long-tail profile, m = the smallest class's size. */
export function longTailCounts(available: readonly number[], ratio: number): number[] {
  const m = Math.min(...available);
  const c = available.length;
  return available.map((_, k) => Math.max(1, Math.floor(m * ratio ** (-k / Math.max(1, c - 1)))));
}

export const longTail = defineTransform({
  type: 'longTail',
  doc: 'Long-tailed class counts: class c keeps n_c = floor(m·ρ^(−c/(C−1))) random rows (m = the smallest class size, ρ = head/tail ratio), so class 0 is the head and class C−1 the tail.',
  schema: z
    .object({ ratio: z.number().min(1).max(1000), split: z.enum(['train', 'val', 'both']).default('train') })
    .strict(),
  apply(ds, { ratio, split }, rng) {
    const { numClasses } = classLabels(ds, 'longTail');
    return filterRows(ds, split, (s) => {
      const byClass = rowsByClass(s.y, numClasses);
      const counts = longTailCounts(
        byClass.map((r) => r.length),
        ratio,
      );
      return rng.shuffle(byClass.flatMap((rows, c) => rng.shuffle(rows).slice(0, counts[c])));
    });
  },
});
