import { describe, expect, it } from 'vitest';
import { CsvError, csvDataset, parseCsvRows, readCsv } from '../core/datasets/csv.ts';
import { createRng } from '../core/rng.ts';

describe('CSV parsing', () => {
  it('handles quotes, embedded commas/newlines, CRLF, semicolons and blank lines', () => {
    expect(parseCsvRows('a,b\r\n"x, y","say ""hi"""\n\n1,"two\nlines"\n')).toEqual([
      ['a', 'b'],
      ['x, y', 'say "hi"'],
      ['1', 'two\nlines'],
    ]);
    expect(parseCsvRows('a;b\n1;2')).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
    expect(() => parseCsvRows('a,"b\n1,2')).toThrow(CsvError);
  });

  it('detects a header row, or its absence', () => {
    expect(readCsv('len,width,kind\n1.2,3,a\n2,4.5,b').hasHeader).toBe(true);
    const noHeader = readCsv('1.2,3,a\n2,4.5,b\n3,1,a');
    expect(noHeader.hasHeader).toBe(false);
    expect(noHeader.columns.map((c) => c.name)).toEqual(['column 1', 'column 2', 'column 3']);
    expect(noHeader.columns.map((c) => c.kind)).toEqual(['numeric', 'numeric', 'categorical']);
  });

  it('rejects ragged rows with the row number', () => {
    expect(() => readCsv('a,b\n1,2\n3')).toThrow(/row 3 has 1 cells/);
  });
});

describe('csvDataset', () => {
  const text = [
    'sepal,petal,colour,species',
    ...Array.from(
      { length: 20 },
      (_, i) => `${i},${i * 2},${i % 2 ? 'red' : 'blue'},${i < 10 ? 'setosa' : 'virginica'}`,
    ),
  ].join('\n');

  it('encodes numeric (train-standardised) and categorical (one-hot) features; classes from the label', () => {
    const ds = csvDataset(readCsv(text), { label: 3, valFraction: 0.25 }, createRng(1));
    expect(ds.featureNames).toEqual(['sepal', 'petal', 'colour=blue', 'colour=red']);
    expect(ds.binding).toEqual({ name: 'csv', featureShape: [4], labels: { kind: 'class', numClasses: 2 } });
    expect(ds.classNames).toEqual(['setosa', 'virginica']);
    expect(ds.train.count + ds.val.count).toBe(20);
    expect(ds.val.count).toBe(5);
    // Train statistics: the standardised train column has mean 0 and unit variance.
    const col = Array.from({ length: ds.train.count }, (_, n) => ds.train.x[n * 4]!);
    const mean = col.reduce((a, b) => a + b, 0) / col.length;
    const variance = col.reduce((a, b) => a + (b - mean) ** 2, 0) / col.length;
    expect(mean).toBeCloseTo(0, 5);
    expect(variance).toBeCloseTo(1, 4);
    // One-hot: exactly one of the two colour columns is set in every row.
    for (let n = 0; n < ds.train.count; n++) expect(ds.train.x[n * 4 + 2]! + ds.train.x[n * 4 + 3]!).toBe(1);
  });

  it('is deterministic per seed and regression labels stay numeric', () => {
    const a = csvDataset(readCsv(text), { label: 1, valFraction: 0.2, classification: false }, createRng(3));
    const b = csvDataset(readCsv(text), { label: 1, valFraction: 0.2, classification: false }, createRng(3));
    expect(a.binding.labels).toEqual({ kind: 'values', shape: [1] });
    expect(Array.from(a.train.y)).toEqual(Array.from(b.train.y));
    expect(() => csvDataset(readCsv(text), { label: 9, valFraction: 0.2 }, createRng(1))).toThrow(
      /label column 10/,
    );
  });
});

describe('the csv dataset (shape contract only)', () => {
  it('describes features/classes from params and refuses to load without the upload', async () => {
    const { csvUpload } = await import('../core/datasets/csv-upload.ts');
    expect(csvUpload.describe({ features: 6, classes: 3, file: 'x.csv' })).toEqual({
      name: 'csv',
      featureShape: [6],
      labels: { kind: 'class', numClasses: 3 },
    });
    expect(csvUpload.describe({ features: 2, classes: 0, file: '' }).labels).toEqual({
      kind: 'values',
      shape: [1],
    });
    await expect(
      csvUpload.load({ features: 2, classes: 0, file: 'x.csv' }, createRng(1), {
        mnistDigit: () => Promise.reject(new Error('unused')),
      }),
    ).rejects.toThrow(/upload the file again/);
  });
});

