// `netwright export <graph|template> [-o model.ts]`: the graph as a standalone TypeScript module
// (tfjs only) exporting buildModel() and, with training settings, train(). The source goes to
// stdout, or with -o to the file (parent folders created; a one-line note on stdout). Exit 1 for a
// graph with errors (the diagnostics on stderr) or a node the code generator cannot print.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { CodegenError, generateTypeScript } from '../../core/codegen/index.ts';
import { lowerGraph } from '../../core/lower.ts';
import { checkFlags, type ParsedArgs, UsageError } from '../args.ts';
import type { CliContext } from '../context.ts';
import { analyseSource, CliError, isUnreadable, readGraphSource } from '../load-graph.ts';
import { formatDiagnostic } from '../summary.ts';
import { exportPyTorch } from './export-pytorch.ts';

export const exportHelp = `netwright export <graph.json|template-id> [-o model.ts]
  TypeScript (tfjs) source that builds the same model (buildModel) and trains it as the graph
  configures (train), to stdout or the -o file. Exit 1 when the graph has errors.
netwright export <graph.json|template-id> --target pytorch -o DIR [--with-data] [--weights SAVED]
  A PyTorch project: DIR/model.py (nn.Module), DIR/train.py (the graph's training, DDP under
  torchrun or --nproc N), DIR/README.md; --with-data adds DIR/data.npz (the graph's dataset),
  --weights SAVED (a 'netwright train --save SAVED' folder) adds DIR/weights.npz.`;

export async function exportCommand(args: ParsedArgs, ctx: CliContext): Promise<number> {
  checkFlags(args, ['o', 'output', 'target', 'with-data', 'weights']);
  const out = args.flags.get('o') ?? args.flags.get('output');
  if (out === true || out === '') throw new UsageError('-o needs a file name');
  const target = args.flags.get('target') ?? 'typescript';
  if (target !== 'typescript' && target !== 'pytorch')
    throw new UsageError("--target must be 'typescript' or 'pytorch'");
  const weights = args.flags.get('weights');
  if (weights === true || weights === '')
    throw new UsageError('--weights needs a folder (from netwright train --save)');
  if (target === 'typescript' && (args.flags.has('with-data') || weights !== undefined))
    throw new UsageError('--with-data and --weights go with --target pytorch');
  if (target === 'pytorch' && out === undefined) throw new UsageError('--target pytorch needs -o DIR');
  const src = readGraphSource(args.positionals[0]);
  const registry = await ctx.registry();
  const a = analyseSource(src, registry);
  if (!a.ok) {
    for (const d of a.diagnostics) ctx.err(`${src.source}: ${formatDiagnostic(d)}`);
    throw new CliError(`${src.source}: fix the graph's errors before exporting.`, isUnreadable(a) ? 2 : 1);
  }
  const lowered = lowerGraph(a, registry);
  if (!lowered.ir) {
    for (const d of lowered.diagnostics) ctx.err(`${src.source}: ${formatDiagnostic(d)}`);
    throw new CliError(`${src.source}: the graph cannot be exported.`, 1);
  }
  if (target === 'pytorch') {
    const dir = out as string;
    const { written, trainRefused } = await exportPyTorch(lowered.ir, registry, src.source, {
      dir,
      withData: args.flags.has('with-data'),
      ...(weights !== undefined ? { weights } : {}),
    });
    if (trainRefused) ctx.err(`${src.source}: train.py not written: ${trainRefused}`);
    ctx.out(`Wrote ${dir}: ${written.join(', ')} for '${lowered.ir.title}'.`);
    return 0;
  }
  let code: string;
  try {
    code = generateTypeScript(lowered.ir, registry);
  } catch (e) {
    if (e instanceof CodegenError) throw new CliError(`${src.source}: cannot export: ${e.message}`, 1);
    throw e;
  }
  if (out === undefined) {
    ctx.out(code.replace(/\n$/, ''));
    return 0;
  }
  try {
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, code);
  } catch (e) {
    throw new CliError(
      `${out}: cannot write the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`,
      2,
    );
  }
  const parts = lowered.ir.training ? 'buildModel() and train()' : 'buildModel()';
  ctx.out(`Wrote ${out}: ${parts} for '${lowered.ir.title}' (${code.split('\n').length - 1} lines).`);
  return 0;
}
