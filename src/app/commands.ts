// Editor commands: named immer recipes on the GraphDoc. The store records each one as a single
// undoable step (src/core/history.ts). Pure (no React, no DOM), so they are unit-tested in Node.

import type { Draft } from 'immer';
import type { EdgeRecord, Endpoint, GraphDoc, GraphScope, NodeRecord, Subgraph } from '../core/doc/schema.ts';
import { CURRENT_FORMAT_VERSION, GRAPH_FORMAT } from '../core/doc/schema.ts';
import { freshEdgeId, freshNodeId, RESERVED_IDS } from '../core/fixes.ts';
import { groupNodes, ungroupNode } from '../core/grouping.ts';
import { GROUP_TYPE } from '../core/groups.ts';
import type { AnyNodeDef } from '../core/node-def.ts';
import type { Point } from '../core/placement.ts';

export type { Point };

/** A whole-document edit (title, training settings, replace). */
export type DocRecipe = (draft: Draft<GraphDoc>) => GraphDoc | undefined;
/** An edit of the scope the canvas shows: the top level, or the inside of the open group. */
export type ScopeRecipe = (draft: Draft<GraphScope>) => undefined;

export const emptyDoc = (title = 'Untitled graph'): GraphDoc => ({
  format: GRAPH_FORMAT,
  formatVersion: CURRENT_FORMAT_VERSION,
  meta: { title },
  nodes: {},
  edges: {},
  layout: {},
});

const has = (rec: object, id: string) => Object.hasOwn(rec, id) && !RESERVED_IDS.has(id);
const round = (p: Point): Point => ({ x: Math.round(p.x), y: Math.round(p.y) });

/** The first message about an id this editor cannot store, or undefined when every id is fine. */
export function reservedIdProblem(doc: GraphScope, groups: readonly string[] = []): string | undefined {
  const where = groups.length ? ` inside group '${groups.join(' › ')}'` : '';
  for (const [section, rec] of [
    ['node', doc.nodes],
    ['edge', doc.edges],
    ['layout entry', doc.layout],
  ] as const) {
    for (const id of Object.keys(rec))
      if (RESERVED_IDS.has(id))
        return `The ${section} id '${id}'${where} is reserved (it names a JavaScript object internal). Rename it in the file and open it again.`;
  }
  for (const [id, rec] of Object.entries(doc.nodes)) {
    const inner = rec.graph ? reservedIdProblem(rec.graph, [...groups, id]) : undefined;
    if (inner) return inner;
  }
  return undefined;
}

export function addNode(def: AnyNodeDef, id: string, at: Point): ScopeRecipe {
  return (d) => {
    if (RESERVED_IDS.has(id)) return;
    d.nodes[id] = { type: def.type, v: def.version, params: {} };
    d.layout[id] = round(at);
  };
}

export function connect(id: string, from: Endpoint, to: Endpoint): ScopeRecipe {
  return (d) => {
    if (RESERVED_IDS.has(id)) return;
    d.edges[id] = { from: { ...from }, to: { ...to } };
  };
}

/** Deletes nodes (with every edge touching them and their layout) and edges. */
export function deleteItems(nodeIds: readonly string[], edgeIds: readonly string[]): ScopeRecipe {
  return (d) => {
    const gone = new Set(nodeIds.filter((id) => has(d.nodes, id)));
    for (const id of gone) {
      delete d.nodes[id];
      if (has(d.layout, id)) delete d.layout[id];
    }
    // A node that shared a deleted node's weights owns its own again.
    for (const rec of Object.values(d.nodes))
      if (rec.shareWeights !== undefined && gone.has(rec.shareWeights)) delete rec.shareWeights;
    for (const id of Object.keys(d.edges)) {
      if (RESERVED_IDS.has(id)) continue;
      const e = d.edges[id]!;
      if (gone.has(e.from.node) || gone.has(e.to.node) || edgeIds.includes(id)) delete d.edges[id];
    }
  };
}

export function moveNodes(positions: Readonly<Record<string, Point>>): ScopeRecipe {
  return (d) => {
    for (const [id, p] of Object.entries(positions)) {
      if (!has(d.nodes, id)) continue;
      const r = round(p);
      const cur = has(d.layout, id) ? d.layout[id] : undefined;
      if (cur && cur.x === r.x && cur.y === r.y) continue;
      d.layout[id] = r;
    }
  };
}

export function setParam(nodeId: string, field: string, value: unknown): ScopeRecipe {
  return (d) => {
    if (!has(d.nodes, nodeId)) return;
    const rec = d.nodes[nodeId]!;
    const v = Array.isArray(value) ? [...value] : value;
    if (JSON.stringify(rec.params[field]) === JSON.stringify(v)) return;
    rec.params = { ...rec.params, [field]: v };
  };
}

/** Restores a param to its default (removes it from the record). */
export function resetParam(nodeId: string, field: string): ScopeRecipe {
  return (d) => {
    if (!has(d.nodes, nodeId) || !Object.hasOwn(d.nodes[nodeId]!.params, field)) return;
    const { [field]: _dropped, ...rest } = d.nodes[nodeId]!.params;
    d.nodes[nodeId]!.params = rest;
  };
}

export function setTitle(title: string): DocRecipe {
  return (d) => {
    d.meta.title = title;
  };
}

/** Replaces the whole document (load template, open file): one step, undoable. */
export const replaceDoc =
  (doc: GraphDoc): DocRecipe =>
  () =>
    doc;

// ---------------------------------------------------------------------------------------------
// Copy / paste: a fragment is an ordinary graph document (so the clipboard holds graph JSON).

