// `netwright verify`: runs a paper template's miniature experiment. Experiments register here by
// template id as the paper-template issues add them; templates without one say so.
import { listTemplateIds } from '../../node/templates.ts';
import { checkFlags, type ParsedArgs, UsageError } from '../args.ts';
import type { CliContext } from '../context.ts';
import { CliError } from '../load-graph.ts';

export interface ExperimentResult {
  readonly pass: boolean;
  readonly claim: string;
  readonly figures: Readonly<Record<string, number | string>>;
}
export type Experiment = (ctx: CliContext) => Promise<ExperimentResult>;

/** Miniature experiments by template id. */
export const EXPERIMENTS: ReadonlyMap<string, Experiment> = new Map();

export const hasExperiment = (id: string): boolean => EXPERIMENTS.has(id);

export const verifyHelp = `netwright verify <template-id|--all> [--json]
  Runs the paper's miniature experiment; prints the claim, figures and PASS/FAIL. Exit 0 only on PASS.`;

export async function verifyCommand(args: ParsedArgs, ctx: CliContext): Promise<number> {
  checkFlags(args, ['all', 'json']);
  const ids = args.flags.has('all') ? [...EXPERIMENTS.keys()] : args.positionals.slice(0, 1);
  if (!args.flags.has('all') && ids.length === 0) throw new UsageError('give a template id or --all');
  const json = args.flags.has('json');
  let failed = 0;
  for (const id of ids) {
    const exp = EXPERIMENTS.get(id);
    if (!exp) {
      const known = listTemplateIds().includes(id);
      throw new CliError(
        known
          ? `template '${id}' has no miniature experiment to verify (templates with one: ${[...EXPERIMENTS.keys()].join(', ') || 'none yet'}).`
          : `no template '${id}'. Run \`netwright templates\` to list them.`,
        known ? 1 : 2,
      );
    }
    const r = await exp(ctx);
    if (!r.pass) failed++;
    if (json) ctx.out(JSON.stringify({ id, pass: r.pass, claim: r.claim, figures: r.figures }));
    else {
      ctx.out(`${id}: ${r.claim}`);
      for (const [k, v] of Object.entries(r.figures)) ctx.out(`  ${k}: ${v}`);
      ctx.out(`  ${r.pass ? 'PASS' : 'FAIL'}`);
    }
  }
  if (args.flags.has('all') && !json) ctx.out(`${ids.length - failed}/${ids.length} experiments passed.`);
  return failed === 0 ? 0 : 1;
}
