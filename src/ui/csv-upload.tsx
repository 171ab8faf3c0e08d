// CSV upload for the Train panel: read the file, show detected columns, choose the label column and
// validation share; the encoded dataset (which stays on the device) goes to the trainer and its
// shape contract into the graph (input shape, csv dataset params).
import { useState } from 'react';
import { CsvError, type CsvTable, csvDataset, readCsv } from '../core/datasets/csv.ts';
import type { LoadedDataset } from '../core/datasets/dataset-def.ts';
import { createRng } from '../core/rng.ts';

export interface CsvChoice {
  readonly file: string;
  readonly dataset: LoadedDataset & { featureNames: string[] };
}

export function CsvUpload({ seed, onDataset }: { seed: number; onDataset: (c: CsvChoice) => void }) {
  const [table, setTable] = useState<{ name: string; table: CsvTable } | undefined>();
  const [label, setLabel] = useState(0);
  const [valFraction, setValFraction] = useState(0.2);
  const [error, setError] = useState('');
  // What reading repaired or left out: the file's own (decimal commas, missing cells) once read,
  // then the dataset's (ID columns dropped, rows without a label) once the label is chosen.
  const [warnings, setWarnings] = useState<readonly string[]>([]);

  const load = async (file: File) => {
    setError('');
    setWarnings([]);
    try {
      const t = readCsv(await file.text());
      setTable({ name: file.name, table: t });
      setLabel(t.columns.length - 1);
      setWarnings(t.warnings);
    } catch (e) {
      setTable(undefined);
      setError(`${file.name}: ${e instanceof CsvError ? e.message : 'could not be read as CSV'}`);
    }
  };

  const use = () => {
    if (!table) return;
    try {
      const dataset = csvDataset(table.table, { label, valFraction }, createRng(seed));
      setWarnings(dataset.warnings);
      onDataset({ file: table.name, dataset });
    } catch (e) {
      setError(e instanceof CsvError ? e.message : String(e));
    }
  };

  return (
    <fieldset className="csv-upload">
      <legend>Upload CSV (stays on this device)</legend>
      <p className="field-doc">Kept in this page until it is reloaded; the graph keeps only its shape.</p>
      <input
        type="file"
        accept=".csv,text/csv"
        data-testid="csv-input"
        onChange={(e) => {
          const f = e.target.files?.[0];
          if (f) void load(f);
        }}
      />
      {table ? (
        <>
          <p data-testid="csv-summary">
            {table.table.rows.length} rows, {table.table.columns.length} columns
            {table.table.hasHeader ? ' (header detected)' : ' (no header)'}
          </p>
          <label>
            Label column
            <select data-testid="csv-label" value={label} onChange={(e) => setLabel(Number(e.target.value))}>
              {table.table.columns.map((c, j) => (
                <option key={c.name} value={j}>
                  {c.name} ({c.kind})
                </option>
              ))}
            </select>
          </label>
          <label>
            Validation share
            <input
              type="number"
              min={0.05}
              max={0.5}
              step={0.05}
              value={valFraction}
              onChange={(e) => setValFraction(Number(e.target.value))}
            />
          </label>
          <button type="button" data-testid="csv-use" onClick={use}>
            Use this data
          </button>
        </>
      ) : null}
      {warnings.length ? (
        <ul className="csv-warnings" data-testid="csv-warnings" aria-label="What was repaired or left out">
          {warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      ) : null}
      {error ? (
        <p role="alert" className="csv-error" data-testid="csv-error">
          {error}
        </p>
      ) : null}
    </fieldset>
  );
}
