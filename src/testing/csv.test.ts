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
