// Where the canvas is: "Graph › Block › Inner" above the canvas while a group is open; each crumb
// goes back up to that level, and Close leaves the innermost group.
import { useEditor, useEditorStore } from '../app/editor-context.ts';
import { scopeAt } from '../core/groups.ts';

export function GroupBreadcrumb() {
  const store = useEditorStore();
  const path = useEditor((s) => s.path);
  const doc = useEditor((s) => s.history.present);
  const labels = path.map((id, i) => {
    const parent = scopeAt(doc, path.slice(0, i));
    return parent?.nodes[id]?.label ?? id;
  });
  return (
    <nav className="group-breadcrumb" aria-label="Open group" data-testid="group-breadcrumb">
      <button type="button" className="link" data-testid="breadcrumb-0" onClick={() => store.closeGroup(0)}>
        Graph
      </button>
      {labels.map((label, i) => (
        <span key={path[i]}>
          <span className="muted"> › </span>
          {i === labels.length - 1 ? (
            <strong data-testid={`breadcrumb-${i + 1}`}>{label}</strong>
          ) : (
            <button
              type="button"
              className="link"
              data-testid={`breadcrumb-${i + 1}`}
              onClick={() => store.closeGroup(i + 1)}
            >
              {label}
            </button>
          )}
        </span>
      ))}
      <button type="button" data-testid="group-close" onClick={() => store.closeGroup()}>
        Close group
      </button>
    </nav>
  );
}
