// Keras-style summary of the analysed graph: node, type, output shape, params, then the total.
import type { Analysis } from '../core/analysis/analyse.ts';
import { formatShape } from '../core/tensor-type.ts';
import { formatCount, totalParamsLabel } from './format.ts';

export function ModelSummary({ analysis }: { analysis: Analysis }) {
  const rows = [
    ...analysis.order,
    ...[...analysis.nodes.keys()].filter((id) => !analysis.order.includes(id)),
  ];
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
            return (
              <tr key={id}>
                <td>
                  <code>{id}</code>
                </td>
                <td title={n.record.type}>
                  <code>{n.record.type.slice(n.record.type.indexOf('.') + 1)}</code>
                </td>
                <td>{shapes.length > 0 ? shapes.join(', ') : '—'}</td>
                <td className="num">{formatCount(n.paramCount)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <p className="total">{totalParamsLabel(analysis.totalParams)}</p>
    </section>
  );
}
