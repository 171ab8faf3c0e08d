// Status bar: total parameters, graph size, error count (click: zoom to the first failing node),
// autosave state.
import { useEditor, useEditorStore } from '../app/editor-context.ts';
import { scopeOf } from '../app/store.ts';
import { formatFlops } from '../core/analysis/flops.ts';
import { plural, totalParamsLabel } from './format.ts';

export function StatusBar({ saveState }: { saveState: string }) {
  const store = useEditorStore();
  const analysis = useEditor((s) => s.analysis);
  const doc = useEditor((s) => s.history.present);
  const scope = useEditor(scopeOf);
  const inGroup = useEditor((s) => s.path.length > 0);
  // A large document is analysed in a Worker (issue #19): until it answers, nothing is counted.
  const checking = useEditor((s) => s.checking);
  const errors = analysis.diagnostics.filter((d) => d.severity === 'error');
  const firstNode = errors.find((d) => d.nodeId !== undefined)?.nodeId;
  return (
    <footer className="status-bar">
      <span data-testid="total-params" className="total">
        {totalParamsLabel(analysis.totalParams)}
      </span>
      <span
        data-testid="total-flops"
        title="Estimated forward FLOPs per sample (one multiply-add = 2); the training step costs about 3× this."
      >
        ≈ {formatFlops(analysis.totalFlops)}/sample
      </span>
      <span data-testid="graph-size">
        {plural(Object.keys(doc.nodes).length, 'node')} · {plural(Object.keys(doc.edges).length, 'edge')}
        {inGroup && ` (this group: ${plural(Object.keys(scope.nodes).length, 'node')})`}
      </span>
      {checking ? (
        <span className="muted" data-testid="checking" aria-live="polite">
          Checking {plural(Object.keys(doc.nodes).length, 'node')}…
        </span>
      ) : (
        <button
          type="button"
          className={`link${errors.length ? ' status-error' : ' status-ok'}`}
          data-testid="error-count"
          disabled={firstNode === undefined}
          title={errors.map((d) => d.message).join('\n') || 'No errors'}
          onClick={() => firstNode !== undefined && store.focusNode(firstNode)}
        >
          {plural(errors.length, 'error')}
        </button>
      )}
      <span className="muted" data-testid="save-state">
        {saveState}
      </span>
    </footer>
  );
}
