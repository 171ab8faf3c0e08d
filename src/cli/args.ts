// A small argument parser: positionals plus --flag / --flag value / --flag=value / -o value.
export interface ParsedArgs {
  readonly positionals: string[];
  readonly flags: Map<string, string | true>;
}

export class UsageError extends Error {}

export function parseArgs(argv: readonly string[], valueFlags: readonly string[]): ParsedArgs {
  const positionals: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('-') && a !== '-') {
      const eq = a.indexOf('=');
      const name = (eq > 0 ? a.slice(0, eq) : a).replace(/^--?/, '');
      if (eq > 0) flags.set(name, a.slice(eq + 1));
      else if (valueFlags.includes(name)) {
        const v = argv[i + 1];
        if (v === undefined) throw new UsageError(`--${name} needs a value`);
        flags.set(name, v);
        i++;
      } else flags.set(name, true);
    } else positionals.push(a);
  }
  return { positionals, flags };
}

export function intFlag(args: ParsedArgs, name: string, min: number, max: number): number | undefined {
  const v = args.flags.get(name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v === true || !Number.isInteger(n) || n < min || n > max)
    throw new UsageError(
      `--${name} must be a whole number from ${min} to ${max}, got '${v === true ? '' : v}'`,
    );
  return n;
}

export function checkFlags(args: ParsedArgs, allowed: readonly string[]): void {
  for (const k of args.flags.keys())
    if (!allowed.includes(k))
      throw new UsageError(`unknown option --${k} (options: ${allowed.map((a) => `--${a}`).join(', ')})`);
}
