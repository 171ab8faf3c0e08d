// Keras-style summary of one analysed graph: node, type, output shape, params, then the total.
import type { TemplateEntry } from '../app/templates.ts';
import type { Diagnostic } from '../core/diagnostics.ts';
import { formatShape } from '../core/tensor-type.ts';
import { formatCount, plural, totalParamsLabel } from './format.ts';

export function ModelSummary({ entry }: { entry: TemplateEntry }) {
  const { analysis, meta, diagnostics } = entry;
  const rows = analysis
    ? [...analysis.order, ...[...analysis.nodes.keys()].filter((id) => !analysis.order.includes(id))]
    : [];
  return (
    <section className="summary" aria-label="Model summary">
      <p>
        <a href="./">← All templates</a>
      </p>
      <h2>{meta?.title ?? entry.id}</h2>
      {meta?.paper && (
        <p className="card-paper">
          {meta.paper.title} ({meta.paper.year})
          {meta.paper.arxiv && <span className="muted"> · arXiv {meta.paper.arxiv}</span>}
        </p>
      )}
      {meta?.claim && <p className="claim">{meta.claim}</p>}
      {analysis && (
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
              return (
                <tr key={id}>
                  <td>
                    <code>{id}</code>
                  </td>
                  <td>
                    <code>{n.record.type}</code>
                  </td>
                  <td>{shapes.length > 0 ? shapes.join(', ') : '—'}</td>
                  <td className="num">{formatCount(n.paramCount)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <p className="total" data-testid="total-params">
        {totalParamsLabel(analysis?.totalParams ?? 0)}
      </p>
      {meta?.expected?.params !== undefined && (
        <p className="muted">Expected by the paper: {formatCount(meta.expected.params)}</p>
      )}
      <Diagnostics items={diagnostics} />
    </section>
  );
}

function Diagnostics({ items }: { items: readonly Diagnostic[] }) {
  if (items.length === 0) return <p className="ok">No diagnostics.</p>;
  return (
    <section aria-label="Diagnostics">
      <h3>{plural(items.length, 'diagnostic')}</h3>
      <ul className="diagnostics">
        {items.map((d, i) => (
          // Diagnostics have no id of their own; their order is stable for a given document.
          // biome-ignore lint/suspicious/noArrayIndexKey: see above
          <li key={i} className={d.severity}>
            <code>{d.code}</code>
            {d.nodeId && (
              <>
                {' '}
                on <code>{d.nodeId}</code>
              </>
            )}
            : {d.message}
          </li>
        ))}
      </ul>
    </section>
  );
}
