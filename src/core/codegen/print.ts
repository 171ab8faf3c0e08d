// Small printing helpers for the code generator: literals, identifiers, comments. Output follows
// the repo's Biome style (2 spaces, single quotes, trailing commas, 110 columns). Pure.

import type { Json } from '../ir.ts';
import type { PaperRef } from '../node-def.ts';

export class CodegenError extends Error {
  constructor(
    message: string,
    readonly nodeId?: string,
  ) {
    super(message);
  }
}

export const WIDTH = 110;
/** Comments wrap earlier than code, as the repo's hand-written comments do. */
const COMMENT_WIDTH = 100;

const RESERVED = new Set(
  (
    'break case catch class const continue debugger default delete do else enum export extends false ' +
    'finally for function if import in instanceof new null return super switch this throw true try ' +
    'typeof var void while with yield let static implements interface package private protected public ' +
    'await async of arguments eval undefined NaN Infinity tf'
  ).split(' '),
);

/** A camelCase identifier from a node id or name (`blockConv-1` → `blockConv1`). */
export function identifier(raw: string): string {
  let s = raw.replace(/[^A-Za-z0-9_$]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''));
  if (!s) s = 'value';
  if (/^[0-9]/.test(s)) s = `_${s}`;
  return s;
}

/** PascalCase (`layers.subtract` → `Subtract`, taking the part after the family). */
export function className(type: string): string {
  const name = identifier(type.slice(type.indexOf('.') + 1));
  return name.charAt(0).toUpperCase() + name.slice(1);
}

/** Hands out identifiers unique within one scope, avoiding reserved words and taken names. */
export class Namer {
  private readonly taken: Set<string>;

  constructor(taken: Iterable<string> = []) {
    this.taken = new Set(taken);
  }

  fresh(base: string): string {
    let b = identifier(base);
    if (RESERVED.has(b)) b = `${b}_`;
    let name = b;
    for (let i = 2; this.taken.has(name); i++) name = `${b}${i}`;
    this.taken.add(name);
    return name;
  }

  take(name: string): void {
    this.taken.add(name);
  }

  child(): Namer {
    return new Namer(this.taken);
  }
}

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

export function printString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
}

const isIdentifier = (k: string) => /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(k);

export const printKey = (k: string): string => (isIdentifier(k) ? k : printString(k));

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
  for (const word of text.split(/\s+/).filter(Boolean)) {
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
  const single = `${pad}/** ${paragraphs.join(' ')} */`;
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
