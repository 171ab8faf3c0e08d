// The P39 template's data (Agliari, Alessandrelli, Barra, Ricci-Tersenghi, "Parallel Learning by
// Multitasking Neural Networks", J. Stat. Mech. 2023, arXiv 2308.04106): K diluted ternary patterns
// ξ^μ ∈ {−1, 0, +1}^N, P(ξ = 0) = d, P(±1) = (1 − d)/2, drawn once per seed. Training split: M noisy
// examples per pattern, η^{μ,a} = χ^{μ,a} ⊙ ξ^μ with χ ∈ {±1}, P(χ = +1) = (1 + r)/2 (quality r), label μ
// (rows pattern by pattern). Validation split: `starts` initial states σ₀ = ξ¹ with its blanks (zeros)
// filled by random ±1, label 0. Every row carries the field `patterns` = [ξ¹; …; ξ^K] ([K, N]) for the
// Mattis overlaps m_μ = ξ^μ·σ/N.
import type { DataBinding } from '../node-def.ts';
import { type ParamValues, p } from '../params.ts';
import type { Rng } from '../rng.ts';
import { defineDataset } from './dataset-def.ts';

const params = {
  neurons: p.int({ default: 2000, min: 2, max: 10_000, doc: 'N neurons (pattern length).' }),
  patterns: p.int({ default: 3, min: 1, max: 64, doc: 'K patterns.' }),
  examples: p.int({ default: 40, min: 1, max: 10_000, doc: 'M examples per pattern (training rows K·M).' }),
  quality: p.float({ default: 0.5, min: 0, max: 1, doc: 'Example quality r: P(χ = +1) = (1 + r)/2.' }),
  dilution: p.float({ default: 0.2, min: 0, max: 0.99, doc: 'Dilution d = P(ξ = 0).' }),
  starts: p.int({
    default: 20,
    min: 1,
    max: 10_000,
    doc: 'Initial states (validation rows): ξ¹ with blanks filled by random ±1.',
  }),
};

type V = ParamValues<typeof params>;

const bindingOf = (v: V): DataBinding => ({
  name: 'dilutedPatterns',
  featureShape: [v.neurons],
  labels: { kind: 'class', numClasses: v.patterns },
  fields: {
    patterns: {
      shape: [v.patterns, v.neurons],
      dtype: 'float32',
      doc: 'The K stored patterns ξ (the same in every row).',
    },
  },
});

const sign = (rng: Rng, pPlus: number) => (rng.next() < pPlus ? 1 : -1);

/** The patterns ξ (K × N, row-major), drawn from `rng` first. Exported for tests. */
export function drawPatterns(k: number, n: number, d: number, rng: Rng): Float32Array {
  return Float32Array.from({ length: k * n }, () => (rng.next() < d ? 0 : sign(rng, 0.5)));
}

export const dilutedPatterns = defineDataset({
  name: 'dilutedPatterns',
  title: 'Diluted patterns + noisy examples (Hebbian)',
  doc:
    'K diluted ternary patterns ξ ∈ {−1, 0, +1}^N (P(0) = d) of Agliari et al. 2023 (P39). Training rows: M examples per pattern η = χ ⊙ ξ^μ, ' +
    'χ = ±1 with P(+1) = (1 + r)/2, labelled μ. Validation rows: initial states ξ¹ with blanks filled by random ±1. Field `patterns`: [K, N], ξ in every row.',
  params,
  describe: bindingOf,
  async load(v, rng) {
    const { neurons: n, patterns: k, examples: m, starts } = v;
    const xi = drawPatterns(k, n, v.dilution, rng);
    const pPlus = (1 + v.quality) / 2;
    const trainCount = k * m;
    const x = new Float32Array(trainCount * n);
    const y = new Int32Array(trainCount);
    for (let mu = 0; mu < k; mu++)
      for (let a = 0; a < m; a++) {
        const row = mu * m + a;
        y[row] = mu;
        for (let i = 0; i < n; i++) x[row * n + i] = sign(rng, pPlus) * xi[mu * n + i]!;
      }
    const vx = new Float32Array(starts * n);
    for (let s = 0; s < starts; s++)
      for (let i = 0; i < n; i++) vx[s * n + i] = xi[i] === 0 ? sign(rng, 0.5) : xi[i]!;
    const repeat = (count: number) => {
      const out = new Float32Array(count * k * n);
      for (let r = 0; r < count; r++) out.set(xi, r * k * n);
      return out;
    };
    return {
      binding: bindingOf(v),
      train: { x, y, count: trainCount, fields: { patterns: repeat(trainCount) } },
      val: { x: vx, y: new Int32Array(starts), count: starts, fields: { patterns: repeat(starts) } },
      classNames: Array.from({ length: k }, (_, i) => `ξ${i + 1}`),
    };
  },
});
