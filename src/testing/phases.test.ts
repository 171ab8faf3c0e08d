// Phases (formatVersion 2): frozen groups run in inference mode, optimizer state kept or reset by
// id, gradient clipping by global norm and lr scaling checked against hand computations, runtime
// params, loss-weight schedules, reinit, the v1 → v2 migration of every template, and analysis
// errors that name the phase and field.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CompiledModel, compileIR } from '../compiler/compile.ts';
import { analyse } from '../core/analysis/analyse.ts';
import { generatePyTorch } from '../core/codegen/pytorch.ts';
import type { LoadedDataset } from '../core/datasets/dataset-def.ts';
import { migrateDoc } from '../core/doc/migrations.ts';
import { parseGraphText } from '../core/doc/parse.ts';
import type { GraphDoc, PhaseRecord } from '../core/doc/schema.ts';
import { scalePhaseEpochs } from '../core/ir.ts';
import { lowerGraph } from '../core/lower.ts';
import { createRng } from '../core/rng.ts';
import { loadRegistry } from '../node/discover-nodes.ts';
import { listTemplateIds } from '../node/templates.ts';
import { type EpochReport, train } from '../trainer/loop.ts';
import { makeOptimizer } from '../trainer/optimizers.ts';
import { clipByGlobalNorm } from '../trainer/phase-runtime.ts';

const registry = await loadRegistry();
const ROOT = join(import.meta.dirname, '../..');

beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.env().set('PROD', true);
});

