// What the user can do to the document, one function per gesture: each runs one command (one undo
// step) and says in a toast why it refused. No React, no DOM: unit-tested in Node.

import { produce } from 'immer';
import { canConnect, findConnection } from '../core/connect.ts';
import type { Fix } from '../core/diagnostics.ts';
import { MAX_GRAPH_BYTES, parseGraphText, parseGraphValue } from '../core/doc/parse.ts';
import type { Endpoint, GraphDoc, Subgraph } from '../core/doc/schema.ts';
import { FixError, fixRecipe, freshEdgeId, freshNodeId } from '../core/fixes.ts';
import { editableScope, GROUP_INPUT, GROUP_OUTPUT, isGroup, portName } from '../core/groups.ts';
import { importKerasJson } from '../core/import/index.ts';
import { freeSpotBelow, placeAfter, type Size } from '../core/placement.ts';
import { chooseDataset } from '../core/training-setup.ts';
import {
  addGroup,
  addNode,
  connect,
  copyFragment,
  type DocRecipe,
  deleteItems,
  groupSelection,
  moveNodes,
  type Point,
  paste,
  planPaste,
  replaceDoc,
  reservedIdProblem,
  setParam,
  ungroup,
} from './commands.ts';
import type { EditorStore } from './store.ts';

/** Files and links larger than this are refused before parsing (re-exported for the UI). */
export { MAX_GRAPH_BYTES };

/** The def of a node type the user may place, or undefined after a toast saying why not. */
function placeableDef(store: EditorStore, type: string) {
  const def = store.getState().registry.get(type);
  if (!def) {
    store.toast('error', `Unknown node type '${type}'.`);
    return undefined;
  }
  if (def.kind === 'optimizer') {
    store.toast('error', `${def.title} is an optimizer: choose it in the training settings, not as a node.`);
    return undefined;
  }
  return def;
}

export function addNodeAt(store: EditorStore, type: string, at: Point): string | undefined {
  const def = placeableDef(store, type);
  if (!def) return undefined;
  const id = freshNodeId(store.scope(), type);
  if (!store.edit(`Add ${def.title}`, addNode(def, id, at))) return undefined;
  store.select({ nodes: [id], edges: [] });
  store.setView('canvas');
  return id;
}

/**
 * Adds a node the keyboard way (one undo step): with one node selected, one column after it
 * without covering anything and wired from it when a port pair fits; otherwise at the first free
 * spot at or below `fallback`. Losses and metrics are not wired from (their output is a scalar).
 */
export function addNodeAfterSelection(
  store: EditorStore,
  type: string,
  fallback: Point,
  sizes: ReadonlyMap<string, Size> = new Map(),
): string | undefined {
  const def = placeableDef(store, type);
  if (!def) return undefined;
  const { registry, selection, path } = store.getState();
  const scope = store.scope();
  const sel = selection.nodes.length === 1 ? selection.nodes[0]! : undefined;
  const anchor = sel !== undefined && Object.hasOwn(scope.nodes, sel) ? sel : undefined;
  const at =
    (anchor !== undefined && placeAfter(scope, anchor, sizes)) || freeSpotBelow(scope, fallback, sizes);
  const id = freshNodeId(scope, type);
  const anchorKind = anchor !== undefined ? registry.get(scope.nodes[anchor]!.type)?.kind : undefined;
  let wire: { from: Endpoint; to: Endpoint } | undefined;
  if (anchor !== undefined && anchorKind !== 'loss' && anchorKind !== 'metric') {
    const candidate = produce(store.doc(), (d) => {
      const s = editableScope(d as GraphDoc, path);
      if (s) addNode(def, id, at)(s);
      // A new loss is judged without the dataset's labels: the class count is fitted below.
      if (def.kind === 'loss') delete d.training;
    });
    const res = findConnection(candidate, registry, anchor, id, path);
    if (res.ok) wire = { from: res.from, to: res.to };
  }
  const label = wire ? `Add ${def.title} after ${anchor}` : `Add ${def.title}`;
  const added = store.run(label, (d) => {
    const s = editableScope(d as GraphDoc, path);
    if (!s) throw new Error('the open group no longer exists');
    addNode(def, id, at)(s);
    if (wire) connect(freshEdgeId(s), wire.from, wire.to)(s);
    // A loss joins the graph's data: the Dense before it gets the class count, and an accuracy
    // metric is added when there is none (as when the dataset is chosen after the loss).
    if (def.kind === 'loss' && path.length === 0 && d.training)
      chooseDataset({ ...d.training.dataset }, registry, { fit: false })(d);
    return undefined;
  });
  if (!added) return undefined;
  store.select({ nodes: [id], edges: [] });
  store.setView('canvas');
  return id;
}

