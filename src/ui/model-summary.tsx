// Keras-style summary of the analysed graph: node, type, output shape, params, then the total.
import type { Analysis } from '../core/analysis/analyse.ts';
import { sharesCounted } from '../core/analysis/share.ts';
import { formatShape } from '../core/tensor-type.ts';
import { formatCount, totalParamsLabel } from './format.ts';

/**
 * Rows the table shows at most: a 10,000-node document's full table took seconds of DOM work on
 * every change (bench/open-large-bench.ts), and 500 rows still ~0.1 s of layout when its analysis
 * arrived from the Worker (issue #19); the rest is counted below it. Templates have under 50 nodes.
 */
export const MAX_SUMMARY_ROWS = 200;

/** Node ids in topological order, then those analysis could not order; the first `max` of them. */
export function summaryRows(analysis: Analysis, max = MAX_SUMMARY_ROWS): { ids: string[]; more: number } {
  const ordered = new Set(analysis.order);
  const all = [...analysis.order, ...[...analysis.nodes.keys()].filter((id) => !ordered.has(id))];
  return { ids: all.slice(0, max), more: Math.max(0, all.length - max) };
}

export function ModelSummary({ analysis }: { analysis: Analysis }) {
  const { ids: rows, more } = summaryRows(analysis);
  if (rows.length === 0) return null;
  return (
    <section className="summary" aria-label="Model summary">
      <h3>Summary</h3>
      <table className="summary-table">
        <thead>
          <tr>
            <th scope="col">Node</th>
            <th scope="col">Type</th>
            <th scope="col">Output shape</th>
            <th scope="col" className="num">
              Params
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((id) => {
            const n = analysis.nodes.get(id)!;
            const shapes = Object.values(n.outputs).map((t) => formatShape(t.shape) || 'scalar');
            const shared = sharesCounted(analysis, id);
            return (
              <tr key={id}>
                <td>
                  <code>{id}</code>
                </td>
                <td title={n.record.type}>
                  <code>{n.record.type.slice(n.record.type.indexOf('.') + 1)}</code>
                </td>
                <td>{shapes.length > 0 ? shapes.join(', ') : '—'}</td>
                <td className="num" title={shared ? `counted under ${shared}` : undefined}>
                  {shared ? `shares ${shared}` : formatCount(n.paramCount)}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {more ? (
        <p className="muted" data-testid="summary-more">
          … and {formatCount(more)} more nodes (the first {formatCount(rows.length)} are listed).
        </p>
      ) : null}
      <p className="total">{totalParamsLabel(analysis.totalParams)}</p>
    </section>
  );
}
