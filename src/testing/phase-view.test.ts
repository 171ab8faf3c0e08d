// The phase view: which nodes a phase freezes or leaves inactive (checked by hand on a graph with a
// group node, and against what training the phase really does to each node's weights), per-phase
// sample counts as each phase starts, the epoch report's per-group learning rate, and that picking
// a phase is view state (no undo step).
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createEditorStore } from '../app/store.ts';
import { compileIR } from '../compiler/compile.ts';
import { analyse } from '../core/analysis/analyse.ts';
import { loadDatasetSpec } from '../core/datasets/load-spec.ts';
import type { GraphDoc, NodeRecord, PhaseRecord } from '../core/doc/schema.ts';
import { lowerGraph } from '../core/lower.ts';
import { cardPhaseState, phaseNodeStates } from '../core/phase-states.ts';
import { nodeDatasetIO } from '../node/dataset-io.ts';
import { loadRegistry } from '../node/discover-nodes.ts';
import { type PhaseStart, train } from '../trainer/loop.ts';

const registry = await loadRegistry();

beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.env().set('PROD', true);
});

const node = (type: string, params: Record<string, unknown> = {}, group?: string): NodeRecord => ({
  type,
  v: 1,
  params,
  ...(group ? { group } : {}),
});
const edge = (from: string, to: string, toPort = 'x') => ({
  from: { node: from, port: 'y' },
  to: { node: to, port: toPort },
});

/**
 * iris(4) → group node `blk` (variable group 'body'; inside: Dense 8 tanh, no own group, so it
 * inherits 'body') → BatchNorm (body) → Dense 3 softmax (head) → cross-entropy + accuracy.
 */
function doc(phases: PhaseRecord[], lr = 0.01): GraphDoc {
  return {
    format: 'netwright.graph',
    formatVersion: 2,
    meta: { title: 'phase view' },
    nodes: {
      x: node('io.input', { shape: [4] }),
      blk: {
        ...node('group.subgraph', {}, 'body'),
        graph: {
          nodes: {
            i: node('group.input'),
            d: node('layers.dense', { units: 8, activation: 'tanh' }),
            o: node('group.output'),
          },
          edges: { a: edge('i', 'd'), b: edge('d', 'o') },
          layout: {},
        },
      },
      bn: node('layers.batchNormalization', {}, 'body'),
      logits: node('layers.dense', { units: 3, activation: 'softmax' }, 'head'),
      ce: node('losses.categoricalCrossentropy'),
      acc: node('metrics.accuracy'),
    },
    edges: {
      e1: edge('x', 'blk'),
      e2: edge('blk', 'bn'),
      e3: edge('bn', 'logits'),
      e4: edge('logits', 'ce', 'pred'),
      e5: edge('logits', 'acc', 'pred'),
    },
    training: {
      dataset: { name: 'iris', params: {} },
      optimizer: { type: 'optimizers.sgd', params: { learningRate: lr } },
      batchSize: 16,
      epochs: 1,
      seed: 1,
      phases,
    },
    layout: {},
  };
}

const phase = (name: string, extra: Partial<PhaseRecord> = {}): PhaseRecord => ({
  name,
  kind: 'gradient',
  epochs: 1,
  ...extra,
});

function lowered(d: GraphDoc) {
  const a = analyse(d, registry);
  expect(a.diagnostics.filter((x) => x.severity === 'error')).toEqual([]);
  return lowerGraph(a, registry).ir!;
}

const iris = () => loadDatasetSpec({ name: 'iris', params: {} }, 1, nodeDatasetIO);

describe('which nodes a phase freezes or leaves inactive', () => {
  it('a head-only phase with one active loss: body (group inside included) frozen, the metric inactive', () => {
    const ir = lowered(doc([phase('warm', { groups: ['head'], heads: ['ce'] }), phase('tune')]));
    const [warm, tune] = ir.training!.phases;
    expect(Object.fromEntries(phaseNodeStates(ir, warm!))).toEqual({
      blk__d: 'frozen',
      bn: 'frozen',
      logits: 'trained',
      ce: 'trained',
      acc: 'inactive',
    });
    // A phase over every group with every head dims nothing.
    expect(new Set(phaseNodeStates(ir, tune!).values())).toEqual(new Set(['trained']));
  });

  it('a group card shows its inside: trained if any inner node trains, else frozen; unknown ids none', () => {
    const states = new Map([
      ['g__a', 'frozen'],
      ['g__b', 'trained'],
      ['h__a', 'inactive'],
      ['h__b', 'frozen'],
      ['k', 'inactive'],
    ] as const);
    expect(cardPhaseState(states, 'g')).toBe('trained');
    expect(cardPhaseState(states, 'h')).toBe('frozen');
    expect(cardPhaseState(states, 'k')).toBe('inactive');
    expect(cardPhaseState(states, 'x')).toBeUndefined();
    expect(cardPhaseState(states, 'g__')).toBeUndefined();
  });

  it('what the view marks frozen keeps its weights bit for bit through the phase; what it marks trained moves', async () => {
    const ir = lowered(doc([phase('warm', { groups: ['head'] })], 0.1));
    const states = phaseNodeStates(ir, ir.training!.phases[0]!);
    const compiled = compileIR(ir, registry);
    const withWeights = [...states.keys()].filter((id) => compiled.weights([id]).length > 0);
    expect(withWeights.sort()).toEqual(['blk__d', 'bn', 'logits']);
    const read = () =>
      new Map(
        withWeights.map((id) => [id, compiled.weights([id]).map((w) => Array.from(w.read().dataSync()))]),
      );
    const before = read();
    await train(compiled, registry, await iris(), ir.training!, { validate: false });
    const after = read();
    for (const id of withWeights) {
      if (states.get(id) === 'frozen') expect(after.get(id), id).toEqual(before.get(id));
      else expect(after.get(id), id).not.toEqual(before.get(id));
    }
    compiled.dispose();
  });
});

