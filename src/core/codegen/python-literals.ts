// Python source text from graph text (node ids, labels, string params, stage names), with strict
// rules so no graph text can break out of where it is printed:
// - string literals: double-quoted, with every backslash, double quote and non-printable character
//   (controls, line and paragraph separators, format characters, unpaired surrogates, any space but
//   U+0020) escaped, JSON-like (\n, \x1b, \u2028, \U0001f600 for a lone astral control);
// - comments and docstring lines: the same escaping, so they never hold a line break;
// - identifiers: derived by sanitising (ASCII letters, digits, underscore; keywords suffixed),
//   never copied.
// Kept separate from the TypeScript printer (print.ts) so it can join a shared escaping module.
// Pure.

/** Characters escaped inside literals and comments: everything but printable text. */
const UNPRINTABLE = /[\p{C}\p{Z}]/u;

const SHORT: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  '"': '\\"',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

function escapeChar(ch: string): string {
  const short = SHORT[ch];
  if (short) return short;
  const cp = ch.codePointAt(0)!;
  if (cp <= 0xff) return `\\x${cp.toString(16).padStart(2, '0')}`;
  if (cp <= 0xffff) return `\\u${cp.toString(16).padStart(4, '0')}`;
  return `\\U${cp.toString(16).padStart(8, '0')}`;
}

/** `s` with backslashes, quotes and every non-printable character escaped (no quotes around). */
export function escapePython(s: string): string {
  let out = '';
  // Iterating by code point keeps astral characters whole; a lone surrogate comes out alone.
  for (const ch of s) out += ch in SHORT || (ch !== ' ' && UNPRINTABLE.test(ch)) ? escapeChar(ch) : ch;
  return out;
}

/** A Python string literal holding exactly `s`. */
export const pyString = (s: string): string => `"${escapePython(s)}"`;

/** A `# …` comment line at `indent`; graph text in it can never start a new line. */
export const pyComment = (text: string, indent = 0): string => `${' '.repeat(indent)}# ${escapePython(text)}`;

/**
 * A docstring at `indent`: each entry one line, escaped like a literal (so no `"""` and no
 * line break can come from the text); the lines of the docstring are ours.
 */
export function pyDocstring(lines: readonly string[], indent: number): string[] {
  const pad = ' '.repeat(indent);
  const body = lines.map(escapePython);
  if (body.length === 1) return [`${pad}"""${body[0]}"""`];
  return [`${pad}"""${body[0] ?? ''}`, ...body.slice(1).map((l) => (l ? `${pad}${l}` : '')), `${pad}"""`];
}

export const PY_KEYWORDS: ReadonlySet<string> = new Set(
  (
    'False None True and as assert async await break class continue def del elif else except ' +
    'finally for from global if import in is lambda nonlocal not or pass raise return try while ' +
    'with yield match case type _'
  ).split(' '),
);

/** A snake_case Python identifier derived from graph text (`blockConv-1` → `block_conv_1`). */
export function pyIdentifier(raw: string): string {
  let s = raw
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (!s) s = 'node';
  if (/^[0-9]/.test(s)) s = `n_${s}`;
  if (PY_KEYWORDS.has(s)) s = `${s}_`;
  return s;
}

/**
 * The data.npz key stem of a dataset field: `field_` + the name with every character outside
 * [A-Za-z0-9] escaped as `_<hex>_` (injective, so two fields never share a key).
 */
export const npzFieldKey = (name: string): string =>
  `field_${name.replace(/[^A-Za-z0-9]/gu, (c) => `_${c.codePointAt(0)!.toString(16)}_`)}`;

/** A PascalCase class name derived from graph text (`attention.patchEmbedding` → `PatchEmbedding`). */
export function pyClassName(raw: string): string {
  const tail = raw.slice(raw.lastIndexOf('.') + 1);
  const s = pyIdentifier(tail)
    .split('_')
    .filter(Boolean)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
  if (!/^[A-Z]/.test(s)) return `Node${s}`;
  // `None`, `True`, `False` are keywords.
  return PY_KEYWORDS.has(s) ? `${s}Node` : s;
}

/** Hands out Python identifiers unique within one scope, avoiding taken names. */
export class PyNamer {
  private readonly taken: Set<string>;

  constructor(taken: Iterable<string> = []) {
    this.taken = new Set(taken);
  }

  fresh(base: string, derive: (raw: string) => string = pyIdentifier): string {
    const b = derive(base);
    let name = b;
    for (let i = 2; this.taken.has(name); i++) name = `${b}_${i}`;
    this.taken.add(name);
    return name;
  }

  child(): PyNamer {
    return new PyNamer(this.taken);
  }
}

/** A number as a Python literal (`float("nan")` for NaN, `float("inf")` for infinities). */
export function pyNumber(v: number): string {
  if (Number.isNaN(v)) return 'float("nan")';
  if (v === Number.POSITIVE_INFINITY) return 'float("inf")';
  if (v === Number.NEGATIVE_INFINITY) return '-float("inf")';
  return String(v);
}

/** A JSON value as a Python literal (dicts, lists, True/False/None, escaped strings). */
export function pyValue(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return pyNumber(v);
  if (typeof v === 'string') return pyString(v);
  if (Array.isArray(v)) return `[${v.map(pyValue).join(', ')}]`;
  const entries = Object.entries(v as Record<string, unknown>);
  return `{${entries.map(([k, x]) => `${pyString(k)}: ${pyValue(x)}`).join(', ')}}`;
}

/** `a=1, b=x` from params, for a comment or docstring (which escape it when printed). */
export const keyValues = (p: Readonly<Record<string, unknown>>): string =>
  Object.entries(p)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(', ');
