// Multi-label labels (LabelSpec kind multiLabel), label statistics for heads, and P18's hybrid
// multi-label loss: statistics equal brute-force counts, the loss equals its formula computed with
// plain loops in float64, its gradient equals finite differences, and a head on the wrong label
// kind gets a diagnostic naming the target and the fix.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { tfOps } from '../compiler/tf-ops.ts';
import { analyse } from '../core/analysis/analyse.ts';
import { findDataset } from '../core/datasets/index.ts';
import { char3Buckets, ML_TEXT_LABELS } from '../core/datasets/ml-text.ts';
import type { GraphDoc } from '../core/doc/schema.ts';
import { labelStats } from '../core/label-stats.ts';
import type { DataStats, LabelSpec } from '../core/node-def.ts';
import { resolveParams } from '../core/params.ts';
import { createRng, type Rng } from '../core/rng.ts';
import { loadRegistry } from '../node/discover-nodes.ts';
import { toTensors } from '../trainer/feeds.ts';
import { gradientError } from './harness.ts';

const registry = await loadRegistry();
const hybrid = registry.get('losses.hybridMultiLabel')!;
const L = ML_TEXT_LABELS.length;

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const loadMlText = async (params: Record<string, unknown> = {}, seed = 3) => {
  const ds = findDataset('mlText')!;
  return ds.load(resolveParams(ds.params, params).values, createRng(seed), {} as never);
};

const read = (t: tf.Tensor) => Array.from(t.dataSync());

