// `netwright import <model.json> [-o graph.json]`: Keras model.to_json() or a tfjs model.json →
// Netwright graph. The graph goes to stdout (so `import m.json > g.graph.json` works; notes go to
// stderr) or, with -o, to a file (notes to stdout). A file that cannot be imported exits 2 and
// writes nothing; one whose graph has errors (a cycle, a size out of range) is written and exits 1.
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { analyse } from '../../core/analysis/analyse.ts';
import { importKerasJson } from '../../core/import/index.ts';
import { checkFlags, type ParsedArgs, UsageError } from '../args.ts';
import type { CliContext } from '../context.ts';
import { CliError, readBoundedFile } from '../load-graph.ts';
import { formatDiagnostic, thousands } from '../summary.ts';

export const importHelp = `netwright import <keras-or-tfjs-model.json> [-o graph.json]
  Keras model.to_json() or tfjs model.json topology → Netwright graph (stdout, or the -o file).
  Lists layers with no Netwright node yet (kept as missing nodes) and ends with Total params: N.
  Exit 2, nothing written, when the file cannot be imported; exit 1 when the written graph has errors.`;

/** Keras topologies run larger than graphs (configs per layer); 64 MiB holds 20,000 layers. */
const MAX_MODEL_BYTES = 64 * 2 ** 20;

function readModelFile(file: string): string {
  if (!existsSync(file)) throw new CliError(`${file}: no such file.`, 2);
  return readBoundedFile(file, MAX_MODEL_BYTES, "the model's JSON file (model.json)");
}

export async function importCommand(args: ParsedArgs, ctx: CliContext): Promise<number> {
  checkFlags(args, ['o', 'output']);
  const file = args.positionals[0];
  if (!file) throw new CliError('missing <model.json>.', 2);
  if (args.positionals.length > 1)
    throw new UsageError(
      `takes one model file, got ${args.positionals.length}: ${args.positionals.join(' ')}`,
    );
  const outPath = args.flags.get('o') ?? args.flags.get('output');
  if (outPath === true || outPath === '') throw new UsageError('-o needs a file name');
  if (outPath !== undefined && existsSync(outPath) && statSync(outPath).isDirectory())
    throw new CliError(`${outPath}: is a folder; give the graph file to write (e.g. model.graph.json).`, 2);

  const text = readModelFile(file);
  const registry = await ctx.registry();
  const result = importKerasJson(text, registry);
  for (const d of result.diagnostics) ctx.err(`${file}: ${formatDiagnostic(d)}`);
  if (!result.doc) throw new CliError(`${file}: cannot import this model (see above); nothing written.`, 2);

  const json = `${JSON.stringify(result.doc, null, 2)}\n`;
  const note = outPath !== undefined ? ctx.out : ctx.err;
  if (outPath !== undefined) {
    try {
      writeFileSync(outPath, json);
    } catch (e) {
      throw new CliError(
        `${outPath}: cannot write the graph (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`,
        2,
      );
    }
    note(`wrote ${outPath} (${Object.keys(result.doc.nodes).length} nodes)`);
  } else ctx.out(json.trimEnd());

  const a = analyse(result.doc, registry);
  // Missing nodes are reported above (import/missing-layer); show the graph's other problems.
  const errors = a.diagnostics.filter((d) => d.severity === 'error' && d.code !== 'node/unknown-type');
  for (const d of errors) ctx.err(`${file}: ${formatDiagnostic(d)}`);
  if (result.missing.length)
    note(
      `missing: ${result.missing.join(', ')} (kept as missing nodes; replace them before training — nodes after them are not counted below)`,
    );
  note(`Total params: ${thousands(a.totalParams)}`);
  // The graph is written either way (fixable in the editor), but a script must see it is not sound.
  if (errors.length) {
    ctx.err(`${file}: the imported graph has ${errors.length} error(s) (above); fix them before training.`);
    return 1;
  }
  return 0;
}
