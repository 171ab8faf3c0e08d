// P9 (EfficientNet, cost-sensitive learning and transfer): squeeze-excitation against its closed
// form, the weighted cross-entropy against −Σ w log p / Σ w by hand (and plain CE at unit weights),
// balanced accuracy and class recall against brute force and scikit-learn's documented value, the
// template's parameter count against Keras's per-layer formulas, its analysis (each head checked
// against its own phase's dataset), the target data's sizes, and the procedure: frozen groups stay
// bit-identical (BatchNorm moving statistics included: frozen = inference mode) phase by phase.
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import seDef from '../../nodes/layers/squeeze-excite.ts';
import lossDef from '../../nodes/losses/weighted-softmax-crossentropy.ts';
import balancedDef from '../../nodes/metrics/balanced-accuracy.ts';
import aucDef from '../../nodes/metrics/binary-auc.ts';
import recallDef from '../../nodes/metrics/class-recall.ts';
import { compileIR } from '../compiler/compile.ts';
import { tfOps } from '../compiler/tf-ops.ts';
import { analyse } from '../core/analysis/analyse.ts';
import { loadDatasetSpec } from '../core/datasets/load-spec.ts';
import type { GraphDoc } from '../core/doc/schema.ts';
import { labelStats } from '../core/label-stats.ts';
import { lowerGraph } from '../core/lower.ts';
import { rocAuc } from '../core/metrics/auc.ts';
import { createRng } from '../core/rng.ts';
import { nodeDatasetIO } from '../node/dataset-io.ts';
import { loadRegistry } from '../node/discover-nodes.ts';
import { armVariant } from '../trainer/experiments/efficientnet-lite-cost-sensitive.ts';
import { train } from '../trainer/loop.ts';

const registry = await loadRegistry();
const TEMPLATE = readFileSync(
  new URL('../../templates/efficientnet-lite-cost-sensitive.graph.json', import.meta.url),
  'utf8',
);
const doc = (): GraphDoc => JSON.parse(TEMPLATE) as GraphDoc;

beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.env().set('PROD', true);
});

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

describe('squeezeExcite', () => {
  it('equals GAP → dense → swish → dense → sigmoid → ×x computed by hand', () => {
    const rng = createRng(5);
    const [b, h, w, c, r] = [2, 2, 3, 4, 2];
    const x = Array.from({ length: b * h * w * c }, () => rng.normal());
    const w1 = Array.from({ length: c * r }, () => rng.normal());
    const b1 = Array.from({ length: r }, () => rng.normal());
    const w2 = Array.from({ length: r * c }, () => rng.normal());
    const b2 = Array.from({ length: c }, () => rng.normal());
    const got = tf.tidy(() =>
      Array.from(
        seDef
          .kernel!.call(
            tfOps,
            [tf.tensor(x, [b, h, w, c])],
            {
              reduce_kernel: tf.tensor(w1, [c, r]),
              reduce_bias: tf.tensor(b1, [r]),
              expand_kernel: tf.tensor(w2, [r, c]),
              expand_bias: tf.tensor(b2, [c]),
            },
            { ratio: 0.5, units: 0 },
            { training: false },
          )
          .dataSync(),
      ),
    );
    for (let n = 0; n < b; n++) {
      const s = Array.from({ length: c }, (_, k) => {
        let t = 0;
        for (let i = 0; i < h * w; i++) t += x[(n * h * w + i) * c + k]!;
        return t / (h * w);
      });
      const z = Array.from({ length: r }, (_, j) => {
        let t = b1[j]!;
        for (let k = 0; k < c; k++) t += s[k]! * w1[k * r + j]!;
        return t * sigmoid(t);
      });
      const g = Array.from({ length: c }, (_, k) => {
        let t = b2[k]!;
        for (let j = 0; j < r; j++) t += z[j]! * w2[j * c + k]!;
        return sigmoid(t);
      });
      for (let i = 0; i < h * w; i++)
        for (let k = 0; k < c; k++) {
          const at = (n * h * w + i) * c + k;
          expect(got[at]).toBeCloseTo(x[at]! * g[k]!, 5);
        }
    }
  });

  it('sizes the bottleneck max(1, ⌊C·r⌋) or `units`', async () => {
    const { seWidth } = await import('../../nodes/layers/squeeze-excite.ts');
    expect(seWidth(16, 0.25)).toBe(4);
    expect(seWidth(3, 0.25)).toBe(1);
    expect(seWidth(96, 0.25, 4)).toBe(4);
  });
});

