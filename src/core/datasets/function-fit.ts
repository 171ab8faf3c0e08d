// Function-fitting (regression) generators: y = f(x) for a few named functions, e.g. the toy
// examples of the KAN paper (Liu et al. 2024, "KAN: Kolmogorov–Arnold Networks").

import type { DataBinding } from '../node-def.ts';
import { type ParamValues, p } from '../params.ts';
import { defineDataset } from './dataset-def.ts';
import { permutation, VAL_FRACTION, valCount, valueSplit } from './split.ts';

/**
 * Bessel function of the first kind, order 0 (rational/asymptotic approximation from Numerical
 * Recipes §6.5, absolute error below about 1e-8).
 */
export function besselJ0(x: number): number {
  const ax = Math.abs(x);
  if (ax < 8) {
    const y = x * x;
    const a =
      57568490574.0 +
      y * (-13362590354.0 + y * (651619640.7 + y * (-11214424.18 + y * (77392.33017 + y * -184.9052456))));
    const b =
      57568490411.0 + y * (1029532985.0 + y * (9494680.718 + y * (59272.64853 + y * (267.8532712 + y))));
    return a / b;
  }
  const z = 8 / ax;
  const y = z * z;
  const xx = ax - 0.785398164;
  const a = 1 + y * (-0.1098628627e-2 + y * (0.2734510407e-4 + y * (-0.2073370639e-5 + y * 0.2093887211e-6)));
  const b =
    -0.1562499995e-1 +
    y * (0.1430488765e-3 + y * (-0.6911147651e-5 + y * (0.7621095161e-6 - y * 0.934935152e-7)));
  return Math.sqrt(0.636619772 / ax) * (Math.cos(xx) * a - z * Math.sin(xx) * b);
}

export interface FitFunction {
  readonly inputs: number;
  readonly formula: string;
  readonly f: (x: readonly number[]) => number;
}

export const FIT_FUNCTIONS = {
  sin: { inputs: 1, formula: 'y = sin(πx)', f: ([x]) => Math.sin(Math.PI * x!) },
  bessel: { inputs: 1, formula: 'y = J₀(20x) (Bessel function)', f: ([x]) => besselJ0(20 * x!) },
  'exp-sin': {
    inputs: 2,
    formula: 'y = exp(sin(πx₁) + x₂²)',
    f: ([x1, x2]) => Math.exp(Math.sin(Math.PI * x1!) + x2! * x2!),
  },
  poly: { inputs: 1, formula: 'y = x³ − x', f: ([x]) => x! ** 3 - x! },
} as const satisfies Record<string, FitFunction>;

export type FitFunctionName = keyof typeof FIT_FUNCTIONS;
const FN_NAMES = Object.keys(FIT_FUNCTIONS) as FitFunctionName[];

const params = {
  fn: p.enum(FN_NAMES, 'sin', FN_NAMES.map((n) => `${n}: ${FIT_FUNCTIONS[n].formula}`).join('; ')),
  samples: p.int({ default: 1000, min: 10, max: 100000, doc: 'Total number of (x, y) pairs.' }),
  noise: p.float({
    default: 0,
    min: 0,
    max: 10,
    step: 0.01,
    doc: 'Standard deviation of the Gaussian noise added to every target (training and validation).',
  }),
  range: p.float({
    default: 1,
    min: 0,
    exclusiveMin: true,
    max: 100,
    step: 0.1,
    doc: 'Inputs are drawn uniformly from [−range, range] in each dimension.',
  }),
  valFraction: p.float({ ...VAL_FRACTION, doc: 'Fraction of the samples held out for validation.' }),
};

const bindingOf = (v: ParamValues<typeof params>): DataBinding => ({
  name: 'functionFit',
  featureShape: [FIT_FUNCTIONS[v.fn].inputs],
  labels: { kind: 'values', shape: [1] },
});

export const functionFit = defineDataset({
  name: 'functionFit',
  title: 'Function fitting',
  doc:
    'Regression on a known function: inputs x drawn uniformly from [−range, range]^d, target ' +
    'y = f(x) + noise·N(0, 1). Functions: ' +
    FN_NAMES.map((n) => `${n}: ${FIT_FUNCTIONS[n].formula}`).join('; ') +
    '. The Bessel and exp-sin examples are from the KAN paper (Liu et al. 2024). Samples are i.i.d., so ' +
    'the split is a random partition.',
  params,
  describe: bindingOf,
  async load(v, rng) {
    const { inputs, f } = FIT_FUNCTIONS[v.fn];
    const n = v.samples;
    const x = new Float32Array(n * inputs);
    const t = new Float32Array(n);
    const point: number[] = new Array(inputs).fill(0);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < inputs; j++) {
        // Round to float32 first so the stored target is f of the stored input.
        point[j] = Math.fround((2 * rng.next() - 1) * v.range);
        x[i * inputs + j] = point[j]!;
      }
      t[i] = f(point) + (v.noise > 0 ? v.noise * rng.normal() : 0);
    }
    const order = permutation(n, rng);
    const nVal = valCount(n, v.valFraction);
    return {
      binding: bindingOf(v),
      train: valueSplit(x, inputs, t, 1, order.slice(nVal)),
      val: valueSplit(x, inputs, t, 1, order.slice(0, nVal)),
    };
  },
});
