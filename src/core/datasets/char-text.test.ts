// charText (P28): seeded, windows of one stream (row i + 1 is row i shifted by one character and
// row i's label is the next character), every symbol in the alphabet, every whole word from the
// lexicon, and a full stop always followed by a space.
import { describe, expect, it } from 'vitest';
import { resolveParams } from '../params.ts';
import { createRng } from '../rng.ts';
import { CHAR_TEXT_ALPHABET, charText, charTextLexicon } from './char-text.ts';

const load = (seed: number, over: Record<string, unknown> = {}) =>
  charText.load(
    resolveParams(charText.params, { trainSamples: 400, valSamples: 300, ...over }).values as never,
    createRng(seed),
    {} as never,
  );

describe('charText dataset', () => {
  it('is seeded and its rows are the overlapping windows of one stream', async () => {
    const a = await load(5);
    const b = await load(5);
    const c = await load(6);
    expect(a.train.x).toEqual(b.train.x);
    expect(a.val.y).toEqual(b.val.y);
    expect(a.train.x).not.toEqual(c.train.x);
    expect(a.binding.featureShape).toEqual([16]);
    expect(a.binding.labels).toEqual({ kind: 'class', numClasses: 28 });
    const x = a.val.x;
    const y = a.val.y as Int32Array;
    for (let i = 0; i + 1 < a.val.count; i++) {
      for (let t = 0; t + 1 < 16; t++) expect(x[(i + 1) * 16 + t]).toBe(x[i * 16 + t + 1]);
      expect(y[i]).toBe(x[(i + 1) * 16 + 15]);
    }
  });

  it('writes lexicon words separated by spaces, sentences ended by a full stop', async () => {
    const a = await load(2, { context: 4 });
    const n = a.train.count;
    const ids = [...a.train.x.subarray(0, 4), ...(a.train.y as Int32Array)].slice(0, n + 4);
    expect(ids.every((v) => Number.isInteger(v) && v >= 0 && v < 28)).toBe(true);
    const text = ids.map((v) => CHAR_TEXT_ALPHABET[v]).join('');
    expect(text).not.toMatch(/\.[^ ]/);
    const lexicon = new Set(charTextLexicon(300).words);
    const words = text.split(/[ .]+/).slice(1, -1); // the ends may be cut
    expect(words.length).toBeGreaterThan(40);
    for (const w of words) expect(lexicon.has(w), w).toBe(true);
    // Zipf: the most frequent word beats the average by far
    const counts = new Map<string, number>();
    for (const w of words) counts.set(w, (counts.get(w) ?? 0) + 1);
    expect(Math.max(...counts.values())).toBeGreaterThan((3 * words.length) / counts.size);
  });
});
