// The export panel's tokenizer: token classes for a small TypeScript snippet, and totality (the
// token texts concatenate back to the input, whatever the input).
import { isValidElement } from 'react';
import { describe, expect, it } from 'vitest';
import { highlight, type Token, tokenize } from '../ui/highlight.ts';

const SNIPPET = `// LeNet: built by Netwright
import * as tf from '@tensorflow/tfjs';
/** Docs. */
export function buildModel(): tf.LayersModel {
  const x = tf.input({ shape: [28, 28, 1], name: "input" });
  const rate = 1e-3 + 0.5 + .25 + 0x1F;
  return \`id \${x}\`; // done
}
`;

const kinds = (tokens: Token[]) => tokens.filter((t) => t.kind !== 'space').map((t) => [t.kind, t.text]);

describe('highlight', () => {
  it('classifies keywords, strings, numbers, comments, identifiers and punctuation', () => {
    const tokens = tokenize(SNIPPET);
    expect(kinds(tokens)).toEqual([
      ['comment', '// LeNet: built by Netwright'],
      ['keyword', 'import'],
      ['punct', '*'],
      ['keyword', 'as'],
      ['ident', 'tf'],
      ['keyword', 'from'],
      ['string', "'@tensorflow/tfjs'"],
      ['punct', ';'],
      ['comment', '/** Docs. */'],
      ['keyword', 'export'],
      ['keyword', 'function'],
      ['ident', 'buildModel'],
      ['punct', '():'],
      ['ident', 'tf'],
      ['punct', '.'],
      ['ident', 'LayersModel'],
      ['punct', '{'],
      ['keyword', 'const'],
      ['ident', 'x'],
      ['punct', '='],
      ['ident', 'tf'],
      ['punct', '.'],
      ['ident', 'input'],
      ['punct', '({'],
      ['ident', 'shape'],
      ['punct', ':'],
      ['punct', '['],
      ['number', '28'],
      ['punct', ','],
      ['number', '28'],
      ['punct', ','],
      ['number', '1'],
      ['punct', '],'],
      ['ident', 'name'],
      ['punct', ':'],
      ['string', '"input"'],
      ['punct', '});'],
      ['keyword', 'const'],
      ['ident', 'rate'],
      ['punct', '='],
      ['number', '1e-3'],
      ['punct', '+'],
      ['number', '0.5'],
      ['punct', '+'],
      ['number', '.25'],
      ['punct', '+'],
      ['number', '0x1F'],
      ['punct', ';'],
      ['keyword', 'return'],
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the token text is literal TypeScript
      ['string', '`id ${x}`'],
      ['punct', ';'],
      ['comment', '// done'],
      ['punct', '}'],
    ]);
  });

  it('round-trips: the token texts concatenate to the input', () => {
    const inputs = [
      SNIPPET,
      '',
      '   \n\t',
      "'unterminated\nnext line",
      '/* open comment',
      '"escaped \\" quote" + `multi\nline`',
      'a<b>c && d?.e ?? f!; @decorator #private 1_000n 1e+',
      '<img src=x onerror=alert(1)>',
      'ünïcode ⟨x⟩ 😀',
    ];
    for (const input of inputs)
      expect(
        tokenize(input)
          .map((t) => t.text)
          .join(''),
      ).toBe(input);
  });

  it('renders spans with tok-<kind> classes and plain text, never markup', () => {
    const nodes = highlight('const s = "<b>x</b>"; // 1');
    const text = nodes
      .map((n) =>
        typeof n === 'string' ? n : isValidElement<{ children: string }>(n) ? n.props.children : '',
      )
      .join('');
    expect(text).toBe('const s = "<b>x</b>"; // 1');
    const classes = nodes.flatMap((n) =>
      isValidElement<{ className: string }>(n) ? [n.props.className] : [],
    );
    expect(classes).toEqual([
      'tok-keyword',
      'tok-ident',
      'tok-punct',
      'tok-string',
      'tok-punct',
      'tok-comment',
    ]);
  });
});
