// CSV upload → a LoadedDataset, in the browser, on the device. Pure: RFC-4180-style parsing,
// header detection, numeric / categorical encoding per column, seeded train/val split.
import type { DataBinding } from '../node-def.ts';
import type { Rng } from '../rng.ts';
import type { LoadedDataset } from './dataset-def.ts';

export class CsvError extends Error {}

/** Splits CSV text into rows of cells (quoted cells may hold commas, quotes and newlines). */
export function parseCsvRows(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  const delimiter = detectDelimiter(text);
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"' && cell === '') quoted = true;
    else if (c === delimiter) {
      row.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      if (row.some((x) => x.trim() !== '')) rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  if (quoted) throw new CsvError('a quoted cell is never closed (missing ")');
  row.push(cell);
  if (row.some((x) => x.trim() !== '')) rows.push(row);
  return rows.map((r) => r.map((x) => x.trim()));
}

function detectDelimiter(text: string): string {
  const firstLine = text.slice(0, text.search(/\r?\n|$/));
  const counts = [',', ';', '\t'].map((d) => [d, firstLine.split(d).length - 1] as const);
  return counts.reduce((best, c) => (c[1] > best[1] ? c : best))[0];
}

const isNumber = (s: string) => s !== '' && Number.isFinite(Number(s));

export interface CsvColumn {
  readonly name: string;
  readonly kind: 'numeric' | 'categorical';
  /** Categories in first-seen order (categorical columns). */
  readonly categories: readonly string[];
}

export interface CsvTable {
  readonly hasHeader: boolean;
  readonly columns: readonly CsvColumn[];
  readonly rows: readonly (readonly string[])[];
}

/**
 * A header is present when the first row has a non-numeric cell in a column whose other cells
 * are all numeric, or when every first-row cell is non-numeric and differs from the rest.
 */
export function readCsv(text: string): CsvTable {
  const all = parseCsvRows(text);
  if (all.length < 2) throw new CsvError('the file needs at least two rows');
  const width = all[0]!.length;
  const bad = all.findIndex((r) => r.length !== width);
  if (bad >= 0)
    throw new CsvError(`row ${bad + 1} has ${all[bad]!.length} cells, but the first row has ${width}`);
  const first = all[0]!;
  const rest = all.slice(1);
  const numericBelow = first.map((_, j) => rest.every((r) => isNumber(r[j]!)));
  const hasHeader =
    first.some((c, j) => !isNumber(c) && numericBelow[j]) ||
    (first.every((c) => !isNumber(c)) && first.every((c, j) => !rest.some((r) => r[j] === c)));
  const rows = hasHeader ? rest : all;
  const names = hasHeader
    ? first.map((c, j) => c || `column ${j + 1}`)
    : first.map((_, j) => `column ${j + 1}`);
  const columns = names.map((name, j): CsvColumn => {
    const numeric = rows.every((r) => isNumber(r[j]!));
    const categories = numeric ? [] : [...new Set(rows.map((r) => r[j]!))];
    return { name, kind: numeric ? 'numeric' : 'categorical', categories };
  });
  return { hasHeader, columns, rows };
}

export interface CsvDatasetOptions {
  /** Index of the label column. */
  readonly label: number;
  /** Treat the label as classes (default: categorical label columns, or integer columns with ≤ 20 values). */
  readonly classification?: boolean;
  readonly valFraction: number;
  readonly name?: string;
}

/**
 * Numeric features are standardised with train-split statistics; categorical features are
 * one-hot encoded. Classification labels become class indices in first-seen order.
 */
export function csvDataset(
  table: CsvTable,
  opts: CsvDatasetOptions,
  rng: Rng,
): LoadedDataset & { featureNames: string[] } {
  const { columns, rows } = table;
  const labelCol = columns[opts.label];
  if (!labelCol)
    throw new CsvError(`label column ${opts.label + 1} does not exist (the file has ${columns.length})`);
  if (columns.length < 2) throw new CsvError('the file needs a label column and at least one feature column');
  const labelValues = rows.map((r) => r[opts.label]!);
  const distinct = [...new Set(labelValues)];
  const classification =
    opts.classification ??
    (labelCol.kind === 'categorical' ||
      (distinct.length <= 20 && labelValues.every((v) => Number.isInteger(Number(v)))));
  const features = columns.flatMap((c, j) => (j === opts.label ? [] : [{ c, j }]));
  const featureNames = features.flatMap(({ c }) =>
    c.kind === 'numeric' ? [c.name] : c.categories.map((k) => `${c.name}=${k}`),
  );
  const width = featureNames.length;

  const order = rng.shuffle(rows.map((_, i) => i));
  const nVal = Math.max(1, Math.round(rows.length * opts.valFraction));
  if (rows.length - nVal < 1) throw new CsvError('too few rows to split into training and validation');
  const valIdx = order.slice(0, nVal);
  const trainIdx = order.slice(nVal);

  // Train-split statistics for numeric columns.
  const stats = new Map<number, { mean: number; std: number }>();
  for (const { c, j } of features) {
    if (c.kind !== 'numeric') continue;
    const xs = trainIdx.map((i) => Number(rows[i]![j]));
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const std = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length) || 1;
    stats.set(j, { mean, std });
  }
  const encode = (idx: number[]) => {
    const x = new Float32Array(idx.length * width);
    idx.forEach((ri, n) => {
      let k = n * width;
      for (const { c, j } of features) {
        const v = rows[ri]![j]!;
        if (c.kind === 'numeric') {
          const s = stats.get(j)!;
          x[k++] = (Number(v) - s.mean) / s.std;
        } else {
          for (const cat of c.categories) x[k++] = v === cat ? 1 : 0;
        }
      }
    });
    const y = classification
      ? Int32Array.from(idx, (ri) => distinct.indexOf(rows[ri]![opts.label]!))
      : Float32Array.from(idx, (ri) => Number(rows[ri]![opts.label]));
    return { x, y, count: idx.length };
  };
  if (!classification && labelValues.some((v) => !isNumber(v)))
    throw new CsvError(`label column '${labelCol.name}' has non-numeric values; treat it as classes`);
  const binding: DataBinding = {
    name: opts.name ?? 'csv',
    featureShape: [width],
    labels: classification ? { kind: 'class', numClasses: distinct.length } : { kind: 'values', shape: [1] },
  };
  return {
    binding,
    train: encode(trainIdx),
    val: encode(valIdx),
    ...(classification ? { classNames: distinct } : {}),
    featureNames,
  };
}
