// Keyboard-first building without a browser: each node added with one selected lands after it
// without overlap and is wired from it when a port fits (one undo step each); choosing a dataset
// then makes the hand-built network trainable.

import { beforeAll, describe, expect, it } from 'vitest';
import { addNodeAfterSelection } from '../app/actions.ts';
import { createEditorStore, type EditorStore } from '../app/store.ts';
import { analyse } from '../core/analysis/analyse.ts';
import { findConnection } from '../core/connect.ts';
import { lowerGraph } from '../core/lower.ts';
import { TYPICAL_NODE } from '../core/placement.ts';
import type { Registry } from '../core/registry.ts';
import { chooseDataset } from '../core/training-setup.ts';
import { loadRegistry } from '../node/discover-nodes.ts';

let registry: Registry;
beforeAll(async () => {
  registry = await loadRegistry();
});

const CHAIN = [
  'io.input',
  'layers.dense',
  'activations.relu',
  'layers.dense',
  'activations.softmax',
  'losses.categoricalCrossentropy',
] as const;

function buildChain(store: EditorStore): string[] {
  return CHAIN.map((t) => addNodeAfterSelection(store, t, { x: 0, y: 0 })!);
}

const edgeList = (store: EditorStore) =>
  Object.values(store.doc().edges).map((e) => `${e.from.node}.${e.from.port}→${e.to.node}.${e.to.port}`);

describe('addNodeAfterSelection', () => {
  it('builds input → dense → relu → dense → softmax → cross-entropy as a wired chain, one step per node', () => {
    const store = createEditorStore(registry);
    const ids = buildChain(store);
    expect(ids).toEqual(['input', 'dense', 'relu', 'dense2', 'softmax', 'categoricalCrossentropy']);
    expect(edgeList(store).sort()).toEqual(
      [
        'input.y→dense.x',
        'dense.y→relu.x',
        'relu.y→dense2.x',
        'dense2.y→softmax.x',
        'softmax.y→categoricalCrossentropy.pred',
      ].sort(),
    );
    expect(store.getState().history.past).toHaveLength(CHAIN.length);
    // Each card sits a full card width right of the one before: no two overlap.
    const layout = store.doc().layout;
    for (let i = 1; i < ids.length; i++)
      expect(layout[ids[i]!]!.x - layout[ids[i - 1]!]!.x).toBeGreaterThanOrEqual(TYPICAL_NODE.width);
    // Undo removes the node and its edge together.
    store.undo();
    expect(Object.keys(store.doc().nodes)).not.toContain('categoricalCrossentropy');
    expect(edgeList(store)).toHaveLength(4);
  });

  it('then trains after choosing a dataset: MNIST sizes, no errors, the loss reads the labels', () => {
    const store = createEditorStore(registry);
    buildChain(store);
    store.run('Use MNIST', chooseDataset({ name: 'mnist', params: {} }, registry));
    const analysis = analyse(store.doc(), registry);
    expect(analysis.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    // Dense defaults to 32 units; the second Dense is set to MNIST's 10 classes: 784·32+32 + 32·10+10
    // (Keras's count for Dense(32) then Dense(10) on 784 inputs).
    expect(store.doc().nodes.dense2!.params.units).toBe(10);
    expect(analysis.totalParams).toBe(784 * 32 + 32 + 32 * 10 + 10);
    const ir = lowerGraph(analysis, registry).ir!;
    expect(ir.losses.map((l) => l.type)).toEqual(['losses.categoricalCrossentropy']);
    expect(ir.metrics.map((m) => m.type)).toEqual(['metrics.accuracy']);
  });

  it('does not wire from a loss, nor when nothing is selected, and never stacks two new nodes', () => {
    const store = createEditorStore(registry);
    buildChain(store);
    const acc = addNodeAfterSelection(store, 'metrics.accuracy', { x: 0, y: 0 })!;
    expect(edgeList(store).filter((e) => e.includes(acc))).toEqual([]);
    store.select({ nodes: [], edges: [] });
    const a = addNodeAfterSelection(store, 'layers.dense', { x: 0, y: 0 })!;
    const b = addNodeAfterSelection(store, 'layers.flatten', { x: 0, y: 0 })!;
    const layout = store.doc().layout;
    expect(
      Math.abs(layout[a]!.y - layout[b]!.y) >= TYPICAL_NODE.height || layout[a]!.x !== layout[b]!.x,
    ).toBe(true);
  });
});

describe('findConnection', () => {
  it('picks the first port pair that fits, and says why when none does', () => {
    const store = createEditorStore(registry);
    buildChain(store);
    store.select({ nodes: [], edges: [] });
    addNodeAfterSelection(store, 'metrics.accuracy', { x: 0, y: 900 });
    const ok = findConnection(store.doc(), registry, 'softmax', 'accuracy');
    expect(ok.ok && ok.to).toEqual({ node: 'accuracy', port: 'pred' });
    const taken = findConnection(store.doc(), registry, 'input', 'dense');
    expect(taken.ok).toBe(false);
    if (!taken.ok) expect(taken.reason).toMatch(/already connected/);
    // A cycle is refused with the reason canConnect gives.
    const cycle = findConnection(store.doc(), registry, 'dense2', 'relu');
    expect(cycle.ok).toBe(false);
  });
});

describe('a loss added to a graph that already has data', () => {
  it('gets the class count on the Dense before it and an accuracy metric, in the same undo step', () => {
    const store = createEditorStore(registry);
    // Data first (the graph is a lone Input, so no head is added yet), then the layers.
    addNodeAfterSelection(store, 'io.input', { x: 0, y: 0 });
    store.run('Use iris', chooseDataset({ name: 'iris', params: {} }, registry));
    expect(store.doc().nodes.input!.params.shape).toEqual([4]);
    expect(Object.keys(store.doc().nodes)).toEqual(['input']);
    for (const t of CHAIN.slice(1, 5)) addNodeAfterSelection(store, t, { x: 0, y: 0 });
    const steps = store.getState().history.past.length;
    addNodeAfterSelection(store, 'losses.categoricalCrossentropy', { x: 0, y: 0 });
    expect(store.getState().history.past.length).toBe(steps + 1);
    // iris: 3 species, so the Dense before the softmax now has 3 units; accuracy reads the softmax.
    expect(store.doc().nodes.dense2!.params.units).toBe(3);
    expect(edgeList(store)).toContain('softmax.y→accuracy.pred');
    expect(analyse(store.doc(), registry).diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });
});