describe('label statistics of the training split', () => {
  it('multi-label: N, per-label counts and co-occurrence equal brute-force counts', async () => {
    const data = await loadMlText({ trainSamples: 300, valSamples: 50 });
    const { y, count } = data.train;
    const counts = new Array<number>(L).fill(0);
    const pairs = new Array<number>(L * L).fill(0);
    for (let i = 0; i < count; i++)
      for (let a = 0; a < L; a++) {
        if (y[i * L + a] !== 1) continue;
        counts[a]!++;
        for (let b = 0; b < L; b++) if (y[i * L + b] === 1) pairs[a * L + b]!++;
      }
    // Whichever split's tensors a run builds, the statistics are the training split's.
    for (const split of ['train', 'val'] as const) {
      const t = toTensors(data, split);
      expect(read(t.stats!.count)).toEqual([count]);
      expect(read(t.stats!.labelCounts)).toEqual(counts);
      expect(read(t.stats!.labelPairs)).toEqual(pairs);
      t.dispose();
    }
    // Rare labels are rare: the dataset's prior survives into the counts.
    expect(counts[0]!).toBeGreaterThan(5 * counts[10]!);
  });

  it('class labels: counts are the class histogram, pairs its diagonal', () => {
    const labels: LabelSpec = { kind: 'class', numClasses: 4 };
    const y = [3, 0, 3, 1, 3, 0];
    const s = tf.tidy(() => ({ ...labelStats(tfOps, tf.tensor1d(y, 'int32'), labels) }));
    expect(read(s.count)).toEqual([6]);
    expect(read(s.labelCounts)).toEqual([2, 1, 0, 3]);
    expect(read(s.labelPairs)).toEqual([2, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3]);
    tf.dispose(Object.values(s));
  });

  it('no tensors leak: a run disposes its statistics with its data', async () => {
    const data = await loadMlText({ trainSamples: 40, valSamples: 10 });
    const before = tf.memory().numTensors;
    toTensors(data, 'train').dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('mlText dataset', () => {
  it('is seeded, multi-label (never empty), with word ids and char3 buckets in range', async () => {
    const a = await loadMlText({ trainSamples: 200, valSamples: 20 }, 5);
    const b = await loadMlText({ trainSamples: 200, valSamples: 20 }, 5);
    expect(a.train.x).toEqual(b.train.x);
    expect(a.binding.labels).toEqual({ kind: 'multiLabel', numLabels: L });
    const buckets = char3Buckets({ wordsPerLabel: 6, noiseWords: 40, buckets: 32 });
    for (let i = 0; i < a.train.count; i++) {
      const row = Array.from(a.train.y.slice(i * L, (i + 1) * L));
      expect(row.every((v) => v === 0 || v === 1)).toBe(true);
      expect(row.some((v) => v === 1)).toBe(true);
      for (let t = 0; t < 12; t++) {
        const w = a.train.x[i * 12 + t]!;
        expect(w).toBeGreaterThanOrEqual(1);
        expect(w).toBeLessThan(buckets.length);
        // The field is each word's bucket, row by row.
        expect(a.train.fields!.char3![i * 12 + t]).toBe(buckets[w]);
      }
    }
  });
});

// ---- the hybrid loss against its formula ------------------------------------------------------------

interface Case {
  z: number[][];
  y: number[][];
  h: number[][];
  /** Training labels the statistics come from. */
  train: number[][];
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** The docs' formula, term by term, with plain loops in float64. */
function reference(c: Case, p: Record<string, number | string>): number {
  const B = c.z.length;
  const nl = c.z[0]!.length;
  const N = c.train.length;
  const n = Array.from({ length: nl }, (_, l) => c.train.filter((r) => r[l] === 1).length);
  const w = n.map((nl_) =>
    p.posWeight === 'none'
      ? 1
      : Math.min(Math.max((N - nl_) / Math.max(nl_, 1), 1), p.maxPosWeight as number),
  );
  let bce = 0;
  for (let b = 0; b < B; b++)
    for (let l = 0; l < nl; l++) {
      const q = sigmoid(c.z[b]![l]!);
      const y = c.y[b]![l]!;
      bce -= w[l]! * y * Math.log(q) + (1 - y) * Math.log(1 - q);
    }
  bce /= B * nl;
  const P = c.z.map((r) => r.map(sigmoid));
  let corr = 0;
  if (p.correlation === 'lca') {
    for (let b = 0; b < B; b++) {
      let s = 0;
      let pairs = 0;
      for (let a = 0; a < nl; a++)
        for (let q = 0; q < nl; q++)
          if (c.y[b]![a] === 0 && c.y[b]![q] === 1) {
            s += Math.exp(P[b]![a]! - P[b]![q]!);
            pairs++;
          }
      corr += pairs ? s / pairs : 0;
    }
    corr /= B;
  } else {
    for (let a = 0; a < nl; a++)
      for (let q = 0; q < nl; q++) {
        let co = 0;
        let emp = 0;
        for (let b = 0; b < B; b++) co += P[b]![a]! * P[b]![q]!;
        for (const r of c.train) emp += r[a]! * r[q]!;
        corr += (co / B - emp / N) ** 2;
      }
    corr /= nl * nl;
  }
  const unit = c.h.map((r) => {
    const norm = Math.sqrt(r.reduce((s, v) => s + v * v, 0));
    return r.map((v) => v / norm);
  });
  const dot = (i: number, j: number) => unit[i]!.reduce((s, v, k) => s + v * unit[j]![k]!, 0);
  const jaccard = (i: number, j: number) => {
    let inter = 0;
    let union = 0;
    for (let l = 0; l < nl; l++) {
      inter += c.y[i]![l]! * c.y[j]![l]!;
      union += Math.max(c.y[i]![l]!, c.y[j]![l]!);
    }
    return union ? inter / union : 0;
  };
  const tau = p.tau as number;
  let con = 0;
  let anchors = 0;
  for (let i = 0; i < B; i++) {
    let den = 0;
    for (let k = 0; k < B; k++) if (k !== i) den += Math.exp(dot(i, k) / tau);
    let s = 0;
    let positives = 0;
    for (let j = 0; j < B; j++) {
      if (j === i || jaccard(i, j) < (p.positiveJaccard as number)) continue;
      positives++;
      s += jaccard(i, j) * Math.log(Math.exp(dot(i, j) / tau) / den);
    }
    if (positives) {
      con += -s / positives;
      anchors++;
    }
  }
  con = anchors ? con / anchors : 0;
  return (p.lambdaW as number) * bce + (p.lambdaCorr as number) * corr + (p.lambdaCon as number) * con;
}

function randomCase(rng: Rng, B: number, nl: number, d: number): Case {
  const mat = (r: number, c: number, f: () => number) =>
    Array.from({ length: r }, () => Array.from({ length: c }, f));
  const labels = (r: number) => mat(r, nl, () => (rng.next() < 0.4 ? 1 : 0));
  return {
    z: mat(B, nl, () => 2 * rng.normal()),
    y: labels(B),
    h: mat(B, d, () => rng.normal()),
    train: labels(40),
  };
}

const DEFAULTS = {
  lambdaW: 1,
  lambdaCorr: 0.1,
  lambdaCon: 0.1,
  posWeight: 'neg/pos',
  maxPosWeight: 50,
  correlation: 'lca',
  tau: 0.1,
  positiveJaccard: 0.5,
};

/** The node's loss on a case, with statistics of the case's training labels. */
function nodeLoss(
  c: Case,
  params: Record<string, unknown>,
  over: Partial<Record<'pred' | 'embedding', tf.Tensor>> = {},
) {
  return tf.tidy(() => {
    const stats: DataStats<tf.Tensor> = labelStats(tfOps, tf.tensor2d(c.train), {
      kind: 'multiLabel',
      numLabels: c.z[0]!.length,
    });
    const inputs = {
      pred: over.pred ?? tf.tensor2d(c.z),
      target: tf.tensor2d(c.y),
      embedding: over.embedding ?? tf.tensor2d(c.h),
    };
    return hybrid.loss!.call!(tfOps, inputs, params as never, { stats }) as tf.Scalar;
  });
}

describe('losses.hybridMultiLabel', () => {
  const variants: [string, Record<string, unknown>][] = [
    ['defaults (class weights, lca, contrastive)', {}],
    ['matrix correlation', { correlation: 'matrix', lambdaCorr: 0.7 }],
    ['plain BCE', { posWeight: 'none', lambdaCorr: 0, lambdaCon: 0 }],
    [
      'contrastive only, τ = 0.5, θ = 0.3',
      { lambdaW: 0, lambdaCorr: 0, lambdaCon: 1, tau: 0.5, positiveJaccard: 0.3 },
    ],
    ['clipped weights (max 2)', { maxPosWeight: 2, lambdaW: 2 }],
  ];
  it.each(variants)('%s: equals the formula computed in float64', (_name, over) => {
    const rng = createRng(17);
    for (let trial = 0; trial < 3; trial++) {
      const c = randomCase(rng, 8, 5, 3);
      const params = { ...DEFAULTS, ...over };
      const got = nodeLoss(c, params);
      const want = reference(c, params);
      expect(Math.abs(got.dataSync()[0]! - want)).toBeLessThan(1e-4 * Math.max(1, Math.abs(want)));
      got.dispose();
    }
  });

  it('the contrastive term is the only one that reads the embedding, and it matters', () => {
    const c = randomCase(createRng(4), 8, 5, 3);
    const off = reference(c, { ...DEFAULTS, lambdaCon: 0 });
    const on = reference(c, DEFAULTS);
    expect(Math.abs(on - off)).toBeGreaterThan(1e-3);
  });

  it('gradients with respect to logits and embedding equal finite differences', () => {
    const rng = createRng(8);
    const c = randomCase(rng, 6, 4, 3);
    const before = tf.memory().numTensors;
    for (const params of [DEFAULTS, { ...DEFAULTS, correlation: 'matrix', lambdaCon: 1 }]) {
      const z = tf.tensor2d(c.z);
      const h = tf.tensor2d(c.h);
      expect(gradientError((x) => nodeLoss(c, params, { pred: x }), z, rng, 12, 1e-3)).toBeLessThan(0.02);
      expect(gradientError((x) => nodeLoss(c, params, { embedding: x }), h, rng, 12, 1e-3)).toBeLessThan(
        0.02,
      );
      tf.dispose([z, h]);
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});

// ---- label kinds: diagnostics, never a crash ------------------------------------------------------------

function graph(
  dataset: string,
  params: Record<string, unknown>,
  head: string,
  out: number,
  inputShape: number[],
): GraphDoc {
  return {
    format: 'netwright.graph',
    formatVersion: 2,
    meta: { title: 'label kinds' },
    nodes: {
      x: { type: 'io.input', v: 1, params: { shape: inputShape } },
      logits: { type: 'layers.dense', v: 1, params: { units: out } },
      head: { type: head, v: 1, params: head === 'losses.hybridMultiLabel' ? { lambdaCon: 0 } : {} },
    },
    edges: {
      e1: { from: { node: 'x', port: 'y' }, to: { node: 'logits', port: 'x' } },
      e2: { from: { node: 'logits', port: 'y' }, to: { node: 'head', port: 'pred' } },
    },
    training: {
      dataset: { name: dataset, params },
      optimizer: { type: 'optimizers.adam', params: {} },
      batchSize: 8,
      epochs: 1,
      seed: 1,
    },
    layout: {},
  };
}

describe('a head on the wrong kind of labels', () => {
  it('a multi-label loss on class labels: names the node, its target and the fix', () => {
    const a = analyse(graph('iris', {}, 'losses.hybridMultiLabel', 3, [4]), registry);
    const d = a.diagnostics.find((x) => x.code === 'data/label-kind-mismatch');
    expect(d).toMatchObject({ severity: 'error', nodeId: 'head', port: 'target' });
    expect(d!.message).toMatch(
      /needs multi-label targets.*'iris' has class labels.*multi-label dataset.*class loss/,
    );
    expect(a.ok).toBe(false);
  });

  it.each(['losses.sparseCategoricalCrossentropy', 'losses.categoricalCrossentropy', 'metrics.accuracy'])(
    '%s on multi-label labels: names the node, its target and the fix',
    (head) => {
      const a = analyse(graph('mlText', {}, head, L, [12]), registry);
      const d = a.diagnostics.find((x) => x.code === 'data/label-kind-mismatch');
      expect(d).toMatchObject({ severity: 'error', nodeId: 'head', port: 'target' });
      expect(d!.message).toMatch(
        /one class per sample.*'mlText' has multi-label labels.*Binary cross-entropy or Hybrid/,
      );
    },
  );

  it('the right kinds analyse clean: hybrid and binary CE on mlText, with L outputs', () => {
    for (const head of ['losses.hybridMultiLabel', 'losses.binaryCrossentropy']) {
      const a = analyse(graph('mlText', {}, head, L, [12]), registry);
      expect(a.diagnostics.filter((x) => x.severity === 'error')).toEqual([]);
    }
  });
});
