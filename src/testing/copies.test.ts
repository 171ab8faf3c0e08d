// Weight copies (W3, issue #13): the EMA update after every step against a hand loop in Float64,
// a teacher copied at a phase end staying bit-identical in later phases, no gradient through a
// stop-gradient, train/copy-mismatch and the other copy diagnostics, no tensor leaks, and the
// schema round trip of copy phases and EMA copies.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileIR } from '../compiler/compile.ts';
import { analyse } from '../core/analysis/analyse.ts';
import { generateTypeScript } from '../core/codegen/index.ts';
import { generatePyTorch } from '../core/codegen/pytorch.ts';
import { copyChips, pairWeights } from '../core/copies.ts';
import type { LoadedDataset } from '../core/datasets/dataset-def.ts';
import { parseGraphText } from '../core/doc/parse.ts';
import type { GraphDoc, PhaseRecord } from '../core/doc/schema.ts';
import { scalePhaseEpochs } from '../core/ir.ts';
import { lowerGraph } from '../core/lower.ts';
import { createRng } from '../core/rng.ts';
import { loadRegistry } from '../node/discover-nodes.ts';
import { bindCopy, CopyError } from '../trainer/copy-runtime.ts';
import { train } from '../trainer/loop.ts';

const registry = await loadRegistry();

beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.env().set('PROD', true);
});

