// Per-sample stores (W3, issue #13 part 3): a refresh phase writes exactly the node's inference
// output per training row (against a direct model.run over those rows); an Input reading
// `store:<name>` gathers the batch's rows by the same shuffled indices as the features; sampled
// epochs draw ⌊N·f⌋ rows; the train/store-… diagnostics; the schema round trip; no tensor leaks;
// both exporters refuse refresh phases by name.
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
import { loadRegistry } from '../node/discover-nodes.ts';
import { train } from '../trainer/loop.ts';

const registry = await loadRegistry();

beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.env().set('PROD', true);
});

const N = 30;

function data(n = N): LoadedDataset {
  const rng = createRng(5);
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
 * input → h (dense 5, tanh) → logits (dense 3) → CE; labels → perSample(logits, labels) (the
 * per-row loss a refresh writes). `extra` adds nodes/edges (e.g. an Input reading a store).
 */
function net(
  phases: PhaseRecord[],
  stores: NonNullable<GraphDoc['training']>['stores'] = [{ name: 'loss', width: 1 }],
  extra: Pick<GraphDoc, 'nodes' | 'edges'> = { nodes: {}, edges: {} },
): GraphDoc {
  return {
    format: 'netwright.graph',
    formatVersion: 2,
    meta: { title: 'stores' },
    nodes: {
      input: { type: 'io.input', v: 1, params: { shape: [4] } },
      labels: {
        type: 'io.input',
        v: 1,
        params: { shape: [1], dtype: 'int32', source: 'labels', trainingOnly: true },
      },
      h: { type: 'layers.dense', v: 1, params: { units: 5, activation: 'tanh' } },
      logits: { type: 'layers.dense', v: 1, params: { units: 3 } },
      perSample: { type: 'losses.perSampleLoss', v: 1, params: { fromLogits: true } },
      ce: { type: 'losses.sparseCategoricalCrossentropy', v: 1, params: { fromLogits: true } },
      ...extra.nodes,
    },
    edges: {
      e1: { from: { node: 'input', port: 'y' }, to: { node: 'h', port: 'x' } },
      e2: { from: { node: 'h', port: 'y' }, to: { node: 'logits', port: 'x' } },
      e3: { from: { node: 'logits', port: 'y' }, to: { node: 'perSample', port: 'pred' } },
      e4: { from: { node: 'labels', port: 'y' }, to: { node: 'perSample', port: 'target' } },
      e5: { from: { node: 'logits', port: 'y' }, to: { node: 'ce', port: 'pred' } },
      ...extra.edges,
    },
    training: {
      dataset: { name: 'iris', params: {} },
      optimizer: { type: 'optimizers.sgd', params: { learningRate: 0.1 } },
      batchSize: 8,
      epochs: 1,
      seed: 1,
      phases,
      ...(stores ? { stores } : {}),
    },
    layout: {},
  };
}

const grad = (name: string, extra: Partial<PhaseRecord> = {}): PhaseRecord => ({
  name,
  kind: 'gradient',
  epochs: 1,
  ...extra,
});
const refresh = (name: string, store: string, from: string): PhaseRecord => ({
  name,
  kind: 'refresh',
  epochs: 0,
  store,
  from,
});

function build(doc: GraphDoc) {
  const a = analyse(doc, registry);
  expect(a.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const ir = lowerGraph(a, registry).ir!;
  return { ir, compiled: compileIR(ir, registry) };
}

const codes = (doc: GraphDoc) =>
  analyse(doc, registry).diagnostics.map((d) => `${d.severity}:${d.code}:${d.field ?? ''}`);

describe('refresh phase', () => {
  it("writes exactly node 'from''s inference output per training row (vs a direct run over the rows)", async () => {
    const doc = net([grad('warm', { epochs: 2 }), refresh('score', 'loss', 'perSample')]);
    const { ir, compiled } = build(doc);
    expect(ir.training!.phases[1]).toMatchObject({
      kind: 'refresh',
      epochs: 0,
      refresh: { store: 'loss', from: 'perSample' },
    });
    expect(ir.training!.stores).toEqual([{ name: 'loss', width: 1, init: 0 }]);
    const d = data();
    const r = await train(compiled, registry, d, ir.training!, { validate: false });
    const got = r.stores!.get('loss')!;
    expect(got.length).toBe(N);
    // Independent reference: CE per row from a direct inference run, in Float64.
    const logits = tf.tidy(() =>
      compiled
        .run(
          {
            input: tf.tensor2d(d.train.x, [N, 4]),
            labels: tf.tensor2d(d.train.y, [N, 1], 'int32'),
          },
          { training: false },
        )
        .get('logits')!
        .arraySync(),
    ) as number[][];
    logits.forEach((z, i) => {
      const m = Math.max(...z);
      const lse = m + Math.log(z.reduce((s, v) => s + Math.exp(v - m), 0));
      expect(got[i]).toBeCloseTo(lse - z[d.train.y[i]!]!, 5);
    });
    compiled.dispose();
  });

  it('an Input reading store:<name> gathers the batch rows by the same shuffled indices as the features', async () => {
    // The store 'feat' is refreshed from the Input itself (width 4); then MSE(stored, input) over
    // shuffled batches is exactly 0 only if every batch takes the same rows of both.
    const extra: Pick<GraphDoc, 'nodes' | 'edges'> = {
      nodes: {
        stored: { type: 'io.input', v: 1, params: { shape: [4], source: 'store:feat', trainingOnly: true } },
        align: { type: 'losses.meanSquaredError', v: 1, params: {} },
      },
      edges: {
        s1: { from: { node: 'stored', port: 'y' }, to: { node: 'align', port: 'pred' } },
        s2: { from: { node: 'input', port: 'y' }, to: { node: 'align', port: 'target' } },
      },
    };
    const doc = net(
      [refresh('copy-features', 'feat', 'input'), grad('train', { epochs: 3 })],
      [{ name: 'feat', width: 4, init: 100 }],
      extra,
    );
    const { ir, compiled } = build(doc);
    const batches: number[] = [];
    const r = await train(compiled, registry, data(), ir.training!, {
      validate: false,
      onBatch: (b) => {
        batches.push(b.batch);
      },
    });
    expect(r.status).toBe('done');
    expect(batches.length).toBe(3 * Math.ceil(N / 8));
    for (const e of r.epochs) expect(e.train.terms.align).toBe(0);
    expect(r.epochs[0]!.train.terms.ce).toBeGreaterThan(0);
    // Before any refresh the store holds its init value (100): the same loss is then far from 0.
    const unrefreshed = net([grad('train')], [{ name: 'feat', width: 4, init: 100 }], extra);
    const b2 = build(unrefreshed);
    const r2 = await train(b2.compiled, registry, data(), b2.ir.training!, { validate: false });
    expect(r2.epochs[0]!.train.terms.align).toBeGreaterThan(9000);
    compiled.dispose();
    b2.compiled.dispose();
  });

  it('sampled epochs train on ⌊N·f⌋ rows drawn ∝ score; the run leaks no tensors', async () => {
    const fractions = [0.25, 0.5, 1, 0.5];
    const doc = net([
      grad('scorer'),
      refresh('score', 'loss', 'perSample'),
      grad('cycle', {
        epochs: 4,
        reinit: ['h', 'logits'],
        data: { fractions, weights: { store: 'loss', order: 'easy' } },
      }),
    ]);
    const { ir, compiled } = build(doc);
    const d = data();
    const before = tf.memory().numTensors;
    const steps: number[] = [];
    const r = await train(compiled, registry, d, ir.training!, {
      validate: false,
      onBatch: (b) => {
        if (b.stage === 'cycle') steps.push(b.batches);
      },
    });
    expect(tf.memory().numTensors).toBe(before);
    const cycle = r.epochs.filter((e) => e.stage === 'cycle');
    expect(cycle.map((e) => e.rows)).toEqual(fractions.map((f) => Math.floor(N * f)));
    expect(r.epochs.find((e) => e.stage === 'scorer')!.rows).toBeUndefined();
    expect(steps.length).toBe(fractions.reduce((s, f) => s + Math.ceil(Math.floor(N * f) / 8), 0));
    compiled.dispose();
  });
});

describe('store diagnostics', () => {
  it('unknown store, width mismatch, from a loss head, unknown node, weights width ≠ 1, fractions on a copy-free fit', () => {
    expect(codes(net([grad('a'), refresh('r', 'nope', 'perSample')]))).toContain(
      'error:train/store-unknown:training.phases.1.store',
    );
    expect(
      codes(net([grad('a'), refresh('r', 'loss', 'logits')])), // logits: 3 per row, store width 1
    ).toContain('error:train/store-width:training.phases.1.from');
    expect(codes(net([grad('a'), refresh('r', 'loss', 'ce')]))).toContain(
      'error:train/store-from:training.phases.1.from',
    );
    expect(codes(net([grad('a'), refresh('r', 'loss', 'ghost')]))).toContain(
      'error:train/store-from:training.phases.1.from',
    );
    const wide = net(
      [refresh('r', 'feat', 'input'), grad('g', { data: { weights: { store: 'feat', order: 'easy' } } })],
      [{ name: 'feat', width: 4 }],
    );
    expect(codes(wide)).toContain('error:train/store-width:training.phases.1.data.weights.store');
    expect(codes(net([grad('g', { data: { weights: { store: 'missing', order: 'hard' } } })]))).toContain(
      'error:train/store-unknown:training.phases.0.data.weights.store',
    );
    expect(codes(net([grad('g', { data: { weights: { store: 'loss', order: 'easy' } } })]))).toContain(
      'warning:train/store-unrefreshed:training.phases.0.data.weights.store',
    );
    expect(codes(net([grad('g'), { ...refresh('r', 'loss', 'perSample'), groups: ['main'] }]))).toContain(
      'error:train/store-field:training.phases.1.groups',
    );
    expect(
      codes(
        net(
          [grad('g')],
          [
            { name: 'loss', width: 1 },
            { name: 'loss', width: 2 },
          ],
        ),
      ),
    ).toContain('error:train/store-duplicate:training.stores.1.name');
  });

  it('an Input reading an undeclared store names the node and the fix', () => {
    const doc = net([grad('g')], [{ name: 'loss', width: 1 }], {
      nodes: {
        s: { type: 'io.input', v: 1, params: { shape: [1], source: 'store:nope', trainingOnly: true } },
      },
      edges: {},
    });
    const d = analyse(doc, registry).diagnostics.find((x) => x.code === 'train/store-unknown');
    expect(d?.nodeId).toBe('s');
    expect(d?.message).toMatch(/declare it as \{ name: 'nope', width \}/);
  });

  it('the schema rejects a refresh phase without store/from and store on another kind', () => {
    const bad = (phase: unknown) => {
      const doc = { ...net([grad('g')]), training: { ...net([grad('g')]).training!, phases: [phase] } };
      return parseGraphText(JSON.stringify(doc)).doc !== undefined;
    };
    expect(bad({ name: 'r', kind: 'refresh', from: 'perSample' })).toBe(false);
    expect(bad({ name: 'g', epochs: 1, store: 'loss' })).toBe(false);
    expect(bad({ name: 'g', epochs: 1, data: { fractions: [0] } })).toBe(false);
    expect(bad({ name: 'r', kind: 'refresh', store: 'loss', from: 'perSample' })).toBe(true);
  });
});

describe('stores in the document', () => {
  it('round-trips: parse → serialise → parse gives the same document', () => {
    const doc = net([
      grad('a'),
      refresh('score', 'loss', 'perSample'),
      grad('b', {
        epochs: 3,
        data: { fractions: [0.25, 0.5, 1], weights: { store: 'loss', order: 'hard' } },
      }),
    ]);
    const first = parseGraphText(JSON.stringify(doc)).doc;
    expect(first).toBeDefined();
    const again = parseGraphText(JSON.stringify(first)).doc;
    expect(again).toEqual(first);
    expect(first?.training?.stores).toEqual([{ name: 'loss', width: 1 }]);
    expect(first?.training?.phases?.[2]?.data?.weights).toEqual({ store: 'loss', order: 'hard' });
    expect(first?.training?.phases?.[1]).toMatchObject({ kind: 'refresh', store: 'loss', from: 'perSample' });
  });

  it('both exporters refuse the refresh phase by name (PyTorch still writes model.py)', () => {
    const doc = net([grad('a'), refresh('score', 'loss', 'perSample')]);
    const { ir, compiled } = build(doc);
    expect(() => generateTypeScript(ir, registry)).toThrow(
      /^export\/unsupported: phase 'score' uses a per-sample store refresh \(store 'loss' from node 'perSample'\)/,
    );
    const py = generatePyTorch(ir, registry);
    expect(py.files['model.py']).toBeDefined();
    expect(py.trainRefused).toMatch(/phase 'score' uses a per-sample store refresh/);
    compiled.dispose();
  });
});
