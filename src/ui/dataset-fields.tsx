// The dataset's named fields in the data panel (shape, dtype, what each holds): drag one onto the
// canvas (or onto a node, to wire it there), or use its Add button (Tab to it, Enter) to add an
// Input reading it, wired into the selected node. And the inspector's Source dropdown of an
// Input, offering the same sources and fitting the Input's shape to the one chosen.
import { useId } from 'react';
import { useEditor, useEditorStore } from '../app/editor-context.ts';
import { addFieldInput, setInputSource, sourceChoices } from '../app/field-input.ts';
import { formatShape } from '../core/tensor-type.ts';

/** dataTransfer type carrying a dataset field's name from the data panel to the canvas. */
export const DRAG_FIELD_MIME = 'application/x-netwright-field';

export function DatasetFields() {
  const store = useEditorStore();
  const fields = useEditor((s) => s.analysis.data?.fields);
  const entries = Object.entries(fields ?? {});
  if (!entries.length) return null;
  const add = (name: string) => {
    const sel = store.getState().selection.nodes;
    addFieldInput(store, name, { target: sel.length === 1 ? sel[0] : undefined });
  };
  return (
    <section className="dataset-fields" data-testid="dataset-fields" aria-label="Dataset fields">
      <h3>Fields</h3>
      <p className="field-doc">
        Drag a field onto the canvas (onto a node to wire it), or Add: an Input reading it, wired into the
        selected node.
      </p>
      <ul>
        {entries.map(([name, f]) => (
          <li
            key={name}
            className="dataset-field"
            data-testid={`dataset-field-${name}`}
            draggable
            title={f.doc ?? name}
            onDragStart={(e) => {
              e.dataTransfer.setData(DRAG_FIELD_MIME, name);
              e.dataTransfer.setData('text/plain', `field:${name}`);
              e.dataTransfer.effectAllowed = 'copy';
            }}
          >
            <code className="field-name">{name}</code>
            <span className="field-shape" data-testid={`dataset-field-shape-${name}`}>
              {formatShape([null, ...f.shape])} {f.dtype}
            </span>
            {f.doc && <span className="field-doc">{f.doc}</span>}
            <button
              type="button"
              className="link"
              data-testid={`dataset-field-add-${name}`}
              onClick={(e) => {
                e.stopPropagation();
                add(name);
              }}
            >
              Add
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** An Input's Source: features, labels or a field of the graph's dataset (free text without one). */
export function SourceField({
  nodeId,
  value,
  fallback,
}: {
  nodeId: string;
  value: string;
  /** The generic text field, when no dataset is chosen. */
  fallback: React.ReactNode;
}) {
  const store = useEditorStore();
  const data = useEditor((s) => s.analysis.data);
  const id = useId();
  const choices = sourceChoices(data);
  if (!choices.length) return fallback;
  const known = choices.some((c) => c.value === value);
  return (
    <div className="field">
      <label htmlFor={id} className="field-label">
        source
      </label>
      <select
        id={id}
        data-testid="inspector-field-source"
        value={value}
        onChange={(e) =>
          store.edit(
            `Source of ${nodeId}: ${e.currentTarget.value}`,
            setInputSource(nodeId, e.currentTarget.value, data),
          )
        }
      >
        {known ? null : <option value={value}>{value} (not in the dataset)</option>}
        {choices.map((c) => (
          <option key={c.value} value={c.value}>
            {c.label}
          </option>
        ))}
      </select>
    </div>
  );
}
