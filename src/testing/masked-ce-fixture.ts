// A graph whose n-ary loss reads a field: masked cross-entropy (pred ← features, target ← labels,
// mask ← field `mask`), with seeded data and its brute-force value. Shared by the trainer's and
// the PyTorch export's tests, which must both reproduce maskedMean.
import type { GraphDoc } from '../core/doc/schema.ts';
import { createRng } from '../core/rng.ts';

export interface MaskedData {
  readonly n: number;
  readonly c: number;
  readonly x: Float32Array;
  readonly y: Int32Array;
  readonly mask: Float32Array;
}

/** n rows of c logits, class labels, and a mask that drops every third row. */
export function maskedData(n = 30, c = 4): MaskedData {
  const rng = createRng(6);
  const x = Float32Array.from({ length: n * c }, () => 2 * rng.normal());
  const y = Int32Array.from({ length: n }, () => Math.floor(rng.next() * c));
  const mask = Float32Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 0 : 1));
  return { n, c, x, y, mask };
}

export function maskedGraph(c: number): GraphDoc {
  return {
    format: 'netwright.graph',
    formatVersion: 2,
    meta: { title: 'masked' },
    nodes: {
      logits: { type: 'io.input', v: 1, params: { shape: [c] } },
      truth: { type: 'io.input', v: 1, params: { shape: [1], dtype: 'int32', source: 'labels' } },
      keep: { type: 'io.input', v: 1, params: { shape: [1], source: 'field:mask', trainingOnly: true } },
      ce: { type: 'losses.maskedSparseCategoricalCrossentropy', v: 1, params: {} },
    },
    edges: {
      e1: { from: { node: 'logits', port: 'y' }, to: { node: 'ce', port: 'pred' } },
      e2: { from: { node: 'truth', port: 'y' }, to: { node: 'ce', port: 'target' } },
      e3: { from: { node: 'keep', port: 'y' }, to: { node: 'ce', port: 'mask' } },
    },
    layout: {},
  };
}

/** The masked mean of −log softmax(x)[y] over the rows the mask keeps, in plain JS. */
export function maskedMean({ n, c, x, y, mask }: MaskedData): number {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < n; i++) {
    if (!mask[i]) continue;
    const z = Array.from(x.subarray(i * c, (i + 1) * c));
    const lse = Math.log(z.reduce((s, v) => s + Math.exp(v), 0));
    sum += lse - z[y[i]!]!;
    count++;
  }
  return sum / count;
}