function data(n = 24): LoadedDataset {
  const rng = createRng(3);
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
 * Online branch: input → on1 (dense 5, tanh) → on2 (dense 3) → CE. Target branch (group 'target'):
 * input → tg1 (dense `targetUnits`, tanh) → tg2 (dense 3) → stopGradient → MSE against on2 (the
 * BYOL shape: the online prediction regresses onto a detached target).
 */
function net(phases: PhaseRecord[], targetUnits = 5): GraphDoc {
  return {
    format: 'netwright.graph',
    formatVersion: 2,
    meta: { title: 'copies' },
    nodes: {
      input: { type: 'io.input', v: 1, params: { shape: [4] } },
      on1: { type: 'layers.dense', v: 1, params: { units: 5, activation: 'tanh' }, group: 'online' },
      on2: { type: 'layers.dense', v: 1, params: { units: 3 }, group: 'online' },
      tg1: {
        type: 'layers.dense',
        v: 1,
        params: { units: targetUnits, activation: 'tanh' },
        group: 'target',
      },
      tg2: { type: 'layers.dense', v: 1, params: { units: 3 }, group: 'target' },
      sg: { type: 'primitives.stopGradient', v: 1, params: {} },
      ce: { type: 'losses.sparseCategoricalCrossentropy', v: 1, params: { fromLogits: true } },
      mse: { type: 'losses.meanSquaredError', v: 1, params: {} },
    },
    edges: {
      e1: { from: { node: 'input', port: 'y' }, to: { node: 'on1', port: 'x' } },
      e2: { from: { node: 'on1', port: 'y' }, to: { node: 'on2', port: 'x' } },
      e3: { from: { node: 'input', port: 'y' }, to: { node: 'tg1', port: 'x' } },
      e4: { from: { node: 'tg1', port: 'y' }, to: { node: 'tg2', port: 'x' } },
      e5: { from: { node: 'tg2', port: 'y' }, to: { node: 'sg', port: 'x' } },
      e6: { from: { node: 'on2', port: 'y' }, to: { node: 'ce', port: 'pred' } },
      e7: { from: { node: 'on2', port: 'y' }, to: { node: 'mse', port: 'pred' } },
      e8: { from: { node: 'sg', port: 'y' }, to: { node: 'mse', port: 'target' } },
    },
    training: {
      dataset: { name: 'iris', params: {} },
      optimizer: { type: 'optimizers.sgd', params: { learningRate: 0.1 } },
      batchSize: 8,
      epochs: 1,
      seed: 1,
      phases,
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

const grad = (name: string, extra: Partial<PhaseRecord> = {}): PhaseRecord => ({
  name,
  kind: 'gradient',
  epochs: 1,
  ...extra,
});
const f64 = (ts: readonly tf.LayerVariable[]) => ts.map((w) => Float64Array.from(w.read().dataSync()));
const f32 = (ts: readonly tf.LayerVariable[]) => ts.map((w) => Array.from(w.read().dataSync()));

describe('EMA copy after every optimizer step', () => {
  it('θ_target ← τ θ_target + (1 − τ) θ_online with a cosine τ ramp equals a Float64 hand loop', async () => {
    const tau = { from: 0.5, to: 0.95, curve: 'cosine' as const };
    const doc = net([
      grad('ssl', { epochs: 2, groups: ['online'], copies: [{ from: 'online', to: 'target', tau }] }),
    ]);
    const { ir, compiled } = build(doc);
    const online = compiled.weights(['on1', 'on2']);
    const target = compiled.weights(['tg1', 'tg2']);
    const initial = f32(target);
    let ref = f64(target); // the hand loop's target, in Float64
    const steps = 2 * 3; // 24 rows / batch 8, two epochs
    let k = 0;
    await train(compiled, registry, data(), ir.training!, {
      validate: false,
      onBatch: () => {
        // τ_k = from + (to − from)·(1 − cos(π k / (K − 1)))/2, written out here independently.
        const t = 0.5 + 0.45 * ((1 - Math.cos((Math.PI * k) / (steps - 1))) / 2);
        const on = f64(online);
        ref = ref.map((w, i) => w.map((v, j) => t * v + (1 - t) * on[i]![j]!));
        k++;
        const got = f64(target);
        for (const [i, w] of ref.entries())
          for (const [j, v] of w.entries()) expect(got[i]![j]).toBeCloseTo(v, 6);
      },
    });
    expect(k).toBe(steps);
    // The target moved (the comparison above is not vacuous).
    expect(f32(target)).not.toEqual(initial);
    compiled.dispose();
  });

  it('the target is not trained: with τ = 1 it stays bit-identical while the online group learns', async () => {
    const doc = net([
      grad('ssl', { epochs: 2, groups: ['online'], copies: [{ from: 'online', to: 'target', tau: 1 }] }),
    ]);
    const { ir, compiled } = build(doc);
    const before = f32(compiled.weights(['tg1', 'tg2']));
    const onBefore = f32(compiled.weights(['on1', 'on2']));
    await train(compiled, registry, data(), ir.training!, { validate: false });
    expect(f32(compiled.weights(['tg1', 'tg2']))).toEqual(before);
    expect(f32(compiled.weights(['on1', 'on2']))).not.toEqual(onBefore);
    compiled.dispose();
  });
});

describe('copy phase (frozen teacher)', () => {
  it('the teacher equals the online weights at the phase end, then stays bit-identical while online trains on', async () => {
    const doc = net([
      grad('first', { groups: ['online'] }),
      { name: 'teacher', kind: 'copy', epochs: 0, from: 'online', to: 'target' },
      grad('second', { epochs: 2, groups: ['online'] }),
    ]);
    const { ir, compiled } = build(doc);
    expect(ir.training!.phases[1]).toMatchObject({
      kind: 'copy',
      copy: { from: 'online', to: 'target' },
      epochs: 0,
    });
    const initialTarget = f32(compiled.weights(['tg1', 'tg2']));
    let atCopy: number[][] | undefined;
    let onlineAtCopy: number[][] | undefined;
    await train(compiled, registry, data(), ir.training!, {
      validate: false,
      onPhase: (p) => {
        if (p.phase !== 'second') return;
        atCopy = f32(compiled.weights(['tg1', 'tg2']));
        onlineAtCopy = f32(compiled.weights(['on1', 'on2']));
      },
    });
    expect(atCopy).toEqual(onlineAtCopy);
    expect(atCopy).not.toEqual(initialTarget);
    expect(f32(compiled.weights(['tg1', 'tg2']))).toEqual(atCopy);
    expect(f32(compiled.weights(['on1', 'on2']))).not.toEqual(onlineAtCopy);
    compiled.dispose();
  });

  it('--epochs scaling leaves a copy phase at 0 epochs', () => {
    const { ir, compiled } = build(
      net([
        grad('a', { groups: ['online'] }),
        { name: 'c', kind: 'copy', epochs: 0, from: 'online', to: 'target' },
      ]),
    );
    expect(scalePhaseEpochs(ir.training!.phases, 6).map((p) => p.epochs)).toEqual([6, 0]);
    compiled.dispose();
  });
});

describe('stop-gradient', () => {
  it('no gradient crosses it: trained with every group, the weights upstream of it are bit-identical after a step', async () => {
    const doc = net([grad('all', { groups: ['online', 'target'] })]);
    const { ir, compiled } = build(doc);
    const before = f32(compiled.weights(['tg1', 'tg2']));
    const onBefore = f32(compiled.weights(['on1', 'on2']));
    await train(compiled, registry, data(), ir.training!, { validate: false });
    expect(f32(compiled.weights(['tg1', 'tg2']))).toEqual(before);
    expect(f32(compiled.weights(['on1', 'on2']))).not.toEqual(onBefore);
    compiled.dispose();
  });
});

describe('diagnostics', () => {
  const errors = (doc: GraphDoc) => analyse(doc, registry).diagnostics.filter((d) => d.severity === 'error');

  it('train/copy-mismatch names the nodes and their sizes (copy phase and EMA copy)', () => {
    const copyPhase = errors(
      net(
        [
          grad('a', { groups: ['online'] }),
          { name: 'c', kind: 'copy', epochs: 0, from: 'online', to: 'target' },
        ],
        6,
      ),
    );
    expect(copyPhase.map((d) => d.code)).toEqual(['train/copy-mismatch']);
    expect(copyPhase[0]!.message).toContain("node 'on1' of group 'online' (25 weights)");
    expect(copyPhase[0]!.message).toContain("node 'tg1' of group 'target' (30 weights)");
    expect(copyPhase[0]!.field).toBe('training.phases.1.from');
    const ema = errors(
      net([grad('a', { groups: ['online'], copies: [{ from: 'online', to: 'target', tau: 0.9 }] })], 6),
    );
    expect(ema.map((d) => [d.code, d.field])).toEqual([
      ['train/copy-mismatch', 'training.phases.0.copies.0'],
    ]);
  });

  it('the runtime pairing checks exact shapes and names nodes and shapes', () => {
    const p = pairWeights('a', 'b', [{ node: 'x', shape: [4, 6] }], [{ node: 'y', shape: [6, 4] }]);
    expect(p.ok).toBe(false);
    expect(!p.ok && p.message).toContain("node 'x', shape [4, 6]");
    expect(!p.ok && p.message).toContain("node 'y', shape [6, 4]");
    const { compiled } = build(net([grad('a')]));
    expect(() => bindCopy(compiled, 'online', 'nothing', 'p')).toThrow(CopyError);
    expect(bindCopy(compiled, 'online', 'target', 'p')).toHaveLength(4);
    compiled.dispose();
  });

  it('an EMA target the phase also trains, unknown groups and τ outside [0, 1] are errors naming the field', () => {
    const trained = errors(net([grad('a', { copies: [{ from: 'online', to: 'target', tau: 0.99 }] })]));
    expect(trained.map((d) => [d.code, d.field])).toEqual([
      ['train/copy-target-trained', 'training.phases.0.copies.0.to'],
    ]);
    const viaOptimizer = errors(
      net([
        grad('a', {
          groups: ['online'],
          optimizers: [{ id: 'o', groups: ['online', 'target'] }],
          copies: [{ from: 'online', to: 'target', tau: 0.99 }],
        }),
      ]),
    );
    expect(viaOptimizer.map((d) => d.code)).toContain('train/copy-target-trained');
    const unknown = errors(
      net([grad('a', { groups: ['online'], copies: [{ from: 'online', to: 'tgt', tau: 0.99 }] })]),
    );
    expect(unknown.map((d) => [d.code, d.field])).toEqual([
      ['train/unknown-group', 'training.phases.0.copies.0.to'],
    ]);
    const tau = errors(
      net([
        grad('a', {
          groups: ['online'],
          copies: [{ from: 'online', to: 'target', tau: { from: 0.9, to: 1.5 } }],
        }),
      ]),
    );
    expect(tau.map((d) => d.code)).toEqual(['train/copy-tau']);
  });

  it('the schema refuses a copy phase without from/to and a gradient phase without epochs', () => {
    const bad = (p: unknown) =>
      parseGraphText(JSON.stringify({ ...net([grad('a')]), training: { ...net([]).training, phases: [p] } }));
    expect(bad({ name: 'c', kind: 'copy', from: 'online' }).doc).toBeUndefined();
    expect(bad({ name: 'g', kind: 'gradient' }).doc).toBeUndefined();
    expect(bad({ name: 'g', kind: 'gradient', epochs: 1, from: 'online', to: 'target' }).doc).toBeUndefined();
  });
});

describe('memory', () => {
  it('a run with a copy phase and EMA copies leaks no tensors', async () => {
    const doc = net([
      grad('ssl', {
        groups: ['online'],
        copies: [{ from: 'online', to: 'target', tau: { from: 0.9, to: 1, curve: 'cosine' } }],
      }),
      { name: 'teacher', kind: 'copy', epochs: 0, from: 'online', to: 'target' },
      grad('more', { groups: ['online'] }),
    ]);
    const { ir, compiled } = build(doc);
    const before = tf.memory().numTensors;
    await train(compiled, registry, data(), ir.training!, { validate: false });
    expect(tf.memory().numTensors).toBe(before);
    compiled.dispose();
  });
});

describe('schema round trip and canvas chips', () => {
  it('copy phases and EMA copies survive parse → JSON → parse unchanged; the copy phase needs no epochs', () => {
    const text = JSON.stringify(
      net([
        grad('ssl', {
          groups: ['online'],
          copies: [{ from: 'online', to: 'target', tau: { from: 0.99, to: 1, curve: 'cosine' } }],
        }),
      ]),
    ).replace('"phases":[', '"phases":[{"name":"teacher","kind":"copy","from":"online","to":"target"},');
    const first = parseGraphText(text);
    expect(first.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(first.doc!.training!.phases![0]).toEqual({
      name: 'teacher',
      kind: 'copy',
      epochs: 0,
      from: 'online',
      to: 'target',
    });
    const second = parseGraphText(JSON.stringify(first.doc));
    expect(second.doc).toEqual(first.doc);
    expect([...copyChips(first.doc!.training!.phases!)]).toEqual([
      ['target', ['copy of online (phase teacher)', 'EMA copy of online, τ 0.99→1 (cosine)']],
    ]);
  });
});

describe('exporters', () => {
  const doc = () =>
    net([
      grad('ssl', {
        groups: ['online'],
        copies: [{ from: 'online', to: 'target', tau: { from: 0.99, to: 1, curve: 'cosine' } }],
      }),
      { name: 'teacher', kind: 'copy', epochs: 0, from: 'online', to: 'target' },
      grad('probe', { groups: ['online'] }),
    ]);

  it('TypeScript prints the copy phase and the EMA update after every step', () => {
    const { ir, compiled } = build(doc());
    compiled.dispose();
    const src = generateTypeScript(ir, registry);
    expect(src).toContain("kind: 'copy'");
    expect(src).toContain('copyGroup(model, phase.from!, phase.to!)');
    expect(src).toContain('for (const c of phase.copies ?? []) emaCopy(model, c, progress);');
    expect(src).toContain("tau: { from: 0.99, to: 1, curve: 'cosine' }");
    expect(src).toContain('(1 - Math.cos(Math.PI * t)) / 2');
  });

  it('PyTorch refuses with a PhaseRefusal naming the phase and the copies', () => {
    const { ir, compiled } = build(doc());
    compiled.dispose();
    const py = generatePyTorch(ir, registry);
    expect(py.files['train.py']).toBeUndefined();
    expect(py.trainRefused).toMatch(
      /export\/unsupported: phase 'ssl' uses EMA copies after every step \(onto 'target'\)/,
    );
  });
});