/** Draws an edge between two ports (either order), or refuses with the reason in a toast. */
export function connectPorts(store: EditorStore, a: Endpoint, b: Endpoint): boolean {
  const { registry, path } = store.getState();
  const res = canConnect(store.doc(), registry, a, b, path);
  if (!res.ok) {
    store.toast('error', res.reason);
    return false;
  }
  const id = freshEdgeId(store.scope());
  return store.edit(`Connect ${res.from.node} → ${res.to.node}`, connect(id, res.from, res.to));
}

export function deleteSelection(store: EditorStore): boolean {
  const { selection } = store.getState();
  const n = selection.nodes.length;
  const e = selection.edges.length;
  if (n + e === 0) return false;
  const what = n > 0 ? `${n} node${n === 1 ? '' : 's'}` : `${e} edge${e === 1 ? '' : 's'}`;
  const ok = store.edit(`Delete ${what}`, deleteItems(selection.nodes, selection.edges));
  if (ok) store.select({ nodes: [], edges: [] });
  return ok;
}

export function selectAll(store: EditorStore): void {
  const scope = store.scope();
  store.select({ nodes: Object.keys(scope.nodes), edges: Object.keys(scope.edges) });
}

export function commitDrag(store: EditorStore): void {
  const { drag } = store.getState();
  if (!drag) return;
  const n = Object.keys(drag).length;
  store.edit(`Move ${n} node${n === 1 ? '' : 's'}`, moveNodes(drag));
  store.setDrag(null);
}

/** The selection as graph JSON (what Ctrl+C puts on the clipboard), or undefined when empty. */
export function copySelection(store: EditorStore): string | undefined {
  const { selection } = store.getState();
  if (selection.nodes.length === 0) return undefined;
  return JSON.stringify(copyFragment(store.scope(), selection.nodes), null, 2);
}

/** Pastes graph JSON (new ids) at `at`, or offset from where it was copied; selects the result. */
export function pasteText(store: EditorStore, text: string, at?: Point): boolean {
  if (text.length > MAX_GRAPH_BYTES) {
    store.toast('error', 'The clipboard holds more than 8 MB; nothing was pasted.');
    return false;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    store.toast('error', 'The clipboard does not hold Netwright graph JSON; nothing was pasted.');
    return false;
  }
  const parsed = parseGraphValue(raw);
  if (!parsed.doc) {
    store.toast('error', `Cannot paste: ${parsed.diagnostics[0]?.message ?? 'not a graph'}`);
    return false;
  }
  const fragment = parsed.doc;
  // Top-level ids get fresh ones below; a group's inside is pasted as is, so it must be clean.
  const problem = Object.entries(fragment.nodes)
    .map(([id, rec]) => (rec.graph ? reservedIdProblem(rec.graph, [id]) : undefined))
    .find((p) => p !== undefined);
  if (problem) {
    store.toast('error', `Cannot paste: ${problem}`);
    return false;
  }
  const count = Object.keys(fragment.nodes).length;
  if (count === 0) return false;
  const plan = planPaste(store.scope(), fragment, at ? { at } : { offset: { x: 40, y: 40 } });
  if (!store.edit(`Paste ${count} node${count === 1 ? '' : 's'}`, paste(plan))) return false;
  store.select({ nodes: Object.keys(plan.nodes), edges: Object.keys(plan.edges) });
  store.setView('canvas');
  return true;
}

