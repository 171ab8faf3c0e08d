// `<graph.json|template-id>` → analysed graph, or a CliError with the right exit code.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { type Analysis, analyseText } from '../core/analysis/analyse.ts';
import type { Registry } from '../core/registry.ts';
import { listTemplateIds, templatePath } from '../node/templates.ts';

/** An error the CLI prints as one message (never a stack trace) and exits with `exitCode`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2 | 3,
  ) {
    super(message);
  }
}

export interface LoadedGraph {
  readonly source: string;
  readonly text: string;
}

export function readGraphSource(arg: string | undefined): LoadedGraph {
  if (!arg)
    throw new CliError('missing <graph.json|template-id>. Run `netwright templates` to list templates.', 2);
  if (existsSync(arg)) {
    if (statSync(arg).isDirectory()) throw new CliError(`${arg}: is a folder; give a .graph.json file.`, 2);
    try {
      return { source: arg, text: readFileSync(arg, 'utf8') };
    } catch (e) {
      throw new CliError(
        `${arg}: cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`,
        2,
      );
    }
  }
  const t = templatePath(arg);
  if (t) return { source: `template ${arg}`, text: readFileSync(t, 'utf8') };
  throw new CliError(
    `${arg}: no such file, and no template with that id (templates: ${listTemplateIds().join(', ')}).`,
    2,
  );
}

/** Exit 2 when the document itself is unreadable (JSON, not a graph, newer format). */
export function isUnreadable(a: Analysis): boolean {
  return a.doc === undefined && a.diagnostics.some((d) => d.code.startsWith('doc/'));
}

export function analyseSource(src: LoadedGraph, registry: Registry): Analysis {
  return analyseText(src.text, registry);
}
