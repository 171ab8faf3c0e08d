// The MgNO template's data (He, Liu, Xu 2024, arXiv 2310.19809; spec P40): learn the solution
// operator f ↦ u of −Δu = f with u = 0 on the boundary. Sources are random sine series; every
// solution is computed by the project itself (src/core/pde/poisson.ts, a direct float64 solve of the
// 5-point discretisation), so the targets satisfy the discrete equation to rounding.
import type { DataBinding } from '../node-def.ts';
import { type ParamValues, p } from '../params.ts';
import { gridSpacing, sineMatrix, solvePoisson } from '../pde/poisson.ts';
import { defineDataset } from './dataset-def.ts';
import { permutation, VAL_FRACTION, valCount, valueSplit } from './split.ts';

const params = {
  samples: p.int({ default: 700, min: 2, max: 20000, doc: 'Number of (f, u) pairs.' }),
  grid: p.int({ default: 32, min: 4, max: 128, doc: 'Interior grid points n per side (n × n fields).' }),
  modes: p.int({ default: 6, min: 1, max: 32, doc: 'Sine modes K per axis in the source f.' }),
  valFraction: p.float({
    ...VAL_FRACTION,
    default: 1 / 7,
    doc: 'Fraction of the pairs held out for validation.',
  }),
};

const bindingOf = (v: ParamValues<typeof params>): DataBinding => ({
  name: 'poissonSine',
  featureShape: [v.grid, v.grid, 1],
  labels: { kind: 'values', shape: [v.grid, v.grid, 1] },
});

export const poissonSine = defineDataset({
  name: 'poissonSine',
  title: 'Poisson equation (sine sources)',
  doc:
    'Operator learning for −Δu = f on (0, π)² with u = 0 on the boundary, on an n × n grid of interior ' +
    'points. Features: the source f = Σ_{k,l ≤ K} c_kl·sin(kx)·sin(ly), c_kl ~ N(0, 1) (an n × n × 1 field); ' +
    'labels: the solution u of the 5-point discretisation −Δ_h u = f, solved directly in float64 by the ' +
    'discrete sine transform (the residual is at rounding level). u depends on f over the whole domain.',
  params,
  describe: bindingOf,
  async load(v, rng) {
    const n = v.grid;
    const size = n * n;
    const h = gridSpacing(n);
    const sine = sineMatrix(n);
    const x = new Float32Array(v.samples * size);
    const y = new Float32Array(v.samples * size);
    const f = new Float64Array(size);
    // sin(k·x_i) for k ≤ K: the source is a small product of sine bases.
    const basis = Array.from({ length: v.modes }, (_k, k) =>
      Float64Array.from({ length: n }, (_i, i) => Math.sin((k + 1) * (i + 1) * h)),
    );
    for (let s = 0; s < v.samples; s++) {
      f.fill(0);
      for (let k = 0; k < v.modes; k++)
        for (let l = 0; l < v.modes; l++) {
          const c = rng.normal();
          const bk = basis[k]!;
          const bl = basis[l]!;
          for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) f[i * n + j]! += c * bk[i]! * bl[j]!;
        }
      const u = solvePoisson(f, n, sine);
      x.set(f, s * size);
      y.set(u, s * size);
    }
    const order = permutation(v.samples, rng);
    const nVal = valCount(v.samples, v.valFraction);
    return {
      binding: bindingOf(v),
      train: valueSplit(x, size, y, size, order.slice(nVal)),
      val: valueSplit(x, size, y, size, order.slice(0, nVal)),
    };
  },
});