/** −Σ_b w_{t_b} log softmax(z_b)_{t_b} / Σ_b w_{t_b}, in plain numbers. */
function weightedCe(z: number[][], t: number[], w: number[]): number {
  let num = 0;
  let den = 0;
  z.forEach((row, b) => {
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
    num += w[t[b]!]! * (row[t[b]!]! - lse);
    den += w[t[b]!]!;
  });
  return -num / den;
}

describe('weightedSoftmaxCrossentropy', () => {
  const z = [
    [0.3, -1.2],
    [2.0, 0.1],
    [-0.5, 0.4],
    [1.1, 1.0],
    [0.0, -0.3],
  ];
  const t = [0, 0, 1, 0, 0];
  const run = (params: Record<string, unknown>) =>
    tf.tidy(() => {
      const target = tf.oneHot(tf.tensor1d(t, 'int32'), 2).toFloat();
      const stats = labelStats(tfOps, tf.tensor1d(t, 'int32'), { kind: 'class', numClasses: 2 });
      const config = { mode: 'inverse_freq', classWeights: '', beta: 0.999, fromLogits: true, ...params };
      return lossDef.loss!.call!(tfOps, { pred: tf.tensor2d(z), target }, config as never, {
        stats,
      }).dataSync()[0]!;
    });

  it("'inverse_freq' uses w_c = N / (K·n_c) from the split's counts (4 of class 0, 1 of class 1)", () => {
    expect(run({})).toBeCloseTo(weightedCe(z, t, [5 / (2 * 4), 5 / (2 * 1)]), 5);
  });
  it("'explicit' weights, and unit weights equal the plain cross-entropy", () => {
    expect(run({ mode: 'explicit', classWeights: '1, 9' })).toBeCloseTo(weightedCe(z, t, [1, 9]), 5);
    expect(run({ mode: 'explicit', classWeights: '1, 1' })).toBeCloseTo(weightedCe(z, t, [1, 1]), 5);
  });
  it("'effective_num' weights (1 − β)/(1 − β^n) normalised to sum K", () => {
    const beta = 0.9;
    const raw = [4, 1].map((n) => (1 - beta) / (1 - beta ** n));
    const w = raw.map((v) => (2 * v) / (raw[0]! + raw[1]!));
    expect(run({ mode: 'effective_num', beta })).toBeCloseTo(weightedCe(z, t, w), 5);
  });
  it('refuses a weight list of the wrong length, naming the node and field', () => {
    const d = doc();
    d.nodes.weightedCe!.params = { ...d.nodes.weightedCe!.params, mode: 'explicit', classWeights: '1, 2, 3' };
    const errs = analyse(d, registry).diagnostics.filter((x) => x.severity === 'error');
    expect(errs.map((e) => [e.nodeId, e.field])).toContainEqual(['weightedCe', 'classWeights']);
    expect(errs[0]!.message).toMatch(/3 weights but the prediction has 2 classes/);
  });
});