/** The selected nodes, the edges between them and their layout, as a graph document. */
export function copyFragment(doc: GraphScope, nodeIds: readonly string[]): GraphDoc {
  const ids = new Set(nodeIds.filter((id) => Object.hasOwn(doc.nodes, id)));
  const pick = <T>(rec: Readonly<Record<string, T>>, keep: (id: string, v: T) => boolean) =>
    Object.fromEntries(Object.entries(rec).filter(([id, v]) => keep(id, v)));
  return {
    format: GRAPH_FORMAT,
    formatVersion: CURRENT_FORMAT_VERSION,
    meta: { title: `${ids.size} copied node${ids.size === 1 ? '' : 's'}` },
    nodes: pick(doc.nodes, (id) => ids.has(id)),
    edges: pick(doc.edges, (_, e: EdgeRecord) => ids.has(e.from.node) && ids.has(e.to.node)),
    layout: pick(doc.layout, (id) => ids.has(id)),
  };
}

export interface PastePlan {
  readonly nodes: Record<string, NodeRecord>;
  readonly edges: Record<string, EdgeRecord>;
  readonly layout: Record<string, Point>;
  /** Old id → new id. */
  readonly ids: ReadonlyMap<string, string>;
}

/**
 * New ids for every pasted node and edge (never colliding with `doc`), edges remapped, positions
 * placed so the fragment's top-left corner lands on `at` (or shifted by `offset` when `at` is absent).
 */
export function planPaste(
  doc: GraphScope,
  fragment: Pick<GraphDoc, 'nodes' | 'edges' | 'layout'>,
  place: { at?: Point; offset?: Point },
): PastePlan {
  const ids = new Map<string, string>();
  const taken = new Set<string>();
  const nodes: Record<string, NodeRecord> = {};
  for (const [oldId, rec] of Object.entries(fragment.nodes)) {
    const id = freshNodeId(doc, rec.type, taken);
    taken.add(id);
    ids.set(oldId, id);
    nodes[id] = structuredClone(rec); // a group's inner graph is copied too
  }
  const edges: Record<string, EdgeRecord> = {};
  const takenEdges = new Set<string>();
  for (const e of Object.values(fragment.edges)) {
    const from = ids.get(e.from.node);
    const to = ids.get(e.to.node);
    if (from === undefined || to === undefined) continue;
    edges[freshEdgeId(doc, takenEdges)] = {
      from: { node: from, port: e.from.port },
      to: { node: to, port: e.to.port },
    };
  }
  const pts = [...ids.keys()].map((id) =>
    Object.hasOwn(fragment.layout, id) ? fragment.layout[id] : undefined,
  );
  const known = pts.filter((p): p is Point => p !== undefined);
  const minX = known.length ? Math.min(...known.map((p) => p.x)) : 0;
  const minY = known.length ? Math.min(...known.map((p) => p.y)) : 0;
  const layout: Record<string, Point> = {};
  let i = 0;
  for (const [oldId, id] of ids) {
    const p = Object.hasOwn(fragment.layout, oldId)
      ? fragment.layout[oldId]!
      : { x: minX + i * 40, y: minY + i * 40 };
    i++;
    layout[id] = round(
      place.at
        ? { x: place.at.x + p.x - minX, y: place.at.y + p.y - minY }
        : { x: p.x + (place.offset?.x ?? 40), y: p.y + (place.offset?.y ?? 40) },
    );
  }
  return { nodes, edges, layout, ids };
}

export function paste(plan: PastePlan): ScopeRecipe {
  return (d) => {
    for (const [id, rec] of Object.entries(plan.nodes)) d.nodes[id] = rec;
    for (const [id, e] of Object.entries(plan.edges)) d.edges[id] = e;
    for (const [id, p] of Object.entries(plan.layout)) d.layout[id] = p;
  };
}

// ---------------------------------------------------------------------------------------------
// Groups

/** Groups the nodes into a new group node; `out.groupId` receives its id. */
export function groupSelection(nodeIds: readonly string[], out: { groupId?: string } = {}): ScopeRecipe {
  return (d) => {
    out.groupId = groupNodes(d as GraphScope, nodeIds).groupId;
  };
}

export function ungroup(groupId: string, out: { nodeIds?: string[] } = {}): ScopeRecipe {
  return (d) => {
    out.nodeIds = ungroupNode(d as GraphScope, groupId).nodeIds;
  };
}

/** Sets (or clears, when empty) a node's display label. */
export function setLabel(nodeId: string, label: string): ScopeRecipe {
  return (d) => {
    if (!has(d.nodes, nodeId)) return;
    const rec = d.nodes[nodeId]!;
    const next = label.trim().slice(0, 200);
    if ((rec.label ?? '') === next) return;
    if (next) rec.label = next;
    else delete rec.label;
  };
}

/**
 * Weight sharing: node `nodeId` applies the layer of `owner` (one set of weights), or its own
 * again when `owner` is undefined. Analysis checks the owner (graph/share-*).
 */
export function setShareWeights(nodeId: string, owner: string | undefined): ScopeRecipe {
  return (d) => {
    if (!has(d.nodes, nodeId)) return;
    const rec = d.nodes[nodeId]!;
    if (rec.shareWeights === owner) return;
    if (owner === undefined || owner === nodeId) delete rec.shareWeights;
    else rec.shareWeights = owner;
  };
}

/** Adds a group node holding a copy of `graph` (a published block). */
export function addGroup(id: string, label: string, graph: Subgraph, at: Point): ScopeRecipe {
  return (d) => {
    if (RESERVED_IDS.has(id)) return;
    d.nodes[id] = { type: GROUP_TYPE, v: 1, params: {}, label, graph: structuredClone(graph) };
    d.layout[id] = round(at);
  };
}
