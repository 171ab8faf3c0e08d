// A dataset field dragged (or added with the keyboard) out of the data panel: an Input node with
// Source `field:<name>`, the field's shape and dtype, wired into a node when one is the target
// (the node it was dropped on, else the selected one). One undo step. The inspector's Source
// dropdown offers the same sources and fits the Input's shape to the one chosen. No React, no DOM.

import { produce } from 'immer';
import { canConnect, findConnection } from '../core/connect.ts';
import { type SourceType, sourceType } from '../core/datasets/sources.ts';
import type { Endpoint, GraphDoc } from '../core/doc/schema.ts';
import { freshEdgeId, freshNodeId } from '../core/fixes.ts';
import type { DataBinding } from '../core/node-def.ts';
import { freeSpotBelow, NODE_GAP, TYPICAL_NODE } from '../core/placement.ts';
import { formatShape } from '../core/tensor-type.ts';
import { addNode, connect, type Point, type ScopeRecipe } from './commands.ts';
import type { EditorStore } from './store.ts';

/** The dataset's fields (name → shape, dtype, doc) as analysis sees them; empty without a dataset. */
export const datasetFields = (store: EditorStore) => store.getState().analysis.data?.fields ?? {};

/**
 * Adds an Input reading field `name`. `target` (a node id) gets the new Input wired into its
 * port named like the field when that port is free and fits, else into the first free port that
 * fits; `at` places it (default: one column before the target, or below the graph's nodes).
 * Returns the new node's id, or undefined after a toast saying why not.
 */
export function addFieldInput(
  store: EditorStore,
  name: string,
  opts: { target?: string | undefined; at?: Point } = {},
): string | undefined {
  const { registry, path } = store.getState();
  const field = datasetFields(store)[name];
  const def = registry.get('io.input');
  if (!def) return undefined;
  if (!field) {
    store.toast(
      'error',
      `The dataset has no field '${name}'. Choose a dataset with fields in the Train panel.`,
    );
    return undefined;
  }
  if (path.length) {
    store.toast('error', 'Dataset fields feed the top-level graph: leave the group first.');
    return undefined;
  }
  const doc = store.doc();
  const target = opts.target !== undefined && Object.hasOwn(doc.nodes, opts.target) ? opts.target : undefined;
  const spot = target !== undefined ? doc.layout[target] : undefined;
  const at =
    opts.at ??
    freeSpotBelow(
      doc,
      spot
        ? { x: spot.x - TYPICAL_NODE.width - NODE_GAP, y: spot.y }
        : {
            x: 0,
            y: Math.max(0, ...Object.values(doc.layout).map((p) => p.y + TYPICAL_NODE.height + NODE_GAP)),
          },
    );
  const id = freshNodeId(doc, `field.${name}`);
  const params = { shape: [...field.shape], dtype: field.dtype, source: `field:${name}` };
  const place = (d: GraphDoc) => {
    addNode(def, id, at)(d);
    d.nodes[id]!.params = params;
  };
  let wire: { from: Endpoint; to: Endpoint } | undefined;
  if (target !== undefined) {
    const candidate = produce(doc, place);
    const named = canConnect(candidate, registry, { node: id, port: 'y' }, { node: target, port: name });
    const free = !Object.values(doc.edges).some((e) => e.to.node === target && e.to.port === name);
    const res = named.ok && free ? named : findConnection(candidate, registry, id, target);
    if (res.ok) wire = { from: res.from, to: res.to };
    else store.toast('error', `Added the Input for field '${name}' unwired: ${res.reason}`);
  }
  const ok = store.run(wire ? `Add field ${name} → ${target}` : `Add field ${name}`, (d) => {
    place(d as GraphDoc);
    if (wire) connect(freshEdgeId(d), wire.from, wire.to)(d);
    return undefined;
  });
  if (!ok) return undefined;
  store.select({ nodes: [id], edges: [] });
  store.setView('canvas');
  return id;
}

/** What an Input's Source may be with this dataset: features, labels, then every field. */
export function sourceChoices(data: DataBinding | undefined): { value: string; label: string }[] {
  if (!data) return [];
  const show = (s: SourceType) => `${formatShape([null, ...s.shape])} ${s.dtype}`;
  return ['features', 'labels', ...Object.keys(data.fields ?? {}).map((f) => `field:${f}`)].flatMap(
    (value) => {
      const t = sourceType(value, data);
      return 'error' in t ? [] : [{ value, label: `${t.label} · ${show(t)}` }];
    },
  );
}

/**
 * Sets an Input's Source and, when the dataset knows it, the shape and dtype it delivers (one
 * step, so the Input never shows a mismatch in between). Features keep the Input's dtype (int32
 * token ids over float features are cast, as the trainer does).
 */
export function setInputSource(nodeId: string, source: string, data: DataBinding | undefined): ScopeRecipe {
  return (d) => {
    const rec = Object.hasOwn(d.nodes, nodeId) ? d.nodes[nodeId] : undefined;
    if (!rec) return;
    const t = data ? sourceType(source, data) : undefined;
    const fit =
      t && !('error' in t)
        ? { shape: [...t.shape], ...(source === 'features' ? {} : { dtype: t.dtype }) }
        : {};
    rec.params = { ...rec.params, source, ...fit };
  };
}
