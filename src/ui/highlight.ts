// A small TypeScript tokenizer for the export panel: keywords, strings, numbers, comments,
// identifiers, punctuation and whitespace. Total (every character lands in exactly one token, so
// the token texts concatenate back to the input) and rendered as React text nodes inside
// <span className="tok-…"> elements: the code is never parsed as HTML.
import { createElement, type ReactNode } from 'react';

export type TokenKind = 'keyword' | 'string' | 'number' | 'comment' | 'ident' | 'punct' | 'space';

export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
}

export const KEYWORDS: ReadonlySet<string> = new Set([
  'abstract',
  'as',
  'async',
  'await',
  'break',
  'case',
  'catch',
  'class',
  'const',
  'continue',
  'declare',
  'default',
  'delete',
  'do',
  'else',
  'enum',
  'export',
  'extends',
  'false',
  'finally',
  'for',
  'from',
  'function',
  'if',
  'implements',
  'import',
  'in',
  'instanceof',
  'interface',
  'keyof',
  'let',
  'new',
  'null',
  'of',
  'private',
  'protected',
  'public',
  'readonly',
  'return',
  'static',
  'super',
  'switch',
  'this',
  'throw',
  'true',
  'try',
  'type',
  'typeof',
  'undefined',
  'var',
  'void',
  'while',
  'yield',
]);

const IDENT_START = /[A-Za-z_$]/;
const IDENT_PART = /[A-Za-z0-9_$]/;
const DIGIT = /[0-9]/;
const SPACE = /\s/;

/** Splits `code` into tokens; `tokens.map((t) => t.text).join('') === code` always holds. */
export function tokenize(code: string): Token[] {
  const out: Token[] = [];
  const n = code.length;
  let i = 0;
  const push = (kind: TokenKind, end: number) => {
    const text = code.slice(i, end);
    const last = out[out.length - 1];
    // Runs of punctuation merge into one token (fewer elements to render).
    if (kind === 'punct' && last?.kind === 'punct') out[out.length - 1] = { kind, text: last.text + text };
    else out.push({ kind, text });
    i = end;
  };
  while (i < n) {
    const c = code[i]!;
    const next = code[i + 1];
    if (SPACE.test(c)) {
      let j = i + 1;
      while (j < n && SPACE.test(code[j]!)) j++;
      push('space', j);
    } else if (c === '/' && next === '/') {
      const j = code.indexOf('\n', i);
      push('comment', j < 0 ? n : j);
    } else if (c === '/' && next === '*') {
      const j = code.indexOf('*/', i + 2);
      push('comment', j < 0 ? n : j + 2);
    } else if (c === '"' || c === "'" || c === '`') {
      let j = i + 1;
      while (j < n && code[j] !== c) {
        if (code[j] === '\\') j++;
        else if (c !== '`' && code[j] === '\n') break; // an unterminated quote ends at the line
        j++;
      }
      push('string', Math.min(n, j + 1));
    } else if (DIGIT.test(c) || (c === '.' && next !== undefined && DIGIT.test(next))) {
      let j = i + 1;
      while (j < n && /[0-9A-Za-z_.]/.test(code[j]!)) {
        // An exponent's sign belongs to the number: 1e-7.
        if (/[eE]/.test(code[j]!) && /[+-]/.test(code[j + 1] ?? '') && !/^0[xX]/.test(code.slice(i, j))) j++;
        j++;
      }
      push('number', j);
    } else if (IDENT_START.test(c)) {
      let j = i + 1;
      while (j < n && IDENT_PART.test(code[j]!)) j++;
      push(KEYWORDS.has(code.slice(i, j)) ? 'keyword' : 'ident', j);
    } else {
      push('punct', i + 1);
    }
  }
  return out;
}

/** The code as React nodes: whitespace as plain text, every other token in a `tok-<kind>` span. */
export function highlight(code: string): ReactNode[] {
  return tokenize(code).map((t, k) =>
    t.kind === 'space' ? t.text : createElement('span', { key: k, className: `tok-${t.kind}` }, t.text),
  );
}
