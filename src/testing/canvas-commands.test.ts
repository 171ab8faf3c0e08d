// The canvas's commands and actions, without a browser: every gesture is one undo step, refusals
// leave the document alone, hostile input (files, links, clipboard) never reaches the graph.

import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  addNodeAt,
  applyFix,
  connectPorts,
  copySelection,
  deleteSelection,
  duplicateSelection,
  editParam,
  groupSelected,
  openText,
  pasteText,
  selectAll,
} from '../app/actions.ts';
import { emptyDoc, moveNodes } from '../app/commands.ts';
import { decodeShareHash, encodeShareHash, toBase64Url } from '../app/share.ts';
import { createEditorStore, type EditorStore } from '../app/store.ts';
import type { GraphDoc } from '../core/doc/schema.ts';
import type { Registry } from '../core/registry.ts';
import { loadRegistry } from '../node/discover-nodes.ts';

let registry: Registry;
beforeAll(async () => {
  registry = await loadRegistry();
});

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

function mlpStore(): EditorStore {
  const store = createEditorStore(registry);
  addNodeAt(store, 'io.input', { x: 0, y: 0 });
  addNodeAt(store, 'layers.dense', { x: 200, y: 0 });
  addNodeAt(store, 'layers.dense', { x: 400, y: 0 });
  connectPorts(store, { node: 'input', port: 'y' }, { node: 'dense', port: 'x' });
  connectPorts(store, { node: 'dense2', port: 'x' }, { node: 'dense', port: 'y' }); // drawn backwards
  return store;
}

