// The `netwright` command (DESIGN §6). Every failure prints one clear message — never a stack
// trace — and exits 1 (graph errors), 2 (unreadable input / usage) or 3 (not available yet).
import * as tf from '@tensorflow/tfjs';
import { loadRegistry } from '../node/discover-nodes.ts';
import { parseArgs, UsageError } from './args.ts';
import { analyseCommand, analyseHelp } from './commands/analyse.ts';
import { check, checkHelp } from './commands/check.ts';
import { exportCommand, exportHelp } from './commands/export.ts';
import { importCommand, importHelp } from './commands/import.ts';
import { templatesCommand, templatesHelp } from './commands/templates.ts';
import { trainCommand, trainHelp } from './commands/train.ts';
import { verifyCommand, verifyHelp } from './commands/verify.ts';
import type { CliContext } from './context.ts';
import { CliError } from './load-graph.ts';

const COMMANDS = {
  check: { run: check, help: checkHelp },
  train: { run: trainCommand, help: trainHelp },
  templates: { run: templatesCommand, help: templatesHelp },
  verify: { run: verifyCommand, help: verifyHelp },
  export: { run: exportCommand, help: exportHelp },
  import: { run: importCommand, help: importHelp },
  analyse: { run: analyseCommand, help: analyseHelp },
} as const;

const VALUE_FLAGS = [
  'epochs',
  'backend',
  'seed',
  'batch-size',
  'max-batches',
  'o',
  'output',
  'save',
  'target',
  'weights',
  'budget',
  'tool',
  'node',
  'class',
  'samples',
  'out',
];

export function usage(): string {
  return ['Usage: netwright <command> [options]', '', ...Object.values(COMMANDS).map((c) => c.help), ''].join(
    '\n',
  );
}

export async function runCli(argv: readonly string[], ctx: CliContext): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    ctx.out(usage());
    return cmd ? 0 : 2;
  }
  const command = (COMMANDS as Record<string, (typeof COMMANDS)[keyof typeof COMMANDS]>)[cmd];
  if (!command) {
    ctx.err(`netwright: unknown command '${cmd}'. Commands: ${Object.keys(COMMANDS).join(', ')}.`);
    return 2;
  }
  try {
    const args = parseArgs(rest, VALUE_FLAGS);
    if (args.flags.has('help')) {
      ctx.out(command.help);
      return 0;
    }
    return await command.run(args, ctx);
  } catch (e) {
    if (e instanceof CliError) {
      ctx.err(`netwright ${cmd}: ${e.message}`);
      return e.exitCode;
    }
    if (e instanceof UsageError) {
      ctx.err(`netwright ${cmd}: ${e.message}\n\n${command.help}`);
      return 2;
    }
    ctx.err(`netwright ${cmd}: internal error: ${(e as Error)?.message ?? e}. Please report it.`);
    return 1;
  }
}

const isMain = process.argv[1] !== undefined && /(?:main\.ts|netwright(?:\.mjs)?)$/.test(process.argv[1]);
if (isMain || process.env.NETWRIGHT_CLI === '1') {
  tf.env().set('PROD', true); // silences tfjs's console banners; the CLI prints its own messages
  const code = await runCli(process.argv.slice(2), {
    out: (l) => process.stdout.write(`${l}\n`),
    err: (l) => process.stderr.write(`${l}\n`),
    isTTY: process.stderr.isTTY === true,
    registry: loadRegistry,
  });
  process.exitCode = code;
}
