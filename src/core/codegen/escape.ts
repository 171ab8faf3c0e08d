// The one place graph text (titles, node ids, stage and group names, string params, file names —
// anything a graph file or share link supplies) is made safe to write into generated source.
// Three rules, shared by every exporter (TypeScript now, Python next):
// - comments: safeCommentText() keeps the text on one line and never closes a block comment, so
//   it is inert inside `//`, `/* … */`, `/** … */` and Python `#` comments;
// - string literals: tsStringLiteral() / pyStringLiteral() escape quotes, backslashes, every line
//   terminator (\n, \r, U+2028, U+2029, …), control and bidi-override characters and lone
//   surrogates, so the literal parses and its value is the text exactly;
// - identifiers: identifierFrom() derives one from ASCII letters, digits and _ — graph text is
//   never copied into an identifier position; a Namer keeps derived names unique and unreserved.
// Pure.

/**
 * Characters that change how source is read or shown: C0/C1 controls (line feed, carriage
 * return, …), DEL, the JS line/paragraph separators, bidi marks and overrides (Trojan Source),
 * the byte-order mark, and unpaired UTF-16 surrogates (they do not survive writing the file).
 */
const UNSAFE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it finds
  /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Graph text for any comment: one line, no unsafe characters, never the end of a block comment. */
export function safeCommentText(text: string): string {
  return text.replace(UNSAFE, ' ').replace(/\*\//g, '* /');
}

const hex4 = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

const SHORT_ESCAPES: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** Escapes a string body for a quoted literal; both languages read \\, \n, \r, \t and \uXXXX alike. */
function escapeBody(text: string, quote: "'" | '"'): string {
  return text
    .replace(/\\/g, '\\\\')
    .replace(quote === "'" ? /'/g : /"/g, `\\${quote}`)
    .replace(UNSAFE, (c) => SHORT_ESCAPES[c] ?? hex4(c));
}

/**
 * A single-quoted TypeScript/JavaScript string literal whose value is `text`. `${…}` is inert in
 * it (only template literals interpolate, and the generator never puts graph text in one).
 */
export function tsStringLiteral(text: string): string {
  return `'${escapeBody(text, "'")}'`;
}

/** A single-quoted Python 3 str literal whose value is `text` (never an f-string: `{…}` is inert). */
export function pyStringLiteral(text: string): string {
  return `'${escapeBody(text, "'")}'`;
}

/**
 * A camelCase identifier derived from a node id or name (`blockConv-1` → `blockConv1`): only
 * ASCII letters, digits and _ survive, so it is valid in TypeScript and Python alike. Never empty,
 * never starts with a digit; reserved words are the Namer's job.
 */
export function identifierFrom(raw: string): string {
  let s = raw.replace(/[^A-Za-z0-9_]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''));
  if (!s) s = 'value';
  if (/^[0-9]/.test(s)) s = `_${s}`;
  return s;
}

/** PascalCase class name from a node type (`layers.subtract` → `Subtract`, the part after the family). */
export function classNameFrom(type: string): string {
  const name = identifierFrom(type.slice(type.indexOf('.') + 1));
  return name.charAt(0).toUpperCase() + name.slice(1);
}

/** Words TypeScript reserves, plus globals a generated module must not shadow. */
export const TS_RESERVED: ReadonlySet<string> = new Set(
  (
    'break case catch class const continue debugger default delete do else enum export extends false ' +
    'finally for function if import in instanceof new null return super switch this throw true try ' +
    'typeof var void while with yield let static implements interface package private protected public ' +
    'await async of arguments eval undefined NaN Infinity tf globalThis'
  ).split(' '),
);

/** Hands out identifiers unique within one scope, derived from graph text, avoiding reserved and taken names. */
export class Namer {
  private readonly taken: Set<string>;

  constructor(
    taken: Iterable<string> = [],
    private readonly reserved: ReadonlySet<string> = TS_RESERVED,
  ) {
    this.taken = new Set(taken);
  }

  fresh(base: string): string {
    let b = identifierFrom(base);
    if (this.reserved.has(b)) b = `${b}_`;
    let name = b;
    for (let i = 2; this.taken.has(name); i++) name = `${b}${i}`;
    this.taken.add(name);
    return name;
  }

  take(name: string): void {
    this.taken.add(name);
  }

  child(): Namer {
    return new Namer(this.taken, this.reserved);
  }
}
