// `netwright verify`: runs a paper template's miniature experiment (src/trainer/experiments/).
import { nodeDatasetIO } from '../../node/dataset-io.ts';
import { listExperimentIds, loadExperiment } from '../../node/discover-experiments.ts';
import { listTemplateIds, readTemplate } from '../../node/templates.ts';
import { selectNodeBackend } from '../../trainer/backend-node.ts';
import type { VerifyBudget } from '../../trainer/experiments/experiment.ts';
import { checkFlags, type ParsedArgs, UsageError } from '../args.ts';
import type { CliContext } from '../context.ts';
import { CliError } from '../load-graph.ts';

/** wasm when it initialises (much faster here), else cpu. */
async function fastestNodeBackend(): Promise<string> {
  try {
    return await selectNodeBackend('wasm');
  } catch {
    return selectNodeBackend('cpu');
  }
}

export const hasExperiment = (id: string): boolean => listExperimentIds().includes(id);

export const verifyHelp = `netwright verify <template-id|--all> [--budget default|full] [--json]
  Runs the paper's miniature experiment; prints the claim, figures and PASS/FAIL. Exit 0 only on PASS.
  --budget full runs the spec's full-size miniature (minutes) where the experiment has one.`;

function budgetOf(args: ParsedArgs): VerifyBudget {
  const v = args.flags.get('budget') ?? 'default';
  if (v !== 'default' && v !== 'full')
    throw new UsageError(`--budget must be 'default' or 'full', got '${v === true ? '' : v}'`);
  return v;
}

export async function verifyCommand(args: ParsedArgs, ctx: CliContext): Promise<number> {
  checkFlags(args, ['all', 'json', 'budget']);
  const budget = budgetOf(args);
  const all = args.flags.has('all');
  const ids = all ? listExperimentIds() : args.positionals.slice(0, 1);
  if (!all && ids.length === 0) throw new UsageError('give a template id or --all');
  const json = args.flags.has('json');
  const registry = await ctx.registry();
  let failed = 0;
  for (const id of ids) {
    const exp = await loadExperiment(id);
    if (!exp) {
      const known = listTemplateIds().includes(id);
      throw new CliError(
        known
          ? `template '${id}' has no miniature experiment to verify (templates with one: ${listExperimentIds().join(', ') || 'none yet'}).`
          : `no template '${id}'. Run \`netwright templates\` to list them.`,
        known ? 1 : 2,
      );
    }
    if (budget === 'full' && !exp.fullBudget) {
      const withFull = [];
      for (const other of listExperimentIds())
        if ((await loadExperiment(other))?.fullBudget) withFull.push(other);
      if (!all)
        throw new CliError(
          `template '${id}' has no full-size budget; its default run is the spec's size or the only one (templates with --budget full: ${withFull.join(', ') || 'none'}).`,
          1,
        );
      continue; // --all --budget full: only the experiments that have one
    }
    if (!json) ctx.out(`${id}: ${exp.claim}\n  criterion: ${exp.criterion}`);
    if (!json && budget === 'full') ctx.out(`  budget full: ${exp.fullBudget}`);
    const t0 = performance.now();
    const r = await exp.run({
      registry,
      templateText: readTemplate(id),
      log: (l) => (json ? undefined : ctx.err(`  ${l}`)),
      io: nodeDatasetIO,
      prepareBackend: fastestNodeBackend,
      budget,
    });
    const seconds = Math.round((performance.now() - t0) / 100) / 10;
    if (!r.pass) failed++;
    if (json)
      ctx.out(
        JSON.stringify({
          id,
          pass: r.pass,
          claim: exp.claim,
          criterion: exp.criterion,
          budget,
          figures: r.figures,
          seconds,
        }),
      );
    else {
      for (const [k, v] of Object.entries(r.figures)) ctx.out(`  ${k}: ${v}`);
      ctx.out(`  ${r.pass ? 'PASS' : 'FAIL'} (${seconds} s)`);
    }
  }
  if (all && !json) ctx.out(`${ids.length - failed}/${ids.length} experiments passed.`);
  return failed === 0 ? 0 : 1;
}
