// Store refreshes inside a gradient phase (issue #13, P12): `refreshes: [{ store, from, every }]`
// fire at the start of every epoch or before optimizer steps 0, N, 2N, …; each writes node `from`'s
// inference output (against a direct model.run at that moment) through the store's transform; an
// Input reading the store sees the new values in the following batches (the KL(P‖Q) loss against
// a Float64 re-computation); the decTarget transform against DEC's closed form; the
// train/store-… diagnostics (incl. train/store-every); the schema round trip; no tensor leaks;
// both exporters refuse by name.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileIR } from '../compiler/compile.ts';
import { analyse } from '../core/analysis/analyse.ts';
import { generateTypeScript } from '../core/codegen/index.ts';
import { generatePyTorch } from '../core/codegen/pytorch.ts';
import type { LoadedDataset } from '../core/datasets/dataset-def.ts';
import { parseGraphText } from '../core/doc/parse.ts';
import type { GraphDoc, PhaseRecord } from '../core/doc/schema.ts';
import { lowerGraph } from '../core/lower.ts';
import { createRng } from '../core/rng.ts';
import { applyStoreTransform, decTarget } from '../core/store-transforms.ts';
import { loadRegistry } from '../node/discover-nodes.ts';
import { evaluate, type RefreshReport, toTensors, train } from '../trainer/loop.ts';

const registry = await loadRegistry();

beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.env().set('PROD', true);
});

const N = 30;

function data(n = N): LoadedDataset {
  const rng = createRng(7);
  const x = new Float32Array(n * 4);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < 4; j++) x[i * 4 + j] = rng.normal();
    y[i] = (x[i * 4]! > 0 ? 1 : 0) + (x[i * 4 + 1]! > 0 ? 1 : 0);
  }
  return {
    binding: { name: 'iris', featureShape: [4], labels: { kind: 'class', numClasses: 3 } },
    train: { x, y, count: n },
    val: { x: new Float32Array(0), y: new Int32Array(0), count: 0 },
  };
}

/**
 * DEC in miniature: input → q (dense 3, softmax: the soft assignments); store 'target' (width 3,
 * transform decTarget) read by Input 'p'; kl = KL(p ‖ q). The gradient phase refreshes 'target'
 * from 'q' as `refreshes` says.
 */
function dec(phase: Partial<PhaseRecord>, transform: 'decTarget' | null = 'decTarget'): GraphDoc {
  return {
    format: 'netwright.graph',
    formatVersion: 2,
    meta: { title: 'dec mini' },
    nodes: {
      input: { type: 'io.input', v: 1, params: { shape: [4] } },
      p: {
        type: 'io.input',
        v: 1,
        params: { shape: [3], source: 'store:target', trainingOnly: true },
      },
      q: { type: 'layers.dense', v: 1, params: { units: 3, activation: 'softmax' } },
      kl: { type: 'losses.klDivergence', v: 1, params: {} },
    },
    edges: {
      e1: { from: { node: 'input', port: 'y' }, to: { node: 'q', port: 'x' } },
      e2: { from: { node: 'q', port: 'y' }, to: { node: 'kl', port: 'pred' } },
      e3: { from: { node: 'p', port: 'y' }, to: { node: 'kl', port: 'target' } },
    },
    training: {
      dataset: { name: 'iris', params: {} },
      optimizer: { type: 'optimizers.sgd', params: { learningRate: 0.5 } },
      batchSize: 8,
      epochs: 1,
      seed: 1,
      stores: [{ name: 'target', width: 3, init: 1 / 3, ...(transform ? { transform } : {}) }],
      phases: [{ name: 'cluster', kind: 'gradient', epochs: 3, ...phase } as PhaseRecord],
    },
    layout: {},
  };
}