describe('hostile CSV (issue 19): missing cells, decimal commas, ID columns, label limits', () => {
  const rows = (n: number, row: (i: number) => string) => Array.from({ length: n }, (_, i) => row(i));
  /** Population mean and standard deviation, as the encoder standardises (reference). */
  const moments = (xs: number[]) => {
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    return { mean, std: Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length) };
  };

  it.each(['', 'NaN', 'NA', '1e400'])(
    'a %j cell leaves the column numeric; it is imputed, with a warning',
    (gap) => {
      // Powers of two: no present value equals a mean of the others, so only the gap encodes to 0.
      const values = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512];
      const text = ['x,label', ...values.map((v, i) => `${i === 4 ? gap : v},${i % 2 ? 'a' : 'b'}`)].join(
        '\n',
      );
      const table = readCsv(text);
      expect(table.columns[0]).toMatchObject({ kind: 'numeric', missing: 1 });
      expect(table.warnings.join(' ')).toMatch(/Column 'x': 1 missing or unreadable cell\(s\) are filled/);
      const ds = csvDataset(table, { label: 1, valFraction: 0.2 }, createRng(1));
      expect(ds.featureNames).toEqual(['x']);
      const all = [...ds.train.x, ...ds.val.x];
      expect(all.filter((v) => v === 0)).toHaveLength(1);
      expect(all.every(Number.isFinite)).toBe(true);
      // The present training cells are standardised over themselves: mean 0, unit variance.
      const m = moments([...ds.train.x].filter((v) => v !== 0));
      expect(m.mean).toBeCloseTo(0, 5);
      expect(m.std).toBeCloseTo(1, 4);
    },
  );

  it('the imputed value is the mean of the training cells that have one', () => {
    const values = [2, 4, 6, 8, 10, 12];
    const text = ['x,label', ...values.map((v, i) => `${v},${i % 2}`), ',0', ',1'].join('\n');
    // valFraction tiny: one validation row; the two gaps may fall in train or validation.
    const ds = csvDataset(readCsv(text), { label: 1, valFraction: 0.01 }, createRng(2));
    const all = [...ds.train.x];
    const present = all.filter((v) => v !== 0);
    // Standardised present training values have mean 0 and unit variance over themselves.
    const m = moments(present);
    expect(m.mean).toBeCloseTo(0, 5);
    expect(m.std).toBeCloseTo(1, 4);
  });

  it('decimal commas are detected (semicolon files) and read as numbers', () => {
    const text = ['a;b;label', '1,5;2;x', '2,5;4;y', '3,5;6;x', '-0,5;8;y'].join('\n');
    const table = readCsv(text);
    expect(table.decimalComma).toBe(true);
    expect(table.columns.map((c) => c.kind)).toEqual(['numeric', 'numeric', 'categorical']);
    expect(table.warnings[0]).toMatch(/decimal commas/);
    const ds = csvDataset(table, { label: 2, valFraction: 0.25 }, createRng(1));
    expect(ds.featureNames).toEqual(['a', 'b']);
    // Standardising is affine, so ratios of differences survive it: rows sorted by b (2, 4, 6, 8)
    // have a = 1.5, 2.5, 3.5, −0.5 in the file.
    const enc = (d: typeof ds.train) =>
      Array.from({ length: d.count }, (_, n) => [d.x[n * 2]!, d.x[n * 2 + 1]!]);
    const pairs = [...enc(ds.train), ...enc(ds.val)].sort((p, q) => p[1]! - q[1]!);
    const e = pairs.map((p) => p[0]!);
    expect((e[1]! - e[0]!) / (e[2]! - e[0]!)).toBeCloseTo((2.5 - 1.5) / (3.5 - 1.5), 4);
    expect((e[3]! - e[0]!) / (e[2]! - e[0]!)).toBeCloseTo((-0.5 - 1.5) / (3.5 - 1.5), 4);
    expect(ds.binding.featureShape).toEqual([2]);
    // A comma-separated file keeps points: a quoted "1,5" there is text.
    expect(readCsv('a,b\n"1,5",x\n2,y').decimalComma).toBe(false);
  });

  it('a 20,000-row ID column is left out of the features, not one-hot encoded 20,000 wide', () => {
    const text = ['id,x,label', ...rows(20_000, (i) => `user-${i},${i % 7},${i % 3 ? 'a' : 'b'}`)].join('\n');
    const table = readCsv(text);
    expect(table.columns[0]!.skip).toMatch(/distinct values|every value is different/);
    const ds = csvDataset(table, { label: 2, valFraction: 0.2 }, createRng(1));
    expect(ds.featureNames).toEqual(['x']);
    expect(ds.binding.featureShape).toEqual([1]);
    expect(ds.warnings.join(' ')).toMatch(/Column 'id' is left out of the features/);
  });

  it('one-class labels and 20,000 classes are refused with the column named', () => {
    const one = ['x,label', ...rows(10, (i) => `${i * 1.5},same`)].join('\n');
    expect(() => csvDataset(readCsv(one), { label: 1, valFraction: 0.2 }, createRng(1))).toThrow(
      /label column 'label' has only one value \("same"\)/,
    );
    const many = ['x,label', ...rows(20_000, (i) => `${(i * 7) % 13},c${i}`)].join('\n');
    expect(() => csvDataset(readCsv(many), { label: 1, valFraction: 0.2 }, createRng(1))).toThrow(
      /has 20,000 distinct values; at most 10,000 classes/,
    );
  });

  it('rows without a label are dropped, with a warning', () => {
    const text = ['x,label', '1,a', '2,', '3,b', '4,NA', '5,a', '6,b'].join('\n');
    const ds = csvDataset(readCsv(text), { label: 1, valFraction: 0.25 }, createRng(1));
    expect(ds.train.count + ds.val.count).toBe(4);
    expect(ds.classNames).toEqual(['a', 'b']);
    expect(ds.warnings.join(' ')).toMatch(/2 row\(s\) have no value in the label column/);
  });
});
