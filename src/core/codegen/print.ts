// Small printing helpers for the code generator: literals, identifiers, comments (graph text in
// any of them goes through escape.ts). Output follows the repo's Biome style (2 spaces, single
// quotes, trailing commas, 110 columns). Pure.

import type { Json } from '../ir.ts';
import type { PaperRef } from '../node-def.ts';
import { safeCommentText, tsStringLiteral } from './escape.ts';

export { classNameFrom as className, identifierFrom as identifier, Namer } from './escape.ts';

export class CodegenError extends Error {
  constructor(
    message: string,
    readonly nodeId?: string,
  ) {
    super(message);
  }
}

/** A training procedure (a phase) the exporter cannot print; the model itself still exports. */
export class PhaseRefusal extends CodegenError {}

export const WIDTH = 110;
/** Comments wrap earlier than code, as the repo's hand-written comments do. */
const COMMENT_WIDTH = 100;

// Math's constants by name (Biome flags their digits as approximations of them).
const MATH_CONSTANTS = new Map(
  (['E', 'LN10', 'LN2', 'LOG10E', 'LOG2E', 'PI', 'SQRT1_2', 'SQRT2'] as const).map((k) => [
    Math[k],
    `Math.${k}`,
  ]),
);

export function printNumber(v: number): string {
  const named = MATH_CONSTANTS.get(Math.abs(v));
  if (named) return v < 0 ? `-${named}` : named;
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return 'Infinity';
  if (v === Number.NEGATIVE_INFINITY) return '-Infinity';
  return String(v);
}

/** Graph text as a string literal (escape.ts: every line terminator, quote and control escaped). */
export const printString = tsStringLiteral;

const isIdentifier = (k: string) => /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(k);

/**
 * An object-literal key. `__proto__` is computed (`['__proto__']`): written plainly or quoted it
 * would set the object's prototype instead of adding the entry.
 */
export const printKey = (k: string): string =>
  k === '__proto__' ? `[${printString(k)}]` : isIdentifier(k) ? k : printString(k);

/** A JSON value as a one-line TypeScript literal (`{ a: 1, b: [2, 3] }`). */
export function printValue(v: Json | undefined): string {
  if (v === undefined) return 'undefined';
  if (v === null) return 'null';
  if (typeof v === 'number') return printNumber(v);
  if (typeof v === 'string') return printString(v);
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map((x) => printValue(x)).join(', ')}]`;
  const entries = Object.entries(v as Record<string, Json>);
  if (!entries.length) return '{}';
  return `{ ${entries.map(([k, x]) => `${printKey(k)}: ${printValue(x)}`).join(', ')} }`;
}

/** Words wrapped into lines of at most `width` characters (a long word stays whole). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of safeCommentText(text).split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/** `// …` lines at `indent`, wrapped at WIDTH; a paragraph per entry. */
export function lineComment(paragraphs: readonly string[], indent: number): string[] {
  const pad = ' '.repeat(indent);
  return paragraphs.flatMap((p) => wrap(p, COMMENT_WIDTH - indent - 3).map((l) => `${pad}// ${l}`));
}

/** A JSDoc block at `indent` (one line when it fits); paragraphs wrapped, a blank line between. */
export function docComment(paragraphs: readonly string[], indent: number): string[] {
  const pad = ' '.repeat(indent);
  const single = `${pad}/** ${safeCommentText(paragraphs.join(' '))} */`;
  if (paragraphs.length === 1 && single.length <= COMMENT_WIDTH) return [single];
  return [
    `${pad}/**`,
    ...paragraphs.flatMap((p, i) => [
      ...(i ? [`${pad} *`] : []),
      ...wrap(p, COMMENT_WIDTH - indent - 3).map((l) => `${pad} * ${l}`),
    ]),
    `${pad} */`,
  ];
}

/** `Authors (year). Title. arXiv:id` — a citation for a comment. */
export function citation(p: PaperRef): string {
  const where = p.arxiv ? ` arXiv:${p.arxiv}` : p.url ? ` ${p.url}` : '';
  return `${p.authors ? `${p.authors} ` : ''}(${p.year}). ${p.title.replace(/\.$/, '')}.${where}`;
}
