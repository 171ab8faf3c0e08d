// Synthetic character-level English-like text (P28, spec charText): next-character prediction from
// a window of `context` characters. The text is generated, not bundled: a fixed lexicon of
// pronounceable words (consonant-vowel syllables; their own seed, not the data's) drawn with a
// Zipf prior and a word-bigram preference (each word has a few favoured successors), sentences of
// geometric length ended by '.'. Each split is its own stream (the data rng); row i is the window
// stream[i, i + context) and its label the character stream[i + context].

import type { DataBinding } from '../node-def.ts';
import { type ParamValues, p } from '../params.ts';
import { createRng, type Rng } from '../rng.ts';
import { defineDataset } from './dataset-def.ts';

/** The alphabet: id 0 is the space, 1–26 are a–z, 27 is the full stop. */
export const CHAR_TEXT_ALPHABET = ' abcdefghijklmnopqrstuvwxyz.';

const CONSONANTS = 'bcdfghjklmnprstvwz';
const VOWELS = 'aeiou';
/** Favoured successors per word. */
const SUCCESSORS = 4;

const params = {
  context: p.int({ default: 16, min: 1, max: 256, doc: 'Characters per window (the model input).' }),
  words: p.int({ default: 300, min: 2, max: 20000, doc: 'Lexicon size.' }),
  coherence: p.float({
    default: 0.6,
    min: 0,
    max: 1,
    doc: 'Probability that the next word is one of the previous word’s favoured successors (else a Zipf draw).',
  }),
  sentenceWords: p.float({ default: 8, min: 1, max: 100, doc: 'Mean words per sentence (geometric).' }),
  trainSamples: p.int({ default: 9600, min: 10, max: 1_000_000, doc: 'Training windows.' }),
  valSamples: p.int({ default: 1024, min: 10, max: 1_000_000, doc: 'Validation windows.' }),
};

type V = ParamValues<typeof params>;

const bindingOf = (v: V): DataBinding => ({
  name: 'charText',
  featureShape: [v.context],
  labels: { kind: 'class', numClasses: CHAR_TEXT_ALPHABET.length },
});

/** The lexicon and each word's favoured successors, fixed by the lexicon size alone. */
export function charTextLexicon(words: number): { words: string[]; successors: Int32Array } {
  const rng = createRng(0x7e47);
  const seen = new Set<string>();
  const out: string[] = [];
  while (out.length < words) {
    const syllables = 1 + rng.int(3);
    let w = '';
    for (let s = 0; s < syllables; s++) w += CONSONANTS[rng.int(CONSONANTS.length)]! + VOWELS[rng.int(5)]!;
    if (rng.next() < 0.3) w += CONSONANTS[rng.int(CONSONANTS.length)]!;
    if (seen.has(w)) continue;
    seen.add(w);
    out.push(w);
  }
  const successors = new Int32Array(words * SUCCESSORS);
  for (let i = 0; i < successors.length; i++) successors[i] = rng.int(words);
  return { words: out, successors };
}

/** Cumulative Zipf weights 1/(r + 1) over the lexicon ranks. */
function zipfCdf(n: number): Float64Array {
  const c = new Float64Array(n);
  let s = 0;
  for (let r = 0; r < n; r++) {
    s += 1 / (r + 1);
    c[r] = s;
  }
  for (let r = 0; r < n; r++) c[r] = c[r]! / s;
  return c;
}

function drawZipf(cdf: Float64Array, rng: Rng): number {
  const u = rng.next();
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cdf[mid]! < u) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A character stream of at least `length` ids. */
export function charTextStream(
  v: Pick<V, 'words' | 'coherence' | 'sentenceWords'>,
  length: number,
  rng: Rng,
) {
  const lex = charTextLexicon(v.words);
  const cdf = zipfCdf(v.words);
  const ids = new Uint8Array(length + 64);
  let n = 0;
  const put = (ch: string) => {
    if (n < ids.length) ids[n++] = CHAR_TEXT_ALPHABET.indexOf(ch);
  };
  let prev = -1;
  while (n < length) {
    const w =
      prev >= 0 && rng.next() < v.coherence
        ? lex.successors[prev * SUCCESSORS + rng.int(SUCCESSORS)]!
        : drawZipf(cdf, rng);
    for (const ch of lex.words[w]!) put(ch);
    if (rng.next() < 1 / v.sentenceWords) {
      put('.');
      prev = -1;
    } else prev = w;
    put(' ');
  }
  return ids.subarray(0, length);
}

function split(v: V, count: number, rng: Rng) {
  const stream = charTextStream(v, count + v.context, rng);
  const x = new Float32Array(count * v.context);
  const y = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    for (let t = 0; t < v.context; t++) x[i * v.context + t] = stream[i + t]!;
    y[i] = stream[i + v.context]!;
  }
  return { x, y, count };
}

export const charText = defineDataset({
  name: 'charText',
  title: 'Character text (synthetic, next character)',
  doc:
    'Next-character prediction over generated English-like text (28 symbols: space, a–z, full stop). ' +
    'A fixed lexicon of pronounceable consonant-vowel words is drawn with a Zipf prior and a word-bigram ' +
    'preference (each word has 4 favoured successors, taken with probability `coherence`); sentences have ' +
    'geometric length and end with a full stop. Features: the `context` previous character ids; label: the ' +
    'next character. Each split is its own seeded stream of overlapping windows.',
  params,
  describe: bindingOf,
  async load(v, rng) {
    return {
      binding: bindingOf(v),
      train: split(v, v.trainSamples, rng),
      val: split(v, v.valSamples, rng),
      classNames: [...CHAR_TEXT_ALPHABET].map((c) => (c === ' ' ? 'space' : c)),
    };
  },
});