export function duplicateSelection(store: EditorStore): boolean {
  const text = copySelection(store);
  return text !== undefined && pasteText(store, text);
}

export function applyFix(store: EditorStore, fix: Fix, label: string): boolean {
  const { registry } = store.getState();
  try {
    return store.edit(label, fixRecipe(fix, registry));
  } catch (e) {
    store.toast('error', e instanceof FixError ? e.message : String(e));
    return false;
  }
}

/** Sets one param; consecutive edits of the same field (typing, a slider) coalesce into one step. */
export function editParam(store: EditorStore, nodeId: string, field: string, value: unknown): boolean {
  const { path } = store.getState();
  const rec = store.scope().nodes[nodeId];
  const isPort = rec?.type === GROUP_INPUT || rec?.type === GROUP_OUTPUT;
  if (isPort && field === 'name' && path.length > 0 && typeof value === 'string' && value.length > 0)
    return store.run(`Rename port ${portName(rec)}`, renamePort(path, nodeId, value), {
      coalesce: `param:${nodeId}:${field}`,
    });
  return store.edit(`Set ${field} of ${nodeId}`, setParam(nodeId, field, value), {
    coalesce: `param:${nodeId}:${field}`,
  });
}

/**
 * Renames a group's port (the `name` of a Group input/output node inside it) and moves the edges
 * outside that use the old port name, so renaming never disconnects the group.
 */
function renamePort(path: readonly string[], nodeId: string, name: string): DocRecipe {
  return (d) => {
    const inside = editableScope(d as GraphDoc, path);
    const outside = editableScope(d as GraphDoc, path.slice(0, -1));
    const groupId = path.at(-1)!;
    const rec = inside?.nodes[nodeId];
    if (!inside || !outside || !rec) return undefined;
    const old = portName(rec);
    if (old === name) return undefined;
    rec.params = { ...rec.params, name };
    for (const e of Object.values(outside.edges)) {
      if (rec.type === GROUP_INPUT && e.to.node === groupId && e.to.port === old) e.to.port = name;
      if (rec.type === GROUP_OUTPUT && e.from.node === groupId && e.from.port === old) e.from.port = name;
    }
    return undefined;
  };
}

/** Replaces the document (one undo step) unless an id cannot be stored; returns false and toasts. */
export function loadDoc(store: EditorStore, doc: GraphDoc, label: string): boolean {
  const problem = reservedIdProblem(doc);
  if (problem) {
    store.toast('error', `${label}: ${problem} The current graph is unchanged.`);
    return false;
  }
  store.run(label, replaceDoc(doc));
  store.select({ nodes: [], edges: [] });
  store.loaded();
  store.setView('canvas');
  return true;
}

/** Opens graph JSON text from a file or link; a malformed one leaves the current graph untouched. */
export function openText(store: EditorStore, text: string, source: string): boolean {
  const doc = parseToOpen(store, text, source);
  return doc ? loadDoc(store, doc, `Open ${source}`) : false;
}

/** Parses graph JSON text to open; undefined (and a toast saying why) when it cannot be opened. */
export function parseToOpen(store: EditorStore, text: string, source: string): GraphDoc | undefined {
  if (text.length > MAX_GRAPH_BYTES) {
    store.toast('error', `${source} is larger than 8 MB; the current graph is unchanged.`);
    return undefined;
  }
  const parsed = parseGraphText(text);
  if (!parsed.doc) {
    const first = parsed.diagnostics[0]?.message ?? 'it is not a graph';
    const more = parsed.diagnostics.length > 1 ? ` (+${parsed.diagnostics.length - 1} more problems)` : '';
    store.toast('error', `Could not open ${source}: ${first}${more} The current graph is unchanged.`);
    return undefined;
  }
  return parsed.doc;
}