describe('editor actions', () => {
  it('builds an MLP: one step per gesture, params follow', () => {
    const store = mlpStore();
    expect(store.getState().history.past.map((e) => e.label)).toEqual([
      'Add Input',
      'Add Dense',
      'Add Dense',
      'Connect input → dense',
      'Connect dense → dense2',
    ]);
    editParam(store, 'dense', 'units', 1);
    editParam(store, 'dense', 'units', 12);
    editParam(store, 'dense', 'units', 128);
    expect(store.getState().history.past).toHaveLength(6); // typing coalesced
    editParam(store, 'dense2', 'units', 10);
    expect(store.getState().analysis.totalParams).toBe(101_770);
    store.undo();
    store.undo();
    expect(store.doc().nodes.dense!.params.units).toBeUndefined();
  });

  it('refuses a bad connection with a toast and leaves the document alone', () => {
    const store = mlpStore();
    const before = store.doc();
    expect(connectPorts(store, { node: 'dense2', port: 'y' }, { node: 'dense', port: 'x' })).toBe(false);
    expect(store.doc()).toBe(before);
    expect(store.getState().toasts.at(-1)?.text).toMatch(/already connected/);
  });

  it('delete, copy/paste (new ids) and duplicate are one step each', () => {
    const store = mlpStore();
    selectAll(store);
    const text = copySelection(store)!;
    expect(JSON.parse(text).format).toBe('netwright.graph');
    expect(pasteText(store, text, { x: 0, y: 300 })).toBe(true);
    const doc = store.doc();
    expect(Object.keys(doc.nodes)).toHaveLength(6);
    expect(Object.keys(doc.edges)).toHaveLength(4);
    expect(store.getState().history.past.at(-1)?.label).toBe('Paste 3 nodes');
    expect(store.getState().selection.nodes).toEqual(['input2', 'dense3', 'dense4']);
    expect(duplicateSelection(store)).toBe(true);
    expect(Object.keys(store.doc().nodes)).toHaveLength(9);
    selectAll(store);
    expect(deleteSelection(store)).toBe(true);
    expect(Object.keys(store.doc().nodes)).toHaveLength(0);
    store.undo();
    expect(Object.keys(store.doc().nodes)).toHaveLength(9);
  });

  it('groups, edits inside the open group (one undo step each), renames a port without disconnecting it', () => {
    const store = mlpStore();
    const total = store.getState().analysis.totalParams;
    store.select({ nodes: ['dense'], edges: [] });
    expect(groupSelected(store)).toBe(true);
    expect(store.getState().selection.nodes).toEqual(['group']);
    expect(store.getState().analysis.totalParams).toBe(total);
    store.openGroup('group');
    expect(Object.keys(store.scope().nodes).sort()).toEqual(['dense', 'input', 'output']);
    // An edit inside is one step on the whole document.
    expect(editParam(store, 'dense', 'units', 5)).toBe(true);
    expect(store.getState().analysis.totalParams).toBe(784 * 5 + 5 + 5 * 32 + 32);
    store.seal();
    // Renaming the group's input port moves the outside edge with it.
    expect(editParam(store, 'input', 'name', 'features')).toBe(true);
    const outer = () => Object.values(store.doc().edges).map((e) => `${e.to.node}:${e.to.port}`);
    expect(outer()).toContain('group:features');
    expect(store.getState().analysis.diagnostics).toEqual([]);
    store.undo();
    expect(outer()).toContain('group:x');
    store.undo();
    expect(store.getState().analysis.totalParams).toBe(total);
    // Undoing the grouping itself leaves the (now missing) group: the canvas returns to the top.
    store.undo();
    expect(store.getState().path).toEqual([]);
    expect(Object.keys(store.doc().nodes).sort()).toEqual(['dense', 'dense2', 'input']);
  });

  it('pastes hostile clipboard JSON safely: reserved ids become fresh ones', () => {
    const store = createEditorStore(registry);
    const hostile =
      '{"format":"netwright.graph","formatVersion":1,"nodes":{"__proto__":{"type":"layers.dense","v":1,"params":{}},"constructor":{"type":"io.input","v":1,"params":{}}},"edges":{"__proto__":{"from":{"node":"constructor","port":"y"},"to":{"node":"__proto__","port":"x"}}},"layout":{"__proto__":{"x":5,"y":5}}}';
    expect(pasteText(store, hostile)).toBe(true);
    expect(Object.keys(store.doc().nodes).sort()).toEqual(['dense', 'input']);
    expect(Object.keys(store.doc().edges)).toHaveLength(1);
    expect(({} as Record<string, unknown>).type).toBeUndefined();
    store.undo();
    expect(store.doc().nodes).toEqual({});
    // A group whose inside uses a reserved id is refused (its inner ids are pasted as they are).
    const innerHostile =
      '{"format":"netwright.graph","formatVersion":1,"nodes":{"g":{"type":"group.subgraph","v":1,"params":{},"graph":{"nodes":{"constructor":{"type":"group.output","v":1,"params":{}}}}}}}';
    expect(pasteText(store, innerHostile)).toBe(false);
    expect(store.getState().toasts.at(-1)?.text).toMatch(/'constructor' inside group 'g' is reserved/);
    expect(pasteText(store, 'not json')).toBe(false);
    expect(pasteText(store, '{"format":"nope"}')).toBe(false);
  });

  it('opening a malformed or hostile file keeps the current graph and says why', () => {
    const store = mlpStore();
    const before = store.doc();
    for (const bad of [
      fixture('doc-unreadable-json.graph.json'),
      fixture('doc-not-a-graph.graph.json'),
      fixture('doc-newer-format.graph.json'),
      fixture('doc-invalid.graph.json'),
      '{"format":"netwright.graph","formatVersion":1,"nodes":{"__proto__":{"type":"io.input","v":1,"params":{}}}}',
      '{"format":"netwright.graph","formatVersion":1,"nodes":{"g":{"type":"group.subgraph","v":1,"params":{},"graph":{"nodes":{"prototype":{"type":"group.output","v":1,"params":{}}}}}}}',
    ]) {
      expect(openText(store, bad, "'bad.graph.json'")).toBe(false);
      expect(store.doc()).toBe(before);
      expect(store.getState().toasts.at(-1)?.text).toMatch(/unchanged/);
    }
    expect(openText(store, fixture('valid-mlp.graph.json'), "'mlp'")).toBe(true);
    expect(store.doc()).not.toBe(before);
    store.undo();
    expect(store.doc()).toBe(before);
  });

  it('applies the Insert Flatten fix from the analysis as one step', () => {
    const store = createEditorStore(registry);
    openText(store, fixture('shape-loss-target-mismatch.graph.json'), 'x');
    const diag = store.getState().analysis.diagnostics.find((d) => d.fix)!;
    expect(applyFix(store, diag.fix!, 'Fix')).toBe(true);
    expect(store.getState().analysis.ok).toBe(true);
    store.undo();
    expect(store.getState().analysis.ok).toBe(false);
  });

  it('property: after any sequence of gestures, undo-all restores the starting graph', () => {
    const types = ['io.input', 'layers.dense', 'layers.flatten', 'activations.relu', 'layers.dropout'];
    type Op =
      | { k: 'add'; type: string; x: number }
      | { k: 'connect'; a: number; b: number }
      | { k: 'param'; n: number; units: number }
      | { k: 'move'; n: number; x: number }
      | { k: 'delete'; n: number }
      | { k: 'dup'; n: number }
      | { k: 'undo' }
      | { k: 'redo' };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({
        k: fc.constant('add' as const),
        type: fc.constantFrom(...types),
        x: fc.integer({ min: -500, max: 500 }),
      }),
      fc.record({ k: fc.constant('connect' as const), a: fc.nat(9), b: fc.nat(9) }),
      fc.record({ k: fc.constant('param' as const), n: fc.nat(9), units: fc.integer({ min: 1, max: 64 }) }),
      fc.record({ k: fc.constant('move' as const), n: fc.nat(9), x: fc.integer({ min: -500, max: 500 }) }),
      fc.record({ k: fc.constant('delete' as const), n: fc.nat(9) }),
      fc.record({ k: fc.constant('dup' as const), n: fc.nat(9) }),
      fc.constant({ k: 'undo' as const }),
      fc.constant({ k: 'redo' as const }),
    );
    const start: GraphDoc = JSON.parse(fixture('valid-mlp.graph.json'));
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), (ops) => {
        const store = createEditorStore(registry, structuredClone(start));
        const original = store.doc();
        const ids = () => Object.keys(store.doc().nodes);
        const pick = (n: number) => ids()[n % Math.max(1, ids().length)];
        for (const o of ops) {
          const id = 'n' in o ? pick(o.n) : undefined;
          if (o.k === 'add') addNodeAt(store, o.type, { x: o.x, y: 0 });
          else if (o.k === 'connect') {
            const a = pick(o.a);
            const b = pick(o.b);
            if (a && b) connectPorts(store, { node: a, port: 'y' }, { node: b, port: 'x' });
          } else if (o.k === 'param' && id) editParam(store, id, 'units', o.units);
          else if (o.k === 'move' && id) store.run('Move', moveNodes({ [id]: { x: o.x, y: 1 } }));
          else if (o.k === 'delete' && id) {
            store.select({ nodes: [id], edges: [] });
            deleteSelection(store);
          } else if (o.k === 'dup' && id) {
            store.select({ nodes: [id], edges: [] });
            duplicateSelection(store);
          } else if (o.k === 'undo') store.undo();
          else if (o.k === 'redo') store.redo();
        }
        while (store.getState().history.past.length) store.undo();
        expect(store.doc()).toEqual(original);
      }),
      { numRuns: 150 },
    );
  });

  it('an empty document is a valid starting point', () => {
    const store = createEditorStore(registry, emptyDoc());
    expect(store.getState().analysis.diagnostics).toEqual([]);
  });
});

describe('share links', () => {
  it('round-trips a graph through deflate-raw + base64url', async () => {
    const json = fixture('valid-mlp.graph.json');
    const hash = await encodeShareHash(json);
    expect(hash).toMatch(/^#g=[A-Za-z0-9_-]+$/);
    expect(hash.length).toBeLessThan(json.length);
    expect(await decodeShareHash(hash)).toBe(json);
  });

  it('says what is wrong with a damaged or hostile link', async () => {
    await expect(decodeShareHash('#x=abc')).rejects.toThrow(/no graph/);
    await expect(decodeShareHash('#g=<script>')).rejects.toThrow(/base64url/);
    await expect(decodeShareHash('#g=AAAA')).rejects.toThrow(/damaged/);
    // A deflate bomb: 20 MB of zeros must stop at the size limit.
    const bomb = await encodeShareHash('0'.repeat(20 * 1024 * 1024));
    await expect(decodeShareHash(bomb)).rejects.toThrow(/inflates past/);
    expect(toBase64Url(new Uint8Array([251, 255]))).toBe('-_8');
  });
});
