// `netwright export` / `netwright import`: argument handling and input checks are real; the
// TypeScript code generator and the Keras importer are the export/import issue's work.
import { checkFlags, type ParsedArgs } from '../args.ts';
import type { CliContext } from '../context.ts';
import { analyseSource, CliError, isUnreadable, readGraphSource } from '../load-graph.ts';
import { formatDiagnostic } from '../summary.ts';

export const exportHelp = `netwright export <graph.json|template-id> [-o model.ts]
  TypeScript (tfjs) source that builds the same model.`;
export const importHelp = `netwright import <keras-or-tfjs-model.json> [-o graph.json]
  Keras model.to_json() or tfjs model.json topology → Netwright graph.`;

export async function exportCommand(args: ParsedArgs, ctx: CliContext): Promise<number> {
  checkFlags(args, ['o', 'output']);
  const src = readGraphSource(args.positionals[0]);
  const a = analyseSource(src, await ctx.registry());
  if (!a.ok) {
    for (const d of a.diagnostics) ctx.err(`${src.source}: ${formatDiagnostic(d)}`);
    throw new CliError(`${src.source}: fix the graph's errors before exporting.`, isUnreadable(a) ? 2 : 1);
  }
  throw new CliError(
    'TypeScript export is not available in this version yet (it arrives with the export issue).',
    3,
  );
}

export async function importCommand(args: ParsedArgs, _ctx: CliContext): Promise<number> {
  checkFlags(args, ['o', 'output']);
  if (!args.positionals[0]) throw new CliError('missing <model.json>.', 2);
  throw new CliError(
    'Keras/tfjs import is not available in this version yet (it arrives with the import issue).',
    3,
  );
}
