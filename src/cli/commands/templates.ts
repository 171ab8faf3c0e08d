import { analyseText } from '../../core/analysis/analyse.ts';
import { listTemplateIds, readTemplate } from '../../node/templates.ts';
import { checkFlags, type ParsedArgs } from '../args.ts';
import type { CliContext } from '../context.ts';
import { hasExperiment } from './verify.ts';

export const templatesHelp = `netwright templates [--json]
  Lists templates: id, title, paper, status (ok = analyses cleanly and matches its expected params).`;

export async function templatesCommand(args: ParsedArgs, ctx: CliContext): Promise<number> {
  checkFlags(args, ['json']);
  const registry = await ctx.registry();
  const rows = listTemplateIds().map((id) => {
    const a = analyseText(readTemplate(id), registry);
    const meta = a.doc?.meta;
    const expected = meta?.expected?.params;
    const status = !a.ok
      ? 'errors'
      : expected !== undefined && expected !== a.totalParams
        ? 'param-mismatch'
        : 'ok';
    return {
      id,
      title: meta?.title ?? id,
      paper: meta?.paper ? `${meta.paper.title} (${meta.paper.year})` : null,
      params: a.totalParams,
      verify: hasExperiment(id),
      status,
    };
  });
  if (args.flags.has('json')) {
    ctx.out(JSON.stringify(rows));
    return 0;
  }
  const w = Math.max(4, ...rows.map((r) => r.id.length));
  for (const r of rows)
    ctx.out(
      `${r.id.padEnd(w)}  ${r.status.padEnd(6)}  ${r.title}${r.paper ? ` — ${r.paper}` : ''}${r.verify ? '  [verify]' : ''}`,
    );
  return 0;
}
