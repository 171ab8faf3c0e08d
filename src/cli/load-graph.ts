// `<graph.json|template-id>` → analysed graph, or a CliError with the right exit code.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { totalmem } from 'node:os';
import { type Analysis, analyseText } from '../core/analysis/analyse.ts';
import { MAX_GRAPH_BYTES } from '../core/doc/parse.ts';
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

/**
 * A file's text, refused before reading when it is not a regular file (a FIFO or /dev/zero never
 * ends) or is larger than `maxBytes`. `what` names the file a folder should have been.
 */
export function readBoundedFile(file: string, maxBytes: number, what: string): string {
  const st = statSync(file);
  if (st.isDirectory()) throw new CliError(`${file}: is a folder; give ${what}.`, 2);
  if (!st.isFile())
    throw new CliError(
      `${file}: is not a regular file (a pipe or device); save it to a file and give ${what}.`,
      2,
    );
  if (st.size > maxBytes)
    throw new CliError(
      `${file}: is ${(st.size / 2 ** 20).toFixed(1)} MiB; Netwright reads files of at most ${maxBytes / 2 ** 20} MiB.`,
      2,
    );
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliError(
      `${file}: cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`,
      2,
    );
  }
}

export function readGraphSource(arg: string | undefined): LoadedGraph {
  if (!arg)
    throw new CliError('missing <graph.json|template-id>. Run `netwright templates` to list templates.', 2);
  if (existsSync(arg))
    return { source: arg, text: readBoundedFile(arg, MAX_GRAPH_BYTES, 'a .graph.json file') };
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

/** The graph analysed with this machine's memory as the training budget (checked before compiling). */
export function analyseSource(src: LoadedGraph, registry: Registry): Analysis {
  return analyseText(src.text, registry, { memory: { bytes: totalmem(), whose: 'this machine has' } });
}
