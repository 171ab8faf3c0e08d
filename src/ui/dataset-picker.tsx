// The Train panel's dataset control: every built-in dataset with its params. Choosing one gives the
// graph training settings when it has none, fits the Input's shape and adds a default loss — one
// undo step (src/core/training-setup.ts). Uploaded data (CSV, an image folder) is chosen below it.
import { useEditor, useEditorStore } from '../app/editor-context.ts';
import { DATASETS, findDataset } from '../core/datasets/index.ts';
import { type ParamSpec, resolveParams } from '../core/params.ts';
import { chooseDataset } from '../core/training-setup.ts';
import { DatasetFields } from './dataset-fields.tsx';
import { ParamField } from './inspector.tsx';
import { loadedUpload, type Uploads, uploadSource } from './uploads.ts';

/** Datasets whose data the user uploads (the graph keeps only their shapes). */
export const UPLOADED_DATASETS: ReadonlySet<string> = new Set(['csv', 'images']);

export function DatasetPicker({ disabled, uploads }: { disabled: boolean; uploads: Uploads }) {
  const store = useEditorStore();
  const registry = useEditor((s) => s.registry);
  const dataset = useEditor((s) => s.history.present.training?.dataset);
  const builtIn = DATASETS.filter((d) => !UPLOADED_DATASETS.has(d.name));
  const def = dataset ? findDataset(dataset.name) : undefined;
  const uploaded = dataset && UPLOADED_DATASETS.has(dataset.name);
  const values = def && dataset ? resolveParams(def.params, dataset.params).values : {};

  return (
    <fieldset className="dataset-picker" data-testid="dataset-picker">
      <legend>Data</legend>
      <label>
        Dataset
        <select
          data-testid="train-dataset"
          disabled={disabled}
          value={dataset?.name ?? ''}
          onChange={(e) => {
            const name = e.currentTarget.value;
            const chosen = findDataset(name);
            if (chosen)
              store.run(`Use dataset ${chosen.title}`, chooseDataset({ name, params: {} }, registry));
          }}
        >
          {dataset ? null : <option value="">Choose a dataset…</option>}
          {builtIn.map((d) => (
            <option key={d.name} value={d.name}>
              {d.title}
            </option>
          ))}
          {uploaded ? (
            <option value={dataset.name} data-testid="uploaded-dataset-option">
              {def?.title ?? dataset.name}
              {uploadSource(dataset.params) ? `: ${uploadSource(dataset.params)}` : ''}
              {loadedUpload(uploads, dataset) ? '' : ' (not loaded: upload it again below)'}
            </option>
          ) : null}
        </select>
      </label>
      {def && !uploaded ? (
        <details className="dataset-params">
          <summary>{def.title}: parameters</summary>
          <p className="field-doc">{def.doc}</p>
          {Object.entries(def.params as Record<string, ParamSpec>).map(([field, spec]) => (
            <ParamField
              key={`${def.name}:${field}`}
              testIdPrefix="dataset"
              name={field}
              spec={spec}
              value={values[field]}
              explicit={Object.hasOwn(dataset!.params, field)}
              onChange={(v) =>
                store.run(
                  `Set ${def.name} ${field}`,
                  chooseDataset({ name: def.name, params: { ...dataset!.params, [field]: v } }, registry, {
                    fit: false,
                  }),
                  { coalesce: `dataset:${field}` },
                )
              }
              onReset={() => {
                const { [field]: _dropped, ...rest } = dataset!.params;
                store.run(
                  `Reset ${def.name} ${field}`,
                  chooseDataset({ name: def.name, params: rest }, registry, { fit: false }),
                );
              }}
              onDone={() => store.seal()}
            />
          ))}
        </details>
      ) : null}
      <DatasetFields />
    </fieldset>
  );
}