describe('balancedAccuracy and classRecall (whole split)', () => {
  const finalize = (
    def: typeof balancedDef | typeof recallDef,
    pred: number[][],
    y: number[],
    params = {},
  ) => {
    const split = def.metric!.split!;
    // Sums over batches of 3 rows, finalised once.
    const sums: number[] = [];
    for (let s = 0; s < y.length; s += 3) {
      const part = tf.tidy(() =>
        Array.from(
          split
            .stats(
              tfOps,
              { pred: tf.tensor2d(pred.slice(s, s + 3)), target: tf.tensor1d(y.slice(s, s + 3), 'int32') },
              params as never,
            )
            .dataSync(),
        ),
      );
      part.forEach((v, i) => {
        sums[i] = (sums[i] ?? 0) + v;
      });
    }
    return split.finalize(sums, params as never);
  };
  const onehot = (cls: number[], k: number) =>
    cls.map((c) => Array.from({ length: k }, (_, j) => (j === c ? 1 : 0)));

  it("balanced accuracy = scikit-learn's documented 0.625 for y=[0,1,0,0,1,0], ŷ=[0,1,0,0,0,1]", () => {
    expect(finalize(balancedDef, onehot([0, 1, 0, 0, 0, 1], 2), [0, 1, 0, 0, 1, 0])).toBeCloseTo(0.625, 12);
  });

  it('equal brute force over random splits (classes absent from the split left out)', () => {
    const rng = createRng(3);
    for (let trial = 0; trial < 10; trial++) {
      const n = 5 + rng.int(30);
      const k = 2 + rng.int(4);
      const y = Array.from({ length: n }, () => rng.int(k - 1)); // the last class never occurs
      const pred = Array.from({ length: n }, () => Array.from({ length: k }, () => rng.normal()));
      const hat = pred.map((r) => r.indexOf(Math.max(...r)));
      const recall = (c: number) => {
        const members = y.flatMap((v, i) => (v === c ? [i] : []));
        return members.length ? members.filter((i) => hat[i] === c).length / members.length : 0;
      };
      const present = [...new Set(y)];
      const ba = present.reduce((s, c) => s + recall(c), 0) / present.length;
      expect(finalize(balancedDef, pred, y)).toBeCloseTo(ba, 12);
      for (let c = 0; c < k; c++)
        expect(finalize(recallDef, pred, y, { class: c })).toBeCloseTo(recall(c), 12);
    }
  });
});

describe('binaryAuc (whole split)', () => {
  const split = aucDef.metric!.split!;
  const sumsOf = (logits: number[][], y: number[], params: Record<string, unknown>) => {
    const sums: number[] = [];
    for (let s = 0; s < y.length; s += 4) {
      const part = tf.tidy(() =>
        Array.from(
          split
            .stats(
              tfOps,
              { pred: tf.tensor2d(logits.slice(s, s + 4)), target: tf.tensor1d(y.slice(s, s + 4), 'int32') },
              params as never,
            )
            .dataSync(),
        ),
      );
      part.forEach((v, i) => {
        sums[i] = (sums[i] ?? 0) + v;
      });
    }
    return sums;
  };
  it('equals the exact ROC AUC (src/core/metrics/auc.ts) of p(positive) rounded down to its bin, ties ½', () => {
    const rng = createRng(12);
    for (let trial = 0; trial < 8; trial++) {
      const n = 6 + rng.int(40);
      const bins = [4, 16, 256][trial % 3]!;
      const logits = Array.from({ length: n }, () => [rng.normal(), rng.normal(), rng.normal()]);
      const y = Array.from({ length: n }, (_, i) => (i < 2 ? i : rng.int(3)));
      const params = { positive: 1, bins, fromLogits: true };
      const p1 = logits.map((r) => {
        const e = r.map(Math.exp);
        return e[1]! / (e[0]! + e[1]! + e[2]!);
      });
      const binned = p1.map((v) => Math.min(Math.floor(v * bins), bins - 1));
      const want = rocAuc(
        binned,
        y.map((v) => v === 1),
      );
      const sums = sumsOf(logits, y, params);
      expect(split.finalize(sums, params as never)).toBeCloseTo(want, 10);
      const viaOps = tf.tidy(
        () => split.finalizeOps!(tfOps, tf.tensor1d(sums), params as never).dataSync()[0]!,
      );
      expect(viaOps).toBeCloseTo(want, 5);
    }
  });
  it('is 1 for a perfect ranking, 0 reversed, ½ without negatives', () => {
    const params = { positive: 1, bins: 256, fromLogits: false };
    const probs = [0.9, 0.8, 0.2, 0.1].map((v) => [1 - v, v]);
    expect(split.finalize(sumsOf(probs, [1, 1, 0, 0], params), params as never)).toBe(1);
    expect(split.finalize(sumsOf(probs, [0, 0, 1, 1], params), params as never)).toBe(0);
    expect(split.finalize(sumsOf(probs, [1, 1, 1, 1], params), params as never)).toBe(0.5);
  });
});

