// Keras-style model summary and diagnostic formatting for the terminal.
import type { Analysis } from '../core/analysis/analyse.ts';
import { sharesCounted } from '../core/analysis/share.ts';
import type { Diagnostic } from '../core/diagnostics.ts';
import { formatShapeKeras } from '../core/tensor-type.ts';

export const thousands = (n: number): string => n.toLocaleString('en-US');

export interface SummaryRow {
  readonly id: string;
  readonly type: string;
  readonly shape: string;
  readonly params: number;
}

export function summaryRows(a: Analysis): SummaryRow[] {
  return a.order.flatMap((id) => {
    const n = a.nodes.get(id)!;
    if (n.def?.kind === 'loss' || n.def?.kind === 'metric') return [];
    const out = Object.values(n.outputs)[0];
    const shared = sharesCounted(a, id);
    return [
      {
        id,
        type: shared ? `${n.record.type}, shares ${shared}` : n.record.type,
        shape: out ? formatShapeKeras(out.shape) : '?',
        params: shared ? 0 : n.paramCount,
      },
    ];
  });
}

export function formatSummary(a: Analysis, title: string): string {
  const rows = summaryRows(a);
  const w = [
    Math.max(20, ...rows.map((r) => r.id.length + r.type.length + 3)),
    Math.max(16, ...rows.map((r) => r.shape.length)),
    12,
  ];
  const line = (c: string) => c.repeat(w[0]! + w[1]! + w[2]! + 4);
  const row = (a1: string, a2: string, a3: string) =>
    `${a1.padEnd(w[0]!)}  ${a2.padEnd(w[1]!)}  ${a3.padStart(w[2]!)}`;
  const heads = a.order
    .map((id) => a.nodes.get(id)!)
    .filter((n) => n.def?.kind === 'loss' || n.def?.kind === 'metric')
    .map((n) => `${n.def!.kind} ${n.id} (${n.record.type})`);
  return [
    `Model: "${title}"`,
    line('_'),
    row('Node (type)', 'Output shape', 'Param #'),
    line('='),
    ...rows.map((r) => row(`${r.id} (${r.type})`, r.shape, thousands(r.params))),
    line('='),
    ...(heads.length ? [...heads, line('_')] : []),
    `Total params: ${thousands(a.totalParams)}`,
  ].join('\n');
}

export function formatDiagnostic(d: Diagnostic): string {
  const where =
    d.nodeId !== undefined ? ` [${d.nodeId}${d.field ? `.${d.field}` : d.port ? `:${d.port}` : ''}]` : '';
  const fix =
    d.fix?.kind === 'insert-node'
      ? `\n    fix: insert ${d.fix.type} before '${d.fix.beforeNode}' (input '${d.fix.port}')`
      : d.fix?.kind === 'set-param'
        ? `\n    fix: set ${d.fix.nodeId}.${d.fix.field} = ${JSON.stringify(d.fix.value)}`
        : '';
  return `${d.severity} ${d.code}${where}: ${d.message}${fix}`;
}