function build(doc: GraphDoc) {
  const a = analyse(doc, registry);
  expect(a.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const ir = lowerGraph(a, registry).ir!;
  return { ir, compiled: compileIR(ir, registry) };
}

const codes = (doc: GraphDoc) =>
  analyse(doc, registry).diagnostics.map((d) => `${d.severity}:${d.code}:${d.field ?? ''}`);

/** Node q's output over every training row, now (a direct inference run), as Float64 rows. */
function directQ(compiled: ReturnType<typeof compileIR>, d: LoadedDataset): number[][] {
  return tf.tidy(() =>
    compiled
      .run(
        { input: tf.tensor2d(d.train.x, [d.train.count, 4]), p: tf.zeros([d.train.count, 3]) },
        { training: false },
      )
      .get('q')!
      .arraySync(),
  ) as number[][];
}

/** DEC's target in Float64, written from the paper's formula (independent of store-transforms.ts). */
function refTarget(q: number[][]): number[][] {
  const K = q[0]!.length;
  const f = Array.from({ length: K }, (_, j) => q.reduce((s, r) => s + r[j]!, 0));
  return q.map((r) => {
    const t = r.map((v, j) => (v * v) / f[j]!);
    const s = t.reduce((a, b) => a + b, 0);
    return t.map((v) => v / s);
  });
}

describe('decTarget (DEC target distribution)', () => {
  it('matches the closed form on a hand-computed case (f = [1.8, 1.2])', () => {
    // p_ij ∝ q_ij²/f_j: row 0 (0.81/1.8, 0.01/1.2) → (54/55, 1/55); row 1 (0.16/1.8, 0.36/1.2) →
    // (8/35, 27/35); row 2 (0.25/1.8, 0.25/1.2) → (2/5, 3/5).
    const p = decTarget([0.9, 0.1, 0.4, 0.6, 0.5, 0.5], 2);
    const want = [54 / 55, 1 / 55, 8 / 35, 27 / 35, 2 / 5, 3 / 5];
    for (const [i, w] of want.entries()) expect(p[i]).toBeCloseTo(w, 6);
  });

  it('matches a Float64 re-computation on random soft assignments; rows sum to 1; sharper than q', () => {
    const rng = createRng(3);
    const rows = 50;
    const K = 4;
    const q: number[][] = [];
    for (let i = 0; i < rows; i++) {
      const e = Array.from({ length: K }, () => Math.exp(2 * rng.normal()));
      const s = e.reduce((a, b) => a + b, 0);
      q.push(e.map((v) => v / s));
    }
    const p = decTarget(new Float32Array(q.flat()), K);
    const ref = refTarget(q);
    let maxErr = 0;
    for (let i = 0; i < rows; i++) {
      let sum = 0;
      for (let j = 0; j < K; j++) {
        maxErr = Math.max(maxErr, Math.abs(p[i * K + j]! - ref[i]![j]!));
        sum += p[i * K + j]!;
      }
      expect(sum).toBeCloseTo(1, 5);
    }
    expect(maxErr).toBeLessThan(1e-6);
    // Sharpening: the mean of the largest entry per row grows (q² emphasises confident rows).
    const meanMax = (v: ArrayLike<number>) => {
      let s = 0;
      for (let i = 0; i < rows; i++) s += Math.max(...Array.from({ length: K }, (_, j) => v[i * K + j]!));
      return s / rows;
    };
    expect(meanMax(p)).toBeGreaterThan(meanMax(q.flat()));
  });

  it('is uniform for uniform q, keeps one-hot rows, and refuses negative values', () => {
    expect(Array.from(decTarget([0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25], 4))).toEqual(
      Array(8).fill(0.25),
    );
    expect(Array.from(decTarget([1, 0, 0, 1, 1, 0], 2))).toEqual([1, 0, 0, 1, 1, 0]);
    expect(() => decTarget([0.5, -0.1], 2)).toThrow(/q ≥ 0/);
    expect(() => decTarget([0.5, 0.5, 0.5], 2)).toThrow(/rows of width 2/);
    const v = new Float32Array([0.3, 0.7]);
    expect(applyStoreTransform(undefined, v, 2)).toBe(v);
  });
});

describe('refreshes inside a gradient phase', () => {
  it('fire before optimizer steps 0, N, 2N, … (every N) and at each epoch start (every epoch)', async () => {
    // 30 rows, batch 8 → 4 steps per epoch, 3 epochs → 12 steps.
    for (const [every, steps, epochs] of [
      [5, [0, 5, 10], [0, 1, 2]],
      [4, [0, 4, 8], [0, 1, 2]],
      ['epoch', [0, 4, 8], [0, 1, 2]],
      [50, [0], [0]],
    ] as const) {
      const { ir, compiled } = build(dec({ refreshes: [{ store: 'target', from: 'q', every }] }));
      const seen: RefreshReport[] = [];
      await train(compiled, registry, data(), ir.training!, {
        validate: false,
        onRefresh: (r) => {
          seen.push(r);
        },
      });
      expect(seen.map((r) => r.step)).toEqual(steps);
      expect(seen.map((r) => r.epoch)).toEqual(epochs);
      expect(seen.every((r) => r.phase === 'cluster' && r.store === 'target' && r.from === 'q')).toBe(true);
      compiled.dispose();
    }
  });

  it("writes decTarget(node q's inference output) at each refresh; the store changes; the loss reads the new P", async () => {
    // One batch per epoch (batch = N rows) so each step's KL is over every row, independent of order.
    const doc = dec({
      epochs: 3,
      data: { batchSize: N },
      refreshes: [{ store: 'target', from: 'q', every: 'epoch' }],
    });
    const { ir, compiled } = build(doc);
    const d = data();
    const before = tf.memory().numTensors;
    const expected: number[][][] = [];
    const written: Float32Array[] = [];
    const losses: number[] = [];
    const r = await train(compiled, registry, d, ir.training!, {
      validate: false,
      onRefresh: (rep) => {
        const q = directQ(compiled, d);
        expected.push(q);
        written.push(rep.values);
        // The store holds DEC's target of q as the model is at this refresh (Float64 reference).
        const ref = refTarget(q);
        for (let i = 0; i < N; i++)
          for (let j = 0; j < 3; j++) expect(rep.values[i * 3 + j]).toBeCloseTo(ref[i]![j]!, 5);
      },
      onBatch: (b) => {
        losses.push(b.loss);
      },
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(written.length).toBe(3);
    // The store changes between refreshes (training moved q).
    const diff = (a: Float32Array, b: Float32Array) => Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));
    expect(diff(written[0]!, written[1]!)).toBeGreaterThan(1e-4);
    expect(diff(written[1]!, written[2]!)).toBeGreaterThan(1e-4);
    // The run's store is the last refresh's values.
    expect(Array.from(r.stores!.get('target')!)).toEqual(Array.from(written[2]!));
    // Each epoch's loss = mean_i KL(P_i ‖ Q_i) with P refreshed at that epoch's start: the Input
    // reading the store saw the new values (the stale P would give a different loss).
    for (let e = 0; e < 3; e++) {
      const q = expected[e]!;
      const p = refTarget(q);
      let kl = 0;
      for (let i = 0; i < N; i++)
        for (let j = 0; j < 3; j++) kl += p[i]![j]! * (Math.log(p[i]![j]!) - Math.log(q[i]![j]!));
      expect(losses[e]).toBeCloseTo(kl / N, 4);
      if (e > 0) {
        const stale = refTarget(expected[e - 1]!);
        let klStale = 0;
        for (let i = 0; i < N; i++)
          for (let j = 0; j < 3; j++)
            klStale += stale[i]![j]! * (Math.log(stale[i]![j]!) - Math.log(q[i]![j]!));
        expect(Math.abs(klStale / N - kl / N)).toBeGreaterThan(1e-4);
      }
    }
    // KL(P‖Q) ≥ 0 and P = Q is its zero: the loss falls as q sharpens towards its own target.
    expect(losses.every((l) => l > 0)).toBe(true);
    compiled.dispose();
  });

  it('without a transform writes the raw output', async () => {
    const { ir, compiled } = build(
      dec({ epochs: 1, refreshes: [{ store: 'target', from: 'q', every: 'epoch' }] }, null),
    );
    const d = data();
    let q: number[][] = [];
    const r = await train(compiled, registry, d, ir.training!, {
      validate: false,
      onRefresh: () => {
        q = directQ(compiled, d);
      },
    });
    const got = r.stores!.get('target')!;
    for (const [i, v] of q.flat().entries()) expect(got[i]).toBeCloseTo(v, 5);
    compiled.dispose();
  });
});

describe('store inputs outside a phase', () => {
  it("read the store's init value (an evaluation after training): loss = mean KL(init ‖ q)", async () => {
    const { ir, compiled } = build(dec({ epochs: 1 }));
    const d = data();
    const q = directQ(compiled, d);
    const rows = toTensors(d, 'train');
    const before = tf.memory().numTensors;
    const ev = await evaluate(compiled, registry, rows);
    expect(tf.memory().numTensors).toBe(before);
    rows.dispose();
    const u = 1 / 3;
    let kl = 0;
    for (const r of q) for (const v of r) kl += u * (Math.log(u) - Math.log(v));
    expect(ev.loss).toBeCloseTo(kl / N, 4);
    expect(ir.training!.stores![0]!.init).toBeCloseTo(u, 12);
    compiled.dispose();
  });
});

describe('refreshes: document, diagnostics, export', () => {
  it('parse: every defaults to epoch; the IR carries refreshes and the store transform', () => {
    const doc = dec({ refreshes: [{ store: 'target', from: 'q' } as never] });
    const parsed = parseGraphText(JSON.stringify(doc)).doc!;
    expect(parsed.training?.phases?.[0]?.refreshes).toEqual([{ store: 'target', from: 'q', every: 'epoch' }]);
    expect(parseGraphText(JSON.stringify(parsed)).doc).toEqual(parsed);
    const { ir, compiled } = build(parsed);
    expect(ir.training!.phases[0]!.refreshes).toEqual([{ store: 'target', from: 'q', every: 'epoch' }]);
    expect(ir.training!.stores).toEqual([{ name: 'target', width: 3, init: 1 / 3, transform: 'decTarget' }]);
    compiled.dispose();
    const bad = JSON.parse(JSON.stringify(doc));
    bad.training.stores[0].transform = 'sharpen';
    expect(parseGraphText(JSON.stringify(bad)).doc).toBeUndefined();
  });

  it('diagnostics name the field: bad every, unknown store, bad node, width, duplicates, wrong phase kind', () => {
    const r = (every: unknown, store = 'target', from = 'q') =>
      [{ store, from, every }] as PhaseRecord['refreshes'];
    const at = 'training.phases.0.refreshes.0';
    expect(codes(dec({ refreshes: r(0) }))).toContain(`error:train/store-every:${at}.every`);
    expect(codes(dec({ refreshes: r(2.5) }))).toContain(`error:train/store-every:${at}.every`);
    expect(codes(dec({ refreshes: r(-3) }))).toContain(`error:train/store-every:${at}.every`);
    expect(codes(dec({ refreshes: r(7) })).filter((c) => c.startsWith('error'))).toEqual([]);
    expect(codes(dec({ refreshes: r('epoch', 'nope') }))).toContain(`error:train/store-unknown:${at}.store`);
    expect(codes(dec({ refreshes: r('epoch', 'target', 'ghost') }))).toContain(
      `error:train/store-from:${at}.from`,
    );
    expect(codes(dec({ refreshes: r('epoch', 'target', 'kl') }))).toContain(
      `error:train/store-from:${at}.from`,
    );
    expect(codes(dec({ refreshes: r('epoch', 'target', 'input') }))).toContain(
      `error:train/store-width:${at}.from`,
    );
    expect(
      codes(
        dec({
          refreshes: [
            { store: 'target', from: 'q', every: 5 },
            { store: 'target', from: 'q', every: 'epoch' },
          ],
        }),
      ),
    ).toContain('error:train/store-duplicate:training.phases.0.refreshes.1.store');
    const fit = dec({});
    fit.training!.phases = [
      {
        name: 'f',
        kind: 'fit',
        epochs: 0,
        nodes: [],
        refreshes: [{ store: 'target', from: 'q', every: 'epoch' }],
      },
    ];
    expect(codes(fit)).toContain('error:train/store-field:training.phases.0.refreshes');
    const rp = dec({});
    rp.training!.phases = [
      {
        name: 'r',
        kind: 'refresh',
        epochs: 0,
        store: 'target',
        from: 'q',
        refreshes: [{ store: 'target', from: 'q', every: 'epoch' }],
      },
    ];
    expect(codes(rp)).toContain('error:train/store-field:training.phases.0.refreshes');
  });

  it('both exporters refuse a phase with refreshes, naming the store, the node and the interval', () => {
    const { ir, compiled } = build(dec({ refreshes: [{ store: 'target', from: 'q', every: 50 }] }));
    const why =
      /^export\/unsupported: phase 'cluster' uses per-sample store refreshes during training \(store 'target' from node 'q' every 50 steps\)/;
    expect(() => generateTypeScript(ir, registry)).toThrow(why);
    const py = generatePyTorch(ir, registry);
    expect(py.trainRefused).toMatch(/phase 'cluster' uses per-sample store refreshes during training/);
    compiled.dispose();
  });
});