/** Keras's count for each layer kind, summed over the template (no biases in convs, BN 4·C). */
function kerasCount(): number {
  const conv = (k: number, cin: number, f: number) => k * k * cin * f;
  const bn = (c: number) => 4 * c;
  const se = (c: number, r: number) => c * r + r + r * c + c;
  const dense = (i: number, o: number) => i * o + o;
  const stem = conv(3, 1, 16) + bn(16);
  const b1 = 9 * 16 + bn(16) + se(16, 4) + conv(1, 16, 16) + bn(16); // depthwise 3·3·16
  const b2 = conv(1, 16, 96) + bn(96) + 9 * 96 + bn(96) + se(96, 4) + conv(1, 96, 24) + bn(24);
  const b3 = conv(1, 24, 144) + bn(144) + 9 * 144 + bn(144) + se(144, 6) + conv(1, 144, 24) + bn(24);
  const head = conv(1, 24, 64) + bn(64);
  return stem + b1 + b2 + b3 + head + dense(64, 10) + dense(64, 2);
}

describe('template efficientnet-lite-cost-sensitive', () => {
  it("has Keras's parameter count and no diagnostics", () => {
    const a = analyse(doc(), registry);
    expect(a.diagnostics).toEqual([]);
    expect(a.totalParams).toBe(kerasCount());
    expect(doc().meta.expected?.params).toBe(kerasCount());
  });

  it("checks each head against its own phase's dataset (10 digits, then 3 vs 8)", () => {
    // Without the per-phase binding the 2-class head would read the 10-class labels.
    const d = doc();
    for (const ph of d.training!.phases!) delete ph.data;
    const errs = analyse(d, registry).diagnostics.filter((x) => x.severity === 'error');
    expect(errs.map((e) => e.nodeId)).toEqual(
      expect.arrayContaining(['weightedCe', 'balancedAcc', 'minorityRecall', 'targetAcc', 'auc']),
    );
    expect(errs.find((e) => e.nodeId === 'targetAcc')!.message).toMatch(
      /2 classes but dataset 'mnist' has 10/,
    );
  });

  it('refuses a phase dataset whose images do not fit the input, and a head reused with another class count', () => {
    const d = doc();
    const tuned = d.training!.phases![1]!;
    tuned.data!.dataset!.transforms = tuned.data!.dataset!.transforms!.filter((t) => t.type !== 'pool');
    let errs = analyse(d, registry).diagnostics.filter((x) => x.severity === 'error');
    expect(errs.map((e) => e.code)).toContain('data/phase-shape-mismatch');
    expect(errs.find((e) => e.code === 'data/phase-shape-mismatch')!.message).toMatch(
      /Phase 'target-head'.*28×28×1.*14×14×1.*pool/,
    );
    const d2 = doc();
    d2.training!.phases![0]!.heads = ['sourceCe', 'sourceAcc', 'targetAcc'];
    d2.training!.phases![0]!.data = { dataset: d2.training!.dataset };
    errs = analyse(d2, registry).diagnostics.filter((x) => x.severity === 'error');
    expect(
      errs.some((e) => e.code === 'shape/class-count-mismatch' && /head 'targetAcc'/.test(e.message)),
    ).toBe(true);
  });

  it('target data: 3 vs 8, 270 + 30 training images (9:1), a balanced 200 + 200 test split', async () => {
    const spec = doc().training!.phases![1]!.data!.dataset!;
    const d = await loadDatasetSpec(spec, 1, nodeDatasetIO);
    const count = (y: ArrayLike<number>, c: number) => Array.from(y).filter((v) => v === c).length;
    expect(d.binding.featureShape).toEqual([14, 14, 1]);
    expect(d.binding.labels).toEqual({ kind: 'class', numClasses: 2 });
    expect([count(d.train.y, 0), count(d.train.y, 1)]).toEqual([270, 30]);
    expect([count(d.val.y, 0), count(d.val.y, 1)]).toEqual([200, 200]);
  });

  it('the scratch arms: one target phase over every group but the source head; arm (a) unweighted, no augmentation', () => {
    const a = armVariant(TEMPLATE, 'scratch');
    const b = armVariant(TEMPLATE, 'scratch-weighted');
    for (const d of [a, b]) {
      expect(analyse(d, registry).diagnostics).toEqual([]);
      expect(d.training!.phases).toHaveLength(1);
      expect(d.training!.phases![0]!.groups!.sort()).toEqual(['backbone', 'target-head', 'top', 'top-bn']);
      expect(d.training!.phases![0]!.epochs).toBe(6);
    }
    expect(a.nodes.weightedCe!.params).toMatchObject({ mode: 'explicit', classWeights: '1, 1' });
    expect(a.training!.phases![0]!.data!.dataset!.augment).toBeUndefined();
    expect(b.nodes.weightedCe!.params).toMatchObject({ mode: 'inverse_freq' });
    expect(b.training!.phases![0]!.data!.dataset!.augment).toEqual({ rotate: 15, shift: 1 });
  });

  it('phase by phase, frozen groups stay bit-identical (BatchNorm statistics too) and trained ones move', async () => {
    const d = doc();
    // Few rows: the procedure, not the accuracy.
    d.training!.dataset.params = { trainSize: 200, valSize: 50, flat: false };
    const a = analyse(d, registry);
    const ir = lowerGraph(a, registry).ir!;
    const before = tf.memory().numTensors;
    const compiled = compileIR(ir, registry, { seed: 2 });
    const groupOf = new Map(ir.nodes.map((n) => [n.id, n.group]));
    const snap = () =>
      new Map(
        ir.nodes.flatMap((n) =>
          compiled.weights([n.id]).map((w, i) => [`${n.id}#${i}`, Array.from(w.read().dataSync())] as const),
        ),
      );
    const snaps: Map<string, number[]>[] = [];
    const source = await loadDatasetSpec(ir.training!.dataset, 1, nodeDatasetIO);
    const r = await train(compiled, registry, source, ir.training!, {
      seed: 1,
      batchSize: 8,
      maxBatchesPerEpoch: 2,
      validate: false,
      loadDataset: (spec) => loadDatasetSpec(spec, 1, nodeDatasetIO),
      onPhase: () => {
        snaps.push(snap());
      },
    });
    snaps.push(snap());
    expect(r.status).toBe('done');
    const moved = (from: Map<string, number[]>, to: Map<string, number[]>) => {
      const out = new Set<string>();
      for (const [k, v] of from)
        if (v.some((x, i) => x !== to.get(k)![i])) out.add(String(groupOf.get(k.split('#')[0]!)));
      return [...out].sort();
    };
    const [, head, tune, end] = snaps as [
      unknown,
      Map<string, number[]>,
      Map<string, number[]>,
      Map<string, number[]>,
    ];
    expect(moved(snaps[0]!, head)).toEqual(['backbone', 'source-head', 'top', 'top-bn']);
    // target-head: only the new head moves; frozen BatchNorm keeps its moving statistics.
    expect(moved(head, tune)).toEqual(['target-head']);
    // fine-tune: the top block's weights and the head move; its BatchNorm stays frozen.
    expect(moved(tune, end)).toEqual(['target-head', 'top']);
    compiled.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
