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

/** Cells that mean "no value": empty, and the usual spreadsheet and R/pandas spellings. */
const MISSING = new Set(['', 'na', 'n/a', 'nan', 'null', 'none', '?', '-', '#n/a']);
export const isMissing = (s: string): boolean => MISSING.has(s.toLowerCase());

/** A cell's number (`1,5` with decimal commas); undefined when missing, not a number or not finite (1e400). */
function numberOf(s: string, decimalComma: boolean): number | undefined {
  if (isMissing(s)) return undefined;
  const v = Number(decimalComma ? s.replace(',', '.') : s);
  return Number.isFinite(v) ? v : undefined;
}

/** Most classes a label may have (the csv dataset's `classes` param allows as many). */
export const MAX_CSV_CLASSES = 10_000;
/** Most encoded feature columns (the csv dataset's `features` param allows as many). */
export const MAX_CSV_FEATURES = 100_000;
/** A categorical column with more distinct values than this is left out of the features (an ID or free text). */
export const MAX_CSV_CATEGORIES = 1_000;

export interface CsvColumn {
  readonly name: string;
  readonly kind: 'numeric' | 'categorical';
  /** Categories in first-seen order (categorical columns; missing cells are no category). */
  readonly categories: readonly string[];
  /** Cells with no value (empty, NA, NaN, a number too large for float). */
  readonly missing: number;
  /** Why the column is left out of the features (an ID-like column), if it is. */
  readonly skip?: string;
}

export interface CsvTable {
  readonly hasHeader: boolean;
  /** Numbers are written with decimal commas (`1,5`; the delimiter is then ; or tab). */
  readonly decimalComma: boolean;
  readonly columns: readonly CsvColumn[];
  readonly rows: readonly (readonly string[])[];
  /** What was guessed or repaired, for the user to read (missing cells, decimal commas, ID columns). */
  readonly warnings: readonly string[];
}

/** Decimal commas: the delimiter is not a comma and number-like cells use a comma, never a point. */
function detectDecimalComma(rows: readonly (readonly string[])[]): boolean {
  let comma = 0;
  for (const r of rows)
    for (const c of r) {
      if (/^[+-]?\d*\.\d+(e[+-]?\d+)?$/i.test(c)) return false;
      if (/^[+-]?\d*,\d+(e[+-]?\d+)?$/i.test(c)) comma++;
    }
  return comma > 0;
}

/** Integers that step by one through every row (1, 2, 3, …): a row number, not a measurement. */
function isRowCounter(values: readonly (number | undefined)[]): boolean {
  return (
    values.length >= 20 &&
    values.every((v, i) => v !== undefined && Number.isInteger(v) && (i === 0 || v === values[i - 1]! + 1))
  );
}

/**
 * A header is present when the first row has a non-numeric cell in a column whose other cells
 * are all numeric (or missing), or when every first-row cell is non-numeric and differs from the rest.
 * Columns are numeric when every present cell is a finite number; missing cells are counted, not
 * turned into categories. Categorical ID-like columns (every value distinct, or over MAX_CSV_CATEGORIES) are marked skip;
 * a numeric row counter is only warned about.
 */
