import { checkFlags, type ParsedArgs } from '../args.ts';
import type { CliContext } from '../context.ts';
import { analyseSource, CliError, isUnreadable, readGraphSource } from '../load-graph.ts';
import { formatDiagnostic, formatSummary, summaryRows } from '../summary.ts';

export const checkHelp = `netwright check <graph.json|template-id> [--json]
  Validates a graph and prints a Keras-style summary ending with "Total params: N".
  Exit 0 valid, 1 graph errors, 2 unreadable input.`;

export async function check(args: ParsedArgs, ctx: CliContext): Promise<number> {
  checkFlags(args, ['json']);
  const src = readGraphSource(args.positionals[0]);
  const registry = await ctx.registry();
  const a = analyseSource(src, registry);
  const exit = a.ok ? 0 : isUnreadable(a) ? 2 : 1;
  if (args.flags.has('json')) {
    ctx.out(
      JSON.stringify({
        ok: a.ok,
        params: a.totalParams,
        nodes: summaryRows(a),
        diagnostics: a.diagnostics.map((d) => ({
          code: d.code,
          severity: d.severity,
          nodeId: d.nodeId ?? null,
          ...(d.field ? { field: d.field } : {}),
          ...(d.port ? { port: d.port } : {}),
          message: d.message,
          ...(d.fix ? { fix: d.fix } : {}),
        })),
      }),
    );
    return exit;
  }
  if (exit === 2) throw new CliError(`${src.source}: ${a.diagnostics.map((d) => d.message).join(' ')}`, 2);
  if (a.doc) ctx.out(formatSummary(a, a.doc.meta.title));
  for (const d of a.diagnostics) ctx.err(`${src.source}: ${formatDiagnostic(d)}`);
  if (!a.ok)
    ctx.err(`${a.diagnostics.filter((d) => d.severity === 'error').length} error(s) in ${src.source}.`);
  return exit;
}