/** 4 features, 3 classes (sign pattern of two features). */
function classData(n = 32): LoadedDataset {
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

/** Input → dense (body) → BatchNorm (body) → dropout (body) → dense (head) → CE + accuracy. */
function net(phases: PhaseRecord[], optimizer = { type: 'optimizers.adam', params: { learningRate: 0.01 } }) {
  const doc: GraphDoc = {
    format: 'netwright.graph',
    formatVersion: 2,
    meta: { title: 'phases' },
    nodes: {
      input: { type: 'io.input', v: 1, params: { shape: [4] } },
      hidden: { type: 'layers.dense', v: 1, params: { units: 6, activation: 'tanh' }, group: 'body' },
      bn: { type: 'layers.batchNormalization', v: 1, params: { momentum: 0.5 }, group: 'body' },
      drop: { type: 'layers.dropout', v: 1, params: { rate: 0.5 }, group: 'body' },
      logits: { type: 'layers.dense', v: 1, params: { units: 3 }, group: 'head' },
      ce: { type: 'losses.sparseCategoricalCrossentropy', v: 1, params: { fromLogits: true } },
      acc: { type: 'metrics.accuracy', v: 1, params: {} },
    },
    edges: {
      e1: { from: { node: 'input', port: 'y' }, to: { node: 'hidden', port: 'x' } },
      e2: { from: { node: 'hidden', port: 'y' }, to: { node: 'bn', port: 'x' } },
      e3: { from: { node: 'bn', port: 'y' }, to: { node: 'drop', port: 'x' } },
      e4: { from: { node: 'drop', port: 'y' }, to: { node: 'logits', port: 'x' } },
      e5: { from: { node: 'logits', port: 'y' }, to: { node: 'ce', port: 'pred' } },
      e6: { from: { node: 'logits', port: 'y' }, to: { node: 'acc', port: 'pred' } },
    },
    training: { dataset: { name: 'iris', params: {} }, optimizer, batchSize: 8, epochs: 1, seed: 1, phases },
    layout: {},
  };
  return doc;
}

function build(doc: GraphDoc) {
  const a = analyse(doc, registry);
  expect(a.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const ir = lowerGraph(a, registry).ir!;
  return { ir, compiled: compileIR(ir, registry) };
}

const values = (ts: readonly tf.Tensor[]) => ts.map((t) => Array.from(t.dataSync()));
const weightsOf = (c: CompiledModel, ids: string[]) => values(c.weights(ids).map((w) => w.read()));
const phase = (name: string, extra: Partial<PhaseRecord> = {}): PhaseRecord => ({
  name,
  kind: 'gradient',
  epochs: 1,
  ...extra,
});

describe('frozen groups run in inference mode', () => {
  it('BatchNorm moving statistics and every body weight are bit-identical through a head-only phase', async () => {
    const { ir, compiled } = build(net([phase('head', { groups: ['head'] })]));
    const before = weightsOf(compiled, ['hidden', 'bn']);
    const head0 = weightsOf(compiled, ['logits']);
    const r = await train(compiled, registry, classData(), ir.training!);
    expect(r.status).toBe('done');
    expect(weightsOf(compiled, ['hidden', 'bn'])).toEqual(before); // moving mean/var included
    expect(weightsOf(compiled, ['logits'])).not.toEqual(head0);
    compiled.dispose();
  });

  it('the same phase over every group moves the moving statistics (the check can fail)', async () => {
    const { ir, compiled } = build(net([phase('all')]));
    const bnStats = () =>
      values(
        compiled
          .weights(['bn'])
          .filter((w) => !w.trainable)
          .map((w) => w.read()),
      );
    const before = bnStats();
    expect(before).toHaveLength(2);
    await train(compiled, registry, classData(), ir.training!);
    expect(bnStats()).not.toEqual(before);
    compiled.dispose();
  });

  it('a frozen dropout is off: the frozen body gives the same activations on every call', () => {
    const { compiled } = build(net([phase('head', { groups: ['head'] })]));
    const x = tf.randomNormal([5, 4], 0, 1, 'float32', 3);
    const run = (frozen?: ReadonlySet<string>) =>
      Array.from(
        compiled
          .run({ input: x }, { training: true, ...(frozen ? { frozen } : {}) })
          .get('drop')!
          .dataSync(),
      );
    const frozen = new Set(['body']);
    expect(run(frozen)).toEqual(run(frozen));
    expect(run()).not.toEqual(run()); // training mode: fresh dropout masks
    x.dispose();
    compiled.dispose();
  });
});

describe('optimizer state by id (Adam moments)', () => {
  // SGD-free check: Adam's first step moves each weight by lr·|g|/(|g|+ε) ≈ lr; a continued Adam does not.
  const firstStepOfPhase2 = async (ids: [string, string]) => {
    const lr = 0.01;
    const doc = net(
      [phase('one', { optimizers: [{ id: ids[0] }] }), phase('two', { optimizers: [{ id: ids[1] }] })],
      { type: 'optimizers.adam', params: { learningRate: lr } },
    );
    doc.nodes.drop!.params = { rate: 0 };
    const { ir, compiled } = build(doc);
    let before: number[][] = [];
    let after: number[][] = [];
    await train(compiled, registry, classData(16), ir.training!, {
      onBatch: (b) => {
        if (b.epoch === 1 && b.batch === b.batches) before = weightsOf(compiled, ['logits']);
        if (b.epoch === 2 && b.batch === 1) after = weightsOf(compiled, ['logits']);
      },
    });
    compiled.dispose();
    return { lr, steps: before.flatMap((w, i) => w.map((v, j) => Math.abs(after[i]![j]! - v))) };
  };

  it('a new id starts fresh: the first step of phase 2 moves every weight by lr (Adam’s first step)', async () => {
    const { lr, steps } = await firstStepOfPhase2(['a', 'b']);
    for (const s of steps) expect(s).toBeCloseTo(lr, 5);
  });

  it('the same id keeps the moments: phase 2 continues (steps differ from lr)', async () => {
    const { lr, steps } = await firstStepOfPhase2(['a', 'a']);
    expect(steps.filter((s) => Math.abs(s - lr) > 1e-4).length).toBeGreaterThan(steps.length / 2);
  });

  it('the same id over two phases equals one phase of two epochs, bit for bit', async () => {
    const run = async (phases: PhaseRecord[]) => {
      const doc = net(phases);
      doc.nodes.drop!.params = { rate: 0 };
      const { ir, compiled } = build(doc);
      await train(compiled, registry, classData(), ir.training!);
      const w = weightsOf(compiled, ['hidden', 'bn', 'logits']);
      compiled.dispose();
      return w;
    };
    const kept = await run([
      phase('one', { optimizers: [{ id: 'opt' }] }),
      phase('two', { optimizers: [{ id: 'opt' }] }),
    ]);
    expect(kept).toEqual(await run([phase('both', { epochs: 2, optimizers: [{ id: 'opt' }] })]));
    expect(kept).not.toEqual(await run([phase('one'), phase('two')])); // fresh per phase differs
  });
});

/** y = x·w (no bias) with MSE on 4 rows: the gradient is (2/N)·Xᵀ(Xw − y) in closed form. */
function linear(phases: PhaseRecord[], lr = 1): { doc: GraphDoc; data: LoadedDataset } {
  const X = [1, 2, -1, 0.5, 3, -2, 0.25, 1];
  const Y = [2, -1, 0.5, 3];
  const doc: GraphDoc = {
    format: 'netwright.graph',
    formatVersion: 2,
    meta: { title: 'linear' },
    nodes: {
      input: { type: 'io.input', v: 1, params: { shape: [2] } },
      a: { type: 'layers.dense', v: 1, params: { units: 1, useBias: false }, group: 'a' },
      b: { type: 'layers.dense', v: 1, params: { units: 1, useBias: false }, group: 'b' },
      sum: { type: 'layers.add', v: 1, params: {} },
      mse: { type: 'losses.meanSquaredError', v: 1, params: {} },
    },
    edges: {
      e1: { from: { node: 'input', port: 'y' }, to: { node: 'a', port: 'x' } },
      e2: { from: { node: 'input', port: 'y' }, to: { node: 'b', port: 'x' } },
      e3: { from: { node: 'a', port: 'y' }, to: { node: 'sum', port: 'x1' } },
      e4: { from: { node: 'b', port: 'y' }, to: { node: 'sum', port: 'x2' } },
      e5: { from: { node: 'sum', port: 'y' }, to: { node: 'mse', port: 'pred' } },
    },
    training: {
      dataset: { name: 'functionFit', params: { fn: 'exp-sin' } },
      optimizer: { type: 'optimizers.sgd', params: { learningRate: lr } },
      batchSize: 4,
      epochs: 1,
      seed: 1,
      phases,
    },
    layout: {},
  };
  const data: LoadedDataset = {
    binding: { name: 'functionFit', featureShape: [2], labels: { kind: 'values', shape: [1] } },
    train: { x: Float32Array.from(X), y: Float32Array.from(Y), count: 4 },
    val: { x: new Float32Array(0), y: new Float32Array(0), count: 0 },
  };
  return { doc, data };
}

/** Gradient of mean((X(wa + wb) − y)²) w.r.t. wa (= w.r.t. wb), by hand. */
function handGradient(data: LoadedDataset, wa: number[], wb: number[]): number[] {
  const X = data.train.x;
  const n = data.train.count;
  const g = [0, 0];
  for (let i = 0; i < n; i++) {
    const r = X[2 * i]! * (wa[0]! + wb[0]!) + X[2 * i + 1]! * (wa[1]! + wb[1]!) - data.train.y[i]!;
    g[0]! += (2 / n) * r * X[2 * i]!;
    g[1]! += (2 / n) * r * X[2 * i + 1]!;
  }
  return g;
}

async function oneStep(phases: PhaseRecord[], lr = 0.1) {
  const { doc, data } = linear(phases, lr);
  const { ir, compiled } = build(doc);
  const [wa, wb] = [weightsOf(compiled, ['a'])[0]!, weightsOf(compiled, ['b'])[0]!];
  await train(compiled, registry, data, ir.training!);
  const after = { a: weightsOf(compiled, ['a'])[0]!, b: weightsOf(compiled, ['b'])[0]! };
  compiled.dispose();
  return { g: handGradient(data, wa, wb), wa, wb, after };
}

describe('gradient clipping by global norm (per optimizer group)', () => {
  it('clipByGlobalNorm scales by c / max(‖g‖, c) over all tensors (3-4-12 → norm 13)', () => {
    const grads = { u: tf.tensor1d([3, 4]), v: tf.tensor1d([12]) };
    const half = clipByGlobalNorm(grads, 6.5);
    expect(Array.from(half.u!.dataSync())).toEqual([1.5, 2]);
    expect(Array.from(half.v!.dataSync())).toEqual([6]);
    const same = clipByGlobalNorm(grads, 20);
    expect(Array.from(same.u!.dataSync())).toEqual([3, 4]);
    tf.dispose([...Object.values(grads), ...Object.values(half), ...Object.values(same)]);
  });

  it('an SGD step of a clipped group equals w − lr·c·g/‖g‖ from the hand gradient; the other group is not clipped', async () => {
    const clip = 0.05;
    const lr = 0.1;
    const { g, wa, wb, after } = await oneStep(
      [
        phase('p', {
          optimizers: [
            { id: 'clipped', groups: ['a'], clipNorm: clip },
            { id: 'free', groups: ['b'] },
          ],
        }),
      ],
      lr,
    );
    const norm = Math.hypot(g[0]!, g[1]!);
    expect(norm).toBeGreaterThan(clip); // the clip is active
    for (let j = 0; j < 2; j++) {
      expect(after.a[j]!).toBeCloseTo(wa[j]! - (lr * clip * g[j]!) / norm, 6);
      expect(after.b[j]!).toBeCloseTo(wb[j]! - lr * g[j]!, 6);
    }
  });
});

describe('learning-rate scaling touches only its group', () => {
  it('a constant lrScale halves group a’s step and leaves group b’s bit-identical', async () => {
    const groups = (scale?: number) => [
      phase('p', {
        optimizers: [
          { id: 'a', groups: ['a'], ...(scale ? { lrScale: scale } : {}) },
          { id: 'b', groups: ['b'] },
        ],
      }),
    ];
    const plain = await oneStep(groups());
    const scaled = await oneStep(groups(0.5));
    expect(scaled.after.b).toEqual(plain.after.b);
    for (let j = 0; j < 2; j++) {
      expect(scaled.after.a[j]! - scaled.wa[j]!).toBeCloseTo(0.5 * (plain.after.a[j]! - plain.wa[j]!), 6);
      expect(plain.after.a[j]!).toBeCloseTo(plain.wa[j]! - 0.1 * plain.g[j]!, 6); // hand SGD step
    }
  });

  it('a metric lrScale clamps the metric to [min, max] (accuracy → 0.25): a quarter of the plain SGD step', async () => {
    const step = async (scaled: boolean) => {
      const doc = net(
        [
          phase('p', {
            optimizers: [
              { id: 'body', groups: ['body'] },
              {
                id: 'head',
                groups: ['head'],
                ...(scaled ? { lrScale: { metric: 'acc', min: 0.25, max: 0.25 } } : {}),
              },
            ],
          }),
        ],
        { type: 'optimizers.sgd', params: { learningRate: 0.1 } },
      );
      doc.nodes.drop!.params = { rate: 0 };
      const { ir, compiled } = build(doc);
      const w0 = weightsOf(compiled, ['logits', 'hidden']);
      await train(compiled, registry, classData(), ir.training!, { maxBatchesPerEpoch: 1 });
      const w1 = weightsOf(compiled, ['logits', 'hidden']);
      compiled.dispose();
      return w1.map((w, i) => w.map((v, j) => v - w0[i]![j]!));
    };
    const plain = await step(false);
    const scaled = await step(true);
    for (const [i, d] of scaled.entries())
      for (const [j, v] of d.entries()) expect(v).toBeCloseTo((i < 2 ? 0.25 : 1) * plain[i]![j]!, 6); // logits kernel+bias scaled, hidden not
  });
});

describe('loss weights, active heads, reinit, runtime params', () => {
  it('a loss-weight schedule replaces the node weight: weight 3 triples the SGD step', async () => {
    const one = await oneStep([phase('p')]);
    const three = await oneStep([phase('p', { lossWeights: { mse: 3 } })]);
    for (let j = 0; j < 2; j++)
      expect(three.after.a[j]! - three.wa[j]!).toBeCloseTo(3 * (one.after.a[j]! - one.wa[j]!), 6);
  });

  it('inactive heads are not computed; reinit puts the start-of-training weights back', async () => {
    const doc = net([phase('fit'), phase('again', { reinit: ['hidden'], heads: ['ce'], groups: ['head'] })]);
    const { ir, compiled } = build(doc);
    const start = weightsOf(compiled, ['hidden']);
    const reports: EpochReport[] = [];
    await train(compiled, registry, classData(), ir.training!, { onEpoch: (e) => void reports.push(e) });
    expect(Object.keys(reports[0]!.train.metrics)).toEqual(['acc']);
    expect(Object.keys(reports[1]!.train.metrics)).toEqual([]);
    expect(Object.keys(reports[1]!.train.terms)).toEqual(['ce']);
    expect(weightsOf(compiled, ['hidden'])).toEqual(start); // re-initialised, then frozen
    compiled.dispose();
  });

  it('a runtime override switches S-KAN to hard selection for one phase, without a rebuild', async () => {
    const text = readFileSync(join(ROOT, 'templates/s-kan-function-fitting.graph.json'), 'utf8');
    const doc = parseGraphText(text).doc!;
    const { compiled } = build(doc);
    const x = tf.randomUniform([6, 2], -1, 1, 'float32', 4);
    const out = () =>
      Array.from(
        compiled
          .run({ [compiled.ir.inputs[0]!]: x }, { training: false })
          .get('skan2')!
          .dataSync(),
      );
    const soft = out();
    compiled.setRuntimeParams('skan2', { selection: 'hard' });
    const hard = out();
    expect(hard).not.toEqual(soft);
    compiled.resetRuntimeParams('skan2');
    expect(out()).toEqual(soft);
    expect(() => compiled.setRuntimeParams('skan2', { units: 3 })).toThrow(/'units' is not a runtime param/);
    x.dispose();
    compiled.dispose();
  });
});

describe('analysis names the phase and field', () => {
  const codes = (doc: GraphDoc) => analyse(doc, registry).diagnostics.map((d) => [d.code, d.field]);
  it('unknown heads, nodes, overlapping optimizers, non-runtime overrides', () => {
    const got = codes(
      net([
        phase('a', {
          heads: ['nope'],
          reinit: ['ghost'],
          overrides: { hidden: { units: 3 } },
          optimizers: [{ id: 'x' }, { id: 'y' }],
        }),
        phase('a'),
      ]),
    );
    expect(got).toEqual(
      expect.arrayContaining([
        ['train/unknown-head', 'training.phases.0.heads'],
        ['train/phase-no-loss', 'training.phases.0.heads'],
        ['train/unknown-node', 'training.phases.0.reinit'],
        ['train/not-runtime', 'training.phases.0.overrides.hidden.units'],
        ['train/optimizer-overlap', 'training.phases.0.optimizers.1.groups'],
        ['train/phase-duplicate', 'training.phases.1.name'],
      ]),
    );
  });
});

describe('formatVersion 1 → 2', () => {
  const templates = listTemplateIds();
  // Stored templates were migrated on disk (their stages became phases by the v1 → v2 migration).
  it.each(templates)(
    '%s: stored at formatVersion 2, parses with its phases and round-trips through JSON',
    (id) => {
      const text = readFileSync(join(ROOT, `templates/${id}.graph.json`), 'utf8');
      const raw = JSON.parse(text);
      expect(raw.formatVersion).toBe(2);
      expect(raw.training.stages).toBeUndefined();
      const doc = parseGraphText(text).doc!;
      const phases: { name: string; epochs: number; groups?: string[] }[] = raw.training.phases ?? [];
      expect(doc.training!.phases?.map((p) => [p.name, p.epochs, p.groups])).toEqual(
        phases.length ? phases.map((s) => [s.name, s.epochs, s.groups]) : undefined,
      );
      const again = parseGraphText(JSON.stringify(doc)).doc!;
      expect(again).toEqual(doc);
    },
  );

  it('a stage learning rate becomes a fresh optimizer group with that rate (IR)', () => {
    const v1 = {
      ...net([]),
      formatVersion: 1,
      training: { ...net([]).training!, phases: undefined },
    } as Record<string, unknown>;
    (v1.training as Record<string, unknown>).stages = [
      { name: 'warm', epochs: 2, groups: ['head'] },
      { name: 'decay', epochs: 1, learningRate: 0.001 },
    ];
    const doc = parseGraphText(JSON.stringify(v1)).doc!;
    const { ir, compiled } = build(doc);
    compiled.dispose();
    expect(
      ir.training!.phases.map((p) => [
        p.name,
        p.epochs,
        p.groups,
        p.optimizers.map((o) => [o.id, o.config.learningRate]),
      ]),
    ).toEqual([
      ['warm', 2, ['head'], [['#1', 0.01]]],
      ['decay', 1, [], [['stage-2', 0.001]]],
    ]);
    // migrateDoc is what parse ran.
    expect(migrateDoc(v1, 1, 2).training).toMatchObject({ phases: [{ name: 'warm' }, { name: 'decay' }] });
  });

  it('--epochs: one phase gets N; several keep their proportions (at least 1 each)', () => {
    const { ir, compiled } = build(net([phase('a', { epochs: 2 }), phase('b', { epochs: 6 })]));
    compiled.dispose();
    expect(scalePhaseEpochs(ir.training!.phases, 4).map((p) => p.epochs)).toEqual([1, 3]);
    expect(scalePhaseEpochs(ir.training!.phases, 1).map((p) => p.epochs)).toEqual([1, 1]);
    expect(scalePhaseEpochs([ir.training!.phases[0]!], 7).map((p) => p.epochs)).toEqual([7]);
  });
});

describe('exporters', () => {
  it('PyTorch refuses a phase it cannot print, naming the phase and what it uses', () => {
    const { ir, compiled } = build(
      net([phase('warm', { groups: ['head'] }), phase('tune', { overrides: {} })]),
    );
    compiled.dispose();
    // model.py is written; train.py is not, and the project says why.
    const refused = generatePyTorch(ir, registry);
    expect(refused.files['model.py']).toContain('class ');
    expect(refused.files['train.py']).toBeUndefined();
    expect(refused.trainRefused).toMatch(/export\/unsupported: phase 'tune' uses runtime overrides/);
    expect(refused.files['README.md']).toContain('There is no `train.py`');
    const plain = build(net([phase('warm', { groups: ['head'] }), phase('tune')]));
    plain.compiled.dispose();
    expect(generatePyTorch(plain.ir, registry).files['train.py']).toContain(
      'set_modes(model, stage["groups"])',
    );
  });
});

describe('memory', () => {
  it('a phased run with clipping, reinit and overrides leaks no tensors', async () => {
    const { doc, data } = linear([
      phase('one', {
        optimizers: [
          { id: 'a', groups: ['a'], clipNorm: 0.1 },
          { id: 'b', groups: ['b'], lrScale: 0.5 },
        ],
      }),
      phase('two', { reinit: ['b'], lossWeights: { mse: { from: 1, to: 2 } }, optimizers: [{ id: 'a' }] }),
    ]);
    const { ir, compiled } = build(doc);
    const before = tf.memory().numTensors;
    await train(compiled, registry, data, ir.training!);
    expect(tf.memory().numTensors).toBe(before);
    compiled.dispose();
  });
});

describe('optimizer state follows variables by name (tfjs keeps it by list position)', () => {
  it.each([
    ['optimizers.adam', { learningRate: 0.1 }],
    ['optimizers.adamw', { learningRate: 0.1, weightDecay: 0.1 }],
    ['optimizers.rmsprop', { learningRate: 0.1, centered: true }],
    ['optimizers.sgd', { learningRate: 0.1, momentum: 0.9 }],
  ])(
    '%s: a later call over another variable order updates each variable as an in-order reference does',
    (type, config) => {
      const before = tf.memory().numTensors;
      // Variables outlive tidy; their initial values do not.
      const make = (name: string) =>
        tf.tidy(() => [
          tf.variable(tf.tensor1d([0.5, -1]), true, `${name}-a`),
          tf.variable(tf.tensor1d([2, 0, -3]), true, `${name}-b`),
        ]);
      const [a, b] = make('app');
      const [ra, rb] = make('ref');
      const app = makeOptimizer({ type, config }, registry);
      const ref = makeOptimizer({ type, config }, registry);
      const ga = [tf.tensor1d([0.3, -0.2]), tf.tensor1d([-0.5, 0.1]), tf.tensor1d([0.2, 0.2])];
      const gb = [tf.tensor1d([1, -1, 0.5]), tf.tensor1d([0.1, 0.4, -0.3])];
      // Phase 1 trains a alone; phase 2 trains b then a (the app's order) — the reference a then b.
      app.apply({ [a!.name]: ga[0]! }, [a!]);
      ref.apply({ [ra!.name]: ga[0]! }, [ra!]);
      for (let s = 0; s < 2; s++) {
        app.apply({ [b!.name]: gb[s]!, [a!.name]: ga[s + 1]! }, [b!, a!]);
        ref.apply({ [ra!.name]: ga[s + 1]!, [rb!.name]: gb[s]! }, [ra!, rb!]);
      }
      expect(a!.arraySync()).toEqual(ra!.arraySync());
      expect(b!.arraySync()).toEqual(rb!.arraySync());
      app.dispose();
      ref.dispose();
      tf.dispose([a!, b!, ra!, rb!, ...ga, ...gb]);
      expect(tf.memory().numTensors).toBe(before);
    },
  );
});
