// A dataset field dragged out of the data panel (or added with the keyboard): an Input with
// Source `field:<name>` and the field's shape and dtype, wired into the target node's port of the
// same name when that fits, one undo step; bad requests toast instead of throwing.
import { describe, expect, it } from 'vitest';
import { addFieldInput } from '../app/field-input.ts';
import { createEditorStore } from '../app/store.ts';
import type { GraphDoc } from '../core/doc/schema.ts';
import { lowerGraph } from '../core/lower.ts';
import { loadRegistry } from '../node/discover-nodes.ts';

const registry = await loadRegistry();

/** features → masked CE's pred, on pairedSum (field `other`, [4] float32) — mask still open. */
function start(dataset = 'pairedSum'): GraphDoc {
  return {
    format: 'netwright.graph',
    formatVersion: 2,
    meta: { title: 'fields' },
    nodes: {
      x: { type: 'io.input', v: 1, params: { shape: [4] } },
      d: { type: 'layers.dense', v: 1, params: { units: 4 } },
      mse: { type: 'losses.meanSquaredError', v: 1, params: {} },
    },
    edges: {
      e1: { from: { node: 'x', port: 'y' }, to: { node: 'd', port: 'x' } },
      e2: { from: { node: 'd', port: 'y' }, to: { node: 'mse', port: 'pred' } },
    },
    training: {
      dataset: { name: dataset, params: {} },
      optimizer: { type: 'optimizers.adam', params: {} },
      batchSize: 8,
      epochs: 1,
      seed: 1,
    },
    layout: { x: { x: 0, y: 0 }, d: { x: 300, y: 0 }, mse: { x: 600, y: 0 } },
  };
}

describe('addFieldInput', () => {
  it('into a target: an Input shaped like the field, Source field:<name>, wired to a free port that fits; one undo step', () => {
    const store = createEditorStore(registry, start());
    const id = addFieldInput(store, 'other', { target: 'mse' })!;
    expect(id).toBe('other');
    const doc = store.doc();
    expect(doc.nodes[id]).toEqual({
      type: 'io.input',
      v: 1,
      params: { shape: [4], dtype: 'float32', source: 'field:other' },
    });
    const wired = Object.values(doc.edges).filter((e) => e.from.node === id);
    expect(wired.map((e) => `${e.to.node}.${e.to.port}`)).toEqual(['mse.target']);
    // Placed one column before the target, overlapping nothing.
    expect(doc.layout[id]!.x).toBeLessThan(doc.layout.mse!.x);
    expect(store.getState().selection.nodes).toEqual([id]);
    expect(store.getState().analysis.diagnostics).toEqual([]);
    // The graph lowers with the field as a model input.
    const ir = lowerGraph(store.getState().analysis, registry).ir!;
    expect(ir.nodes.find((n) => n.id === id)!.op).toMatchObject({ kind: 'input', source: 'field:other' });
    store.undo();
    expect(Object.hasOwn(store.doc().nodes, id)).toBe(false);
    expect(Object.keys(store.doc().edges)).toEqual(['e1', 'e2']);
  });

  it('without a target: placed below the graph, unwired; an unknown field or a group scope toasts and adds nothing', () => {
    const store = createEditorStore(registry, start());
    const id = addFieldInput(store, 'other')!;
    expect(Object.values(store.doc().edges).some((e) => e.from.node === id)).toBe(false);
    expect(store.doc().layout[id]!.y).toBeGreaterThan(0);
    const before = store.doc();
    expect(addFieldInput(store, 'nope')).toBeUndefined();
    expect(store.doc()).toBe(before);
    expect(store.getState().toasts.at(-1)!.text).toContain("no field 'nope'");
  });
});