describe('per-phase sample counts and learning rates', () => {
  it('each phase reports its own training sample count when it starts (a few-shot dataset: min(10, n_c) per class)', async () => {
    const full = await iris();
    const perClass = [0, 1, 2].map((c) => full.train.y.filter((y) => y === c).length);
    const fewShot = perClass.reduce((s, n) => s + Math.min(10, n), 0);
    const ir = lowered(
      doc([
        phase('all'),
        phase('few', {
          data: {
            batchSize: 8,
            dataset: { name: 'iris', params: {}, transforms: [{ type: 'perClass', n: 10 }] },
          },
        }),
      ]),
    );
    const starts: PhaseStart[] = [];
    const compiled = compileIR(ir, registry);
    await train(compiled, registry, full, ir.training!, {
      validate: false,
      loadDataset: (spec) => loadDatasetSpec(spec, 1, nodeDatasetIO),
      onPhase: (p) => {
        starts.push(p);
      },
    });
    compiled.dispose();
    expect(fewShot).toBeLessThan(full.train.count);
    expect(starts).toEqual([
      {
        phase: 'all',
        trainSamples: full.train.count,
        batchSize: 16,
        batches: Math.ceil(full.train.count / 16),
      },
      { phase: 'few', trainSamples: fewShot, batchSize: 8, batches: Math.ceil(fewShot / 8) },
    ]);
  });

  it('the epoch report carries each optimizer group’s rate: base × constant lrScale, the implicit group its base', async () => {
    const ir = lowered(
      doc(
        [
          phase('one', { groups: ['head'] }),
          phase('two', {
            optimizers: [
              { id: 'h', groups: ['head'] },
              { id: 'b', groups: ['body'], lrScale: 0.1 },
            ],
          }),
        ],
        0.02,
      ),
    );
    const compiled = compileIR(ir, registry);
    const r = await train(compiled, registry, await iris(), ir.training!, { validate: false });
    compiled.dispose();
    expect(r.epochs.map((e) => e.lr)).toEqual([{ '#1': 0.02 }, { h: 0.02, b: expect.closeTo(0.002, 12) }]);
  });

  it('a metric lrScale averages base × clamp(batch metric) over the epoch: with equal batches, base × the epoch’s accuracy', async () => {
    const ir = lowered(
      doc([phase('p', { optimizers: [{ id: 'all', lrScale: { metric: 'acc', min: 0, max: 1 } }] })], 0.05),
    );
    const data = await iris();
    const batch = 8;
    expect(data.train.count % batch).toBe(0); // equal batches: the epoch accuracy is the mean of the batches'
    const compiled = compileIR(ir, registry);
    const r = await train(compiled, registry, data, ir.training!, { validate: false, batchSize: batch });
    compiled.dispose();
    const e = r.epochs[0]!;
    expect(e.train.metrics.acc).toBeGreaterThan(0);
    expect(e.lr.all).toBeCloseTo(0.05 * e.train.metrics.acc!, 6);
  });
});

describe('picking a phase is view state', () => {
  it('setPhaseView changes no document and adds no undo step', () => {
    const d = doc([phase('warm', { groups: ['head'] }), phase('tune')]);
    const store = createEditorStore(registry, d);
    const history = store.getState().history;
    const ir = lowered(d);
    const warm = ir.training!.phases[0]!;
    store.setPhaseView({ phase: warm.name, states: phaseNodeStates(ir, warm) });
    expect(store.getState().phaseView?.states.get('bn')).toBe('frozen');
    expect(store.getState().history).toBe(history);
    store.setPhaseView(null);
    expect(store.getState().phaseView).toBeNull();
    expect(store.getState().history).toBe(history);
  });
});