export function readCsv(text: string): CsvTable {
  const all = parseCsvRows(text);
  if (all.length < 2) throw new CsvError('the file needs at least two rows');
  const width = all[0]!.length;
  const bad = all.findIndex((r) => r.length !== width);
  if (bad >= 0)
    throw new CsvError(`row ${bad + 1} has ${all[bad]!.length} cells, but the first row has ${width}`);
  const decimalComma = /[;\t]/.test(text.slice(0, text.search(/\r?\n|$/))) && detectDecimalComma(all);
  const isNumber = (c: string) => numberOf(c, decimalComma) !== undefined;
  const first = all[0]!;
  const rest = all.slice(1);
  const numericBelow = first.map((_, j) => rest.every((r) => isNumber(r[j]!) || isMissing(r[j]!)));
  const hasHeader =
    first.some((c, j) => !isNumber(c) && !isMissing(c) && numericBelow[j]) ||
    (first.every((c) => !isNumber(c)) && first.every((c, j) => !rest.some((r) => r[j] === c)));
  const rows = hasHeader ? rest : all;
  const names = hasHeader
    ? first.map((c, j) => c || `column ${j + 1}`)
    : first.map((_, j) => `column ${j + 1}`);
  const warnings: string[] = [];
  if (decimalComma) warnings.push('Numbers use decimal commas (1,5); they are read as 1.5.');
  const columns = names.map((name, j): CsvColumn => {
    const cells = rows.map((r) => r[j]!);
    const missing = cells.filter(isMissing).length;
    const present = cells.filter((c) => !isMissing(c));
    const numbers = cells.map((c) => numberOf(c, decimalComma));
    // A cell like 1e400 is number-shaped but overflows: missing, not a category.
    const overflow = present.filter(
      (c) => !isNumber(c) && /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(c),
    ).length;
    const numeric =
      present.length > 0 && present.length === numbers.filter((v) => v !== undefined).length + overflow;
    const categories = numeric ? [] : [...new Set(present)];
    const gaps = missing + (numeric ? overflow : 0);
    let skip: string | undefined;
    if (!numeric && categories.length > MAX_CSV_CATEGORIES)
      skip = `it has ${categories.length.toLocaleString('en-US')} distinct values (an ID or free text?)`;
    else if (!numeric && rows.length >= 20 && categories.length === rows.length)
      skip = 'every value is different (an ID?)';
    // A numeric ID costs one column, not a one-hot per row: kept, with a word to the user.
    else if (numeric && isRowCounter(numbers))
      warnings.push(`Column '${name}' counts the rows 1, 2, 3, … (a row number?); consider leaving it out.`);
    if (gaps)
      warnings.push(
        `Column '${name}': ${gaps} missing or unreadable cell(s)${numeric ? ' are filled with the training mean' : ' match no category'}.`,
      );
    return {
      name,
      kind: numeric ? 'numeric' : 'categorical',
      categories,
      missing: gaps,
      ...(skip ? { skip } : {}),
    };
  });
  return { hasHeader, decimalComma, columns, rows, warnings };
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
 * Numeric features are standardised with train-split statistics (missing cells take the train
 * mean, i.e. 0 after standardising); categorical features are one-hot encoded (a missing cell is
 * all zeros). ID-like columns are left out. Rows without a label are dropped. Classification
 * labels become class indices in first-seen order; one class, or more than MAX_CSV_CLASSES, is
 * refused. `warnings` says what was repaired or left out.
 */
export function csvDataset(
  table: CsvTable,
  opts: CsvDatasetOptions,
  rng: Rng,
): LoadedDataset & { featureNames: string[]; warnings: string[] } {
  const { columns, decimalComma } = table;
  const labelCol = columns[opts.label];
  if (!labelCol)
    throw new CsvError(`label column ${opts.label + 1} does not exist (the file has ${columns.length})`);
  if (columns.length < 2) throw new CsvError('the file needs a label column and at least one feature column');
  const warnings = [...table.warnings];
  const rows = table.rows.filter((r) => !isMissing(r[opts.label]!));
  if (rows.length < table.rows.length)
    warnings.push(
      `${table.rows.length - rows.length} row(s) have no value in the label column '${labelCol.name}' and are left out.`,
    );
  const labelValues = rows.map((r) => r[opts.label]!);
  const distinct = [...new Set(labelValues)];
  const classification =
    opts.classification ??
    (labelCol.kind === 'categorical' ||
      (distinct.length <= 20 && labelValues.every((v) => Number.isInteger(numberOf(v, decimalComma)))));
  if (classification && distinct.length < 2)
    throw new CsvError(
      `the label column '${labelCol.name}' has only one value (${JSON.stringify((distinct[0] ?? '').slice(0, 40))}); a classifier needs at least two classes. Choose another label column.`,
    );
  if (classification && distinct.length > MAX_CSV_CLASSES)
    throw new CsvError(
      `the label column '${labelCol.name}' has ${distinct.length.toLocaleString('en-US')} distinct values; at most ${MAX_CSV_CLASSES.toLocaleString('en-US')} classes are supported. Is it an ID column? Choose another label column.`,
    );
  const features = columns.flatMap((c, j) => (j === opts.label || c.skip ? [] : [{ c, j }]));
  for (const c of columns)
    if (c.skip && c !== labelCol) warnings.push(`Column '${c.name}' is left out of the features: ${c.skip}.`);
  if (!features.length) throw new CsvError('no column is left to use as a feature');
  const featureNames = features.flatMap(({ c }) =>
    c.kind === 'numeric' ? [c.name] : c.categories.map((k) => `${c.name}=${k}`),
  );
  const width = featureNames.length;
  if (width > MAX_CSV_FEATURES)
    throw new CsvError(
      `the features would be ${width.toLocaleString('en-US')} columns wide after one-hot encoding; at most ${MAX_CSV_FEATURES.toLocaleString('en-US')} are supported.`,
    );

  const order = rng.shuffle(rows.map((_, i) => i));
  const nVal = Math.max(1, Math.round(rows.length * opts.valFraction));
  if (rows.length - nVal < 1) throw new CsvError('too few rows to split into training and validation');
  const valIdx = order.slice(0, nVal);
  const trainIdx = order.slice(nVal);

  // Train-split statistics for numeric columns, over the cells that have a value.
  const stats = new Map<number, { mean: number; std: number }>();
  for (const { c, j } of features) {
    if (c.kind !== 'numeric') continue;
    const xs = trainIdx.flatMap((i) => {
      const v = numberOf(rows[i]![j]!, decimalComma);
      return v === undefined ? [] : [v];
    });
    const mean = xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0;
    const std = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, xs.length)) || 1;
    stats.set(j, { mean, std });
  }
  const index = new Map(distinct.map((v, i) => [v, i]));
  const encode = (idx: number[]) => {
    const x = new Float32Array(idx.length * width);
    idx.forEach((ri, n) => {
      let k = n * width;
      for (const { c, j } of features) {
        const v = rows[ri]![j]!;
        if (c.kind === 'numeric') {
          const s = stats.get(j)!;
          x[k++] = ((numberOf(v, decimalComma) ?? s.mean) - s.mean) / s.std;
        } else {
          for (const cat of c.categories) x[k++] = v === cat ? 1 : 0;
        }
      }
    });
    const y = classification
      ? Int32Array.from(idx, (ri) => index.get(rows[ri]![opts.label]!)!)
      : Float32Array.from(idx, (ri) => numberOf(rows[ri]![opts.label]!, decimalComma)!);
    return { x, y, count: idx.length };
  };
  if (!classification && labelValues.some((v) => numberOf(v, decimalComma) === undefined))
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
    warnings,
  };
}
