// The `csv` dataset: the graph records only the shape contract of an uploaded CSV (feature count,
// class count); the rows themselves stay on the user's device and are handed to the trainer at run
// time (see csv.ts), never stored in the graph file.
import type { DataBinding } from '../node-def.ts';
import { type ParamValues, p } from '../params.ts';
import { defineDataset } from './dataset-def.ts';

const params = {
  features: p.int({
    default: 4,
    min: 1,
    max: 100_000,
    doc: 'Encoded feature count (one-hot categories included).',
  }),
  classes: p.int({
    default: 2,
    min: 0,
    max: 10_000,
    doc: 'Number of classes; 0 for a numeric (regression) label.',
  }),
  file: p.string({ default: '', maxLength: 260, doc: 'Name of the uploaded file (for display only).' }),
};

const bindingOf = (v: ParamValues<typeof params>): DataBinding => ({
  name: 'csv',
  featureShape: [v.features],
  labels: v.classes > 0 ? { kind: 'class', numClasses: v.classes } : { kind: 'values', shape: [1] },
});

export const csvUpload = defineDataset({
  name: 'csv',
  title: 'Uploaded CSV',
  doc: 'A CSV file you upload in the Train panel: header detected, categorical columns one-hot encoded, numeric columns standardised with training-split statistics. The data stays on your device.',
  params,
  describe: bindingOf,
  load: (v) =>
    Promise.reject(
      new Error(
        `the CSV data${v.file ? ` ('${v.file}')` : ''} is not stored in the graph: upload the file again in the Train panel`,
      ),
    ),
});