/**
 * Imports a Keras `model.to_json()` or tfjs `model.json` as one undoable step and says in a toast
 * what it brought (param count, node types we lack); a file that cannot be imported leaves the
 * current graph untouched and names the cause.
 */
export function importModel(store: EditorStore, text: string, source: string): boolean {
  if (text.length > MAX_GRAPH_BYTES) {
    store.toast('error', `${source} is larger than 8 MB; the current graph is unchanged.`);
    return false;
  }
  const res = importKerasJson(text, store.getState().registry);
  if (!res.doc) {
    const errors = res.diagnostics.filter((d) => d.severity === 'error');
    const first = errors[0]?.message ?? 'it is not a Keras or tfjs model.';
    const more = errors.length > 1 ? ` (+${errors.length - 1} more problems)` : '';
    store.toast('error', `Could not import ${source}: ${first}${more} The current graph is unchanged.`);
    return false;
  }
  if (!loadDoc(store, res.doc, `Import ${source}`)) return false;
  const { analysis } = store.getState();
  const count = (n: number) => n.toLocaleString('en-US');
  const nodes = Object.keys(res.doc.nodes).length;
  const missing = res.missing.length
    ? ` Missing node types (kept as placeholders): ${res.missing.join(', ')}.`
    : '';
  const warnings = res.diagnostics.filter((d) => d.severity === 'warning');
  const warned = warnings.length
    ? ` ${warnings[0]!.message}${warnings.length > 1 ? ` (+${warnings.length - 1} more warnings)` : ''}`
    : '';
  store.toast(
    'info',
    `Imported ${source}: ${count(nodes)} node${nodes === 1 ? '' : 's'}, ${count(analysis.totalParams)} params.${missing}${warned}`,
  );
  return true;
}

// ---------------------------------------------------------------------------------------------
// Groups

/** Ctrl+G: the selected nodes become one group node (selected afterwards). */
export function groupSelected(store: EditorStore): boolean {
  const { selection } = store.getState();
  if (selection.nodes.length === 0) {
    store.toast('error', 'Select the nodes to group first (drag a box with Shift, or Ctrl+click).');
    return false;
  }
  const out: { groupId?: string } = {};
  const n = selection.nodes.length;
  if (!store.edit(`Group ${n} node${n === 1 ? '' : 's'}`, groupSelection(selection.nodes, out))) return false;
  if (out.groupId) store.select({ nodes: [out.groupId], edges: [] });
  return true;
}

/** Ctrl+Shift+G: the selected group nodes are replaced by their insides. */
export function ungroupSelected(store: EditorStore): boolean {
  const scope = store.scope();
  const groups = store.getState().selection.nodes.filter((id) => isGroup(scope.nodes[id]));
  if (groups.length === 0) {
    store.toast('error', 'Select a group node to ungroup.');
    return false;
  }
  const freed: string[] = [];
  const ok = store.edit(`Ungroup ${groups.length === 1 ? groups[0] : `${groups.length} groups`}`, (d) => {
    for (const id of groups) {
      const out: { nodeIds?: string[] } = {};
      ungroup(id, out)(d);
      freed.push(...(out.nodeIds ?? []));
    }
    return undefined;
  });
  if (ok) store.select({ nodes: freed, edges: [] });
  return ok;
}

/** Adds a published block (a copy of its inner graph) as a group node. */
export function addBlockAt(
  store: EditorStore,
  block: { title: string; graph: Subgraph },
  at: Point,
): string | undefined {
  const id = freshNodeId(store.scope(), 'group.group');
  if (!store.edit(`Add ${block.title}`, addGroup(id, block.title, block.graph, at))) return undefined;
  store.select({ nodes: [id], edges: [] });
  store.setView('canvas');
  return id;
}
