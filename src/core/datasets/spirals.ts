// K interleaved 2-D spiral arms, one class per arm (the classic "hard for a linear model" toy task).

import type { DataBinding } from '../node-def.ts';
import { type ParamValues, p } from '../params.ts';
import { defineDataset } from './dataset-def.ts';
import { classSplit, stratifiedSplit, VAL_FRACTION } from './split.ts';

const params = {
  samplesPerClass: p.int({ default: 200, min: 10, max: 10000, doc: 'Points on each arm.' }),
  classes: p.int({ default: 2, min: 2, max: 6, doc: 'Number of arms (= classes).' }),
  noise: p.float({
    default: 0.1,
    min: 0,
    max: 1,
    step: 0.01,
    doc: 'Standard deviation of the Gaussian noise added to each coordinate (the spiral has radius 1).',
  }),
  turns: p.float({
    default: 1.5,
    min: 0.25,
    max: 10,
    step: 0.25,
    doc: 'How far each arm winds, in turns, from the centre (radius 0) to the rim (radius 1).',
  }),
  valFraction: p.float({ ...VAL_FRACTION, doc: 'Fraction of each arm held out for validation.' }),
};

const bindingOf = (v: ParamValues<typeof params>): DataBinding => ({
  name: 'spirals',
  featureShape: [2],
  labels: { kind: 'class', numClasses: v.classes },
});

export const spirals = defineDataset({
  name: 'spirals',
  title: 'Spirals',
  doc:
    'K spiral arms in the plane, one class per arm. On arm k, point i has radius r = (i + ½)/n and ' +
    'angle θ = 2πk/K + turns·2π·r (turns 1.5 by default), i.e. (x, y) = r(cos θ, sin θ), plus Gaussian noise of ' +
    'standard deviation `noise` on each coordinate. Not linearly separable: a good first test for ' +
    'hidden layers and nonlinearities. The split is stratified per arm.',
  params,
  describe: bindingOf,
  async load(v, rng) {
    const k = v.classes;
    const n = v.samplesPerClass;
    const x = new Float32Array(k * n * 2);
    const labels = new Int32Array(k * n);
    for (let c = 0; c < k; c++) {
      for (let i = 0; i < n; i++) {
        const row = c * n + i;
        const r = (i + 0.5) / n;
        const theta = (2 * Math.PI * c) / k + v.turns * 2 * Math.PI * r;
        x[row * 2] = r * Math.cos(theta) + v.noise * rng.normal();
        x[row * 2 + 1] = r * Math.sin(theta) + v.noise * rng.normal();
        labels[row] = c;
      }
    }
    const { train, val } = stratifiedSplit(labels, k, v.valFraction, rng);
    return {
      binding: bindingOf(v),
      train: classSplit(x, 2, labels, train),
      val: classSplit(x, 2, labels, val),
      classNames: Array.from({ length: k }, (_, c) => `arm ${c}`),
    };
  },
});
