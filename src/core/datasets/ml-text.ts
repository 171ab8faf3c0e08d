// Synthetic multi-label "emotion" text (P18, spec D-ml-text): 11 labels with an imbalanced prior
// (3 frequent, 4 medium, 4 rare) and correlated pairs; each sample is a short token sequence where
// some tokens come from the vocabularies of its labels and the rest are shared noise words. Two
// integer views per token: the word id (features) and the hash bucket of the word's leading
// character 3-gram (field `char3`), the mini version of the paper's stacked embedding sources.

import type { DataBinding } from '../node-def.ts';
import { type ParamValues, p } from '../params.ts';
import { createRng, type Rng } from '../rng.ts';
import { defineDataset } from './dataset-def.ts';

/** Label names (SemEval-2018 E-c's 11 emotions) in prior order: 3 frequent, 4 medium, 4 rare. */
export const ML_TEXT_LABELS = [
  'anger',
  'joy',
  'sadness',
  'disgust',
  'optimism',
  'fear',
  'love',
  'pessimism',
  'trust',
  'surprise',
  'anticipation',
] as const;

/** P(label) before correlation: 3 frequent, 4 medium, 4 rare labels. */
export const ML_TEXT_PRIOR = [0.4, 0.35, 0.3, 0.12, 0.12, 0.1, 0.1, 0.04, 0.04, 0.03, 0.03] as const;

/** The rare labels (indices), whose F1 the P18 experiment reports. */
export const ML_TEXT_RARE = [7, 8, 9, 10] as const;

/** Correlated pairs [a, b, P(b | a)]: anger→disgust, joy→optimism, sadness→pessimism, trust→love. */
const PAIRS: readonly (readonly [number, number, number])[] = [
  [0, 3, 0.5],
  [1, 4, 0.5],
  [2, 7, 0.15],
  [8, 6, 0.5],
];

const NUM_LABELS = ML_TEXT_LABELS.length;
const NOISE_STEMS = 12;

const params = {
  seqLen: p.int({ default: 12, min: 2, max: 64, doc: 'Tokens per sample T.' }),
  wordsPerLabel: p.int({ default: 6, min: 1, max: 64, doc: 'Words in each label’s vocabulary.' }),
  noiseWords: p.int({ default: 40, min: 1, max: 4096, doc: 'Shared noise words.' }),
  signal: p.float({
    default: 0.3,
    min: 0,
    max: 1,
    doc: 'Probability that a token is a word of one of the sample’s labels (else a noise word).',
  }),
  buckets: p.int({ default: 32, min: 2, max: 4096, doc: 'Hash buckets of the char3 field.' }),
  trainSamples: p.int({ default: 1500, min: 10, max: 100000, doc: 'Training samples.' }),
  valSamples: p.int({ default: 600, min: 10, max: 100000, doc: 'Validation samples.' }),
};

type V = ParamValues<typeof params>;

/** Word ids: 0 is unused (padding), then each label's words, then the noise words. */
export const mlTextVocab = (v: Pick<V, 'wordsPerLabel' | 'noiseWords'>): number =>
  1 + NUM_LABELS * v.wordsPerLabel + v.noiseWords;

const bindingOf = (v: V): DataBinding => ({
  name: 'mlText',
  featureShape: [v.seqLen],
  labels: { kind: 'multiLabel', numLabels: NUM_LABELS },
  fields: {
    char3: {
      shape: [v.seqLen],
      dtype: 'int32',
      doc: `Hash bucket (of ${v.buckets}) of each word's leading character 3-gram.`,
    },
  },
});

/** FNV-1a of a string, as an unsigned 32-bit integer. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h >>> 0;
}

/**
 * Each word's char-3-gram bucket. Spellings are fixed (their own seed, not the data's): a label's
 * words share the label's stem 4 times in 5, noise words use a small pool of stems.
 */
export function char3Buckets(v: Pick<V, 'wordsPerLabel' | 'noiseWords' | 'buckets'>): Int32Array {
  const rng = createRng(0x5eed);
  const stem = () => Array.from({ length: 3 }, () => String.fromCharCode(97 + rng.int(26))).join('');
  const labelStems = Array.from({ length: NUM_LABELS }, stem);
  const noiseStems = Array.from({ length: NOISE_STEMS }, stem);
  const out = new Int32Array(mlTextVocab(v));
  for (let w = 1; w < out.length; w++) {
    const label = Math.floor((w - 1) / v.wordsPerLabel);
    const s = label < NUM_LABELS && rng.next() < 0.8 ? labelStems[label]! : noiseStems[rng.int(NOISE_STEMS)]!;
    out[w] = fnv1a(s) % v.buckets;
  }
  return out;
}

/** One label set: independent draws from the prior, then correlated partners; never empty. */
function drawLabels(rng: Rng): number[] {
  const on = ML_TEXT_PRIOR.map((q) => rng.next() < q);
  for (const [a, b, q] of PAIRS) if (on[a] && rng.next() < q) on[b] = true;
  if (!on.some(Boolean)) on[rng.int(3)] = true; // an empty set becomes one frequent label
  return on.flatMap((o, l) => (o ? [l] : []));
}

function split(v: V, count: number, rng: Rng, buckets: Int32Array) {
  const x = new Float32Array(count * v.seqLen);
  const y = new Float32Array(count * NUM_LABELS);
  const char3 = new Int32Array(count * v.seqLen);
  const noiseStart = 1 + NUM_LABELS * v.wordsPerLabel;
  for (let i = 0; i < count; i++) {
    const labels = drawLabels(rng);
    for (const l of labels) y[i * NUM_LABELS + l] = 1;
    for (let t = 0; t < v.seqLen; t++) {
      const word =
        rng.next() < v.signal
          ? 1 + labels[rng.int(labels.length)]! * v.wordsPerLabel + rng.int(v.wordsPerLabel)
          : noiseStart + rng.int(v.noiseWords);
      x[i * v.seqLen + t] = word;
      char3[i * v.seqLen + t] = buckets[word]!;
    }
  }
  return { x, y, count, fields: { char3 } };
}

export const mlText = defineDataset({
  name: 'mlText',
  title: 'Multi-label text (synthetic emotions)',
  doc:
    'Token sequences labelled with any of 11 emotions (multi-label): an imbalanced prior (3 frequent, ' +
    '4 medium, 4 rare labels) with correlated pairs (anger→disgust, joy→optimism, sadness→pessimism, ' +
    'trust→love). A token is, with probability `signal`, a word from the vocabulary of one of the ' +
    "sample's labels, else a shared noise word. Features are word ids; the field `char3` holds each " +
    "word's character-3-gram hash bucket (label words mostly share their label's stem).",
  params,
  describe: bindingOf,
  async load(v, rng) {
    const buckets = char3Buckets(v);
    return {
      binding: bindingOf(v),
      train: split(v, v.trainSamples, rng, buckets),
      val: split(v, v.valSamples, rng, buckets),
      classNames: [...ML_TEXT_LABELS],
    };
  },
});
