// Key-permutation-invariant targets for a single attention layer (Fu, Guo, Bai, Mei 2023, "What can
// a Single Attention Layer Learn? A Study Through the Random Features Lens", arXiv 2307.11353):
// a query token x₀ and N keys x_i, each uniform on the sphere of radius √d; the target is
// f*(x_{0:N}) = (1/N)·Σ_i F(x₀, x_i) with F(a, b) = relu(⟨a,b⟩/√d) + (⟨a,b⟩/d)².

import type { DataBinding } from '../node-def.ts';
import { type ParamValues, p } from '../params.ts';
import type { Rng } from '../rng.ts';
import { defineDataset } from './dataset-def.ts';
import { permutation, VAL_FRACTION, valCount, valueSplit } from './split.ts';

const params = {
  keys: p.int({ default: 8, min: 1, max: 256, doc: 'N: number of key tokens (the query is token 0).' }),
  dim: p.int({ default: 8, min: 1, max: 256, doc: 'd: token size.' }),
  samples: p.int({ default: 2000, min: 10, max: 100000, doc: 'Total number of sequences.' }),
  valFraction: p.float({ ...VAL_FRACTION, default: 0.5, doc: 'Fraction held out for validation.' }),
  center: p.bool({
    default: true,
    doc: 'Subtract the mean target over all samples (the bias-free random-feature models cannot fit a constant offset).',
  }),
  constant: p.bool({
    default: false,
    doc: 'Append a constant 1 to every token, x̃ = [x; 1] (the target still uses x): without it, flipping the sign of every token flips a bias-free random-feature model but not the target, so no readout can fit it.',
  }),
};

const bindingOf = (v: ParamValues<typeof params>): DataBinding => ({
  name: 'attentionTarget',
  featureShape: [v.keys + 1, v.dim + (v.constant ? 1 : 0)],
  labels: { kind: 'values', shape: [1] },
});

/** A point uniform on the sphere of radius √d. */
function spherePoint(d: number, rng: Rng): number[] {
  const v = Array.from({ length: d }, () => rng.normal());
  const n = Math.sqrt(v.reduce((a, b) => a + b * b, 0)) || 1;
  return v.map((x) => Math.fround((x / n) * Math.sqrt(d)));
}

export const attentionTarget = defineDataset({
  name: 'attentionTarget',
  title: 'Attention target (random-features paper)',
  doc:
    'Sequences of a query token x₀ and N key tokens, each uniform on the sphere of radius √d, with the ' +
    'key-permutation-invariant target f* = (1/N)·Σ_i F(x₀, x_i), F(a, b) = relu(⟨a,b⟩/√d) + (⟨a,b⟩/d)² ' +
    '(Fu, Guo, Bai, Mei 2023), centred by default. Features [N + 1, d] (query first); samples are i.i.d.',
  params,
  describe: bindingOf,
  async load(v, rng) {
    const [n, d, count] = [v.keys, v.dim, v.samples];
    const width = d + (v.constant ? 1 : 0);
    const fs = (n + 1) * width;
    const x = new Float32Array(count * fs);
    const t = new Float32Array(count);
    for (let s = 0; s < count; s++) {
      const toks = Array.from({ length: n + 1 }, () => spherePoint(d, rng));
      toks.forEach((tok, i) => {
        x.set(tok, s * fs + i * width);
        if (v.constant) x[s * fs + i * width + d] = 1;
      });
      let y = 0;
      for (let i = 1; i <= n; i++) {
        const dot = toks[0]!.reduce((a, q, j) => a + q * toks[i]![j]!, 0);
        y += Math.max(0, dot / Math.sqrt(d)) + (dot / d) ** 2;
      }
      t[s] = y / n;
    }
    if (v.center) {
      const m = t.reduce((a, b) => a + b, 0) / count;
      for (let s = 0; s < count; s++) t[s] = t[s]! - m;
    }
    const order = permutation(count, rng);
    const nVal = valCount(count, v.valFraction);
    return {
      binding: bindingOf(v),
      train: valueSplit(x, fs, t, 1, order.slice(nVal)),
      val: valueSplit(x, fs, t, 1, order.slice(0, nVal)),
    };
  },
});
