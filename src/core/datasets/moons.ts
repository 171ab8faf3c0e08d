// Two interleaving half-moons (as scikit-learn's `make_moons`).

import type { DataBinding } from '../node-def.ts';
import { type ParamValues, p } from '../params.ts';
import { defineDataset } from './dataset-def.ts';
import { classSplit, stratifiedSplit, VAL_FRACTION } from './split.ts';

const params = {
  samples: p.int({
    default: 400,
    min: 4,
    max: 100000,
    doc: 'Total points (split evenly between the moons).',
  }),
  noise: p.float({
    default: 0.1,
    min: 0,
    max: 1,
    step: 0.01,
    doc: 'Standard deviation of the Gaussian noise added to each coordinate.',
  }),
  valFraction: p.float({ ...VAL_FRACTION, doc: 'Fraction of each moon held out for validation.' }),
};

const bindingOf = (_v: ParamValues<typeof params>): DataBinding => ({
  name: 'moons',
  featureShape: [2],
  labels: { kind: 'class', numClasses: 2 },
});

export const moons = defineDataset({
  name: 'moons',
  title: 'Two moons',
  doc:
    'Two interleaving half circles, as scikit-learn’s `make_moons`: class 0 is the upper arc ' +
    '(cos t, sin t) and class 1 the lower arc (1 − cos t, ½ − sin t), t evenly spaced in [0, π], ' +
    'with ⌊samples/2⌋ points on the upper arc and the rest on the lower, plus Gaussian noise of ' +
    'standard deviation `noise` on each coordinate. The split is stratified per moon.',
  params,
  describe: bindingOf,
  async load(v, rng) {
    const nUpper = Math.floor(v.samples / 2);
    const nLower = v.samples - nUpper;
    const x = new Float32Array(v.samples * 2);
    const labels = new Int32Array(v.samples);
    const step = (n: number, i: number) => (n > 1 ? (Math.PI * i) / (n - 1) : 0);
    for (let i = 0; i < v.samples; i++) {
      const upper = i < nUpper;
      const t = upper ? step(nUpper, i) : step(nLower, i - nUpper);
      x[i * 2] = (upper ? Math.cos(t) : 1 - Math.cos(t)) + v.noise * rng.normal();
      x[i * 2 + 1] = (upper ? Math.sin(t) : 0.5 - Math.sin(t)) + v.noise * rng.normal();
      labels[i] = upper ? 0 : 1;
    }
    const { train, val } = stratifiedSplit(labels, 2, v.valFraction, rng);
    return {
      binding: bindingOf(v),
      train: classSplit(x, 2, labels, train),
      val: classSplit(x, 2, labels, val),
      classNames: ['upper moon', 'lower moon'],
    };
  },
});
