// Group and ungroup: pure edits of one scope (the top level or a group's inside). Grouping moves
// the selected nodes into a `group.subgraph` node and turns every edge that crosses the selection
// boundary into a Group input / Group output port; ungrouping is the inverse. Both keep the math:
// the grouped graph lowers to the same IR as before (ids prefixed), which the tests check.

import type { EdgeRecord, GraphScope, NodeRecord } from './doc/schema.ts';
import { freshEdgeId, freshNodeId, RESERVED_IDS } from './fixes.ts';
import { GROUP_INPUT, GROUP_OUTPUT, GROUP_TYPE, innerGraph, isGroup, portName } from './groups.ts';
import { freeSpotBelow, NODE_GAP, TYPICAL_NODE } from './placement.ts';

interface Point {
  readonly x: number;
  readonly y: number;
}

export class GroupingError extends Error {}

const own = <T>(rec: Readonly<Record<string, T>>, id: string): T | undefined =>
  Object.hasOwn(rec, id) && !RESERVED_IDS.has(id) ? rec[id] : undefined;

const endpointKey = (e: { node: string; port: string }) => `${e.node}\u0000${e.port}`;

function uniqueName(base: string, used: Set<string>): string {
  let name = base;
  for (let i = 2; used.has(name); i++) name = `${base}${i}`;
  used.add(name);
  return name;
}

export interface GroupPlan {
  /** The new group node's id. */
  readonly groupId: string;
}

/**
 * Moves `nodeIds` of `scope` into a new group node (mutates `scope`, an immer draft or a copy).
 * Port nodes of an enclosing group stay where they are (they are that group's ports).
 */
export function groupNodes(
  scope: GraphScope,
  nodeIds: readonly string[],
  opts: { label?: string } = {},
): GroupPlan {
  const sel = new Set(
    nodeIds.filter((id) => {
      const r = own(scope.nodes, id);
      return r !== undefined && r.type !== GROUP_INPUT && r.type !== GROUP_OUTPUT;
    }),
  );
  if (sel.size === 0) throw new GroupingError('Select at least one node (not a group port) to group.');
  const groupId = freshNodeId(scope, 'group.group');

  const inner: {
    nodes: Record<string, NodeRecord>;
    edges: Record<string, EdgeRecord>;
    layout: Record<string, Point>;
  } = { nodes: {}, edges: {}, layout: {} };
  const pts: Point[] = [];
  for (const id of sel) {
    inner.nodes[id] = scope.nodes[id]!;
    const p = own(scope.layout, id);
    if (p) {
      inner.layout[id] = { x: p.x, y: p.y };
      pts.push(p);
    }
  }
  const minX = pts.length ? Math.min(...pts.map((p) => p.x)) : 0;
  const maxX = pts.length ? Math.max(...pts.map((p) => p.x)) : 0;
  const minY = pts.length ? Math.min(...pts.map((p) => p.y)) : 0;
  const maxY = pts.length ? Math.max(...pts.map((p) => p.y)) : 0;

  const innerIds = new Set(sel);
  const innerEdgeIds = new Set<string>();
  const inNames = new Set<string>();
  const outNames = new Set<string>();
  const inputsBySource = new Map<string, { nodeId: string; name: string }>();
  const outputsBySource = new Map<string, { nodeId: string; name: string }>();
  const outerEdges: Record<string, EdgeRecord> = {};

  for (const [edgeId, e] of Object.entries(scope.edges)) {
    if (RESERVED_IDS.has(edgeId)) continue;
    const fromIn = sel.has(e.from.node);
    const toIn = sel.has(e.to.node);
    if (fromIn && toIn) {
      inner.edges[edgeId] = e;
      innerEdgeIds.add(edgeId);
    } else if (!fromIn && toIn) {
      // One Group input per distinct outside source, shared by every inner consumer.
      let port = inputsBySource.get(endpointKey(e.from));
      if (!port) {
        const name = uniqueName(e.to.port, inNames);
        const nodeId = freshNodeId({ nodes: inner.nodes, layout: inner.layout }, `${GROUP_INPUT}`, innerIds);
        innerIds.add(nodeId);
        inner.nodes[nodeId] = { type: GROUP_INPUT, v: 1, params: { name } };
        inner.layout[nodeId] = freeSpotBelow(inner, { x: minX - TYPICAL_NODE.width - NODE_GAP, y: minY });
        port = { nodeId, name };
        inputsBySource.set(endpointKey(e.from), port);
        outerEdges[edgeId] = { from: { ...e.from }, to: { node: groupId, port: name } };
      }
      inner.edges[freshEdgeId(inner, innerEdgeIds)] = {
        from: { node: port.nodeId, port: 'y' },
        to: { ...e.to },
      };
    } else if (fromIn && !toIn) {
      let port = outputsBySource.get(endpointKey(e.from));
      if (!port) {
        const name = uniqueName(e.from.port, outNames);
        const nodeId = freshNodeId({ nodes: inner.nodes, layout: inner.layout }, `${GROUP_OUTPUT}`, innerIds);
        innerIds.add(nodeId);
        inner.nodes[nodeId] = { type: GROUP_OUTPUT, v: 1, params: { name } };
        inner.layout[nodeId] = freeSpotBelow(inner, { x: maxX + TYPICAL_NODE.width + NODE_GAP, y: minY });
        port = { nodeId, name };
        outputsBySource.set(endpointKey(e.from), port);
        inner.edges[freshEdgeId(inner, innerEdgeIds)] = {
          from: { ...e.from },
          to: { node: nodeId, port: 'x' },
        };
      }
      outerEdges[edgeId] = { from: { node: groupId, port: port.name }, to: { ...e.to } };
    }
  }

  for (const id of sel) {
    delete scope.nodes[id];
    if (own(scope.layout, id)) delete scope.layout[id];
  }
  for (const [edgeId, e] of Object.entries(scope.edges)) {
    if (RESERVED_IDS.has(edgeId)) continue;
    if (sel.has(e.from.node) || sel.has(e.to.node)) delete scope.edges[edgeId];
  }
  scope.nodes[groupId] = {
    type: GROUP_TYPE,
    v: 1,
    params: {},
    label: opts.label ?? 'Group',
    graph: inner,
  };
  // Where the grouped nodes were, moved down past any node left there.
  scope.layout[groupId] = freeSpotBelow(scope, { x: (minX + maxX) / 2, y: (minY + maxY) / 2 });
  for (const [id, e] of Object.entries(outerEdges)) scope.edges[id] = e;
  return { groupId };
}

/** Replaces group `groupId` by its inner nodes, reconnecting edges through its ports (mutates). */
export function ungroupNode(scope: GraphScope, groupId: string): { nodeIds: string[] } {
  const rec = own(scope.nodes, groupId);
  if (!rec || !isGroup(rec)) throw new GroupingError(`Node '${groupId}' is not a group.`);
  const g = innerGraph(rec);
  const at = own(scope.layout, groupId) ?? { x: 0, y: 0 };
  const ids = new Map<string, string>();
  const taken = new Set<string>();
  const body = Object.entries(g.nodes).filter(
    ([id, r]) => !RESERVED_IDS.has(id) && r.type !== GROUP_INPUT && r.type !== GROUP_OUTPUT,
  );
  const pts = body.map(([id]) => own(g.layout, id)).filter((p): p is Point => p !== undefined);
  const cx = pts.length ? (Math.min(...pts.map((p) => p.x)) + Math.max(...pts.map((p) => p.x))) / 2 : 0;
  const cy = pts.length ? (Math.min(...pts.map((p) => p.y)) + Math.max(...pts.map((p) => p.y))) / 2 : 0;
  for (const [id, r] of body) {
    const free = id !== groupId && !own(scope.nodes, id) && !own(scope.layout, id) && !taken.has(id);
    const next = free ? id : freshNodeId(scope, r.type, taken);
    taken.add(next);
    ids.set(id, next);
  }
  // Port name → outside sources feeding it / outside targets reading it.
  const feeds = new Map<string, { node: string; port: string }>();
  const reads = new Map<string, { node: string; port: string }[]>();
  for (const [edgeId, e] of Object.entries(scope.edges)) {
    if (RESERVED_IDS.has(edgeId)) continue;
    if (e.to.node === groupId) feeds.set(e.to.port, e.from);
    if (e.from.node === groupId) reads.set(e.from.port, [...(reads.get(e.from.port) ?? []), e.to]);
    if (e.to.node === groupId || e.from.node === groupId) delete scope.edges[edgeId];
  }
  delete scope.nodes[groupId];
  if (own(scope.layout, groupId)) delete scope.layout[groupId];

  for (const [id, r] of body) {
    const next = ids.get(id)!;
    scope.nodes[next] = r;
    const p = own(g.layout, id);
    scope.layout[next] = p
      ? { x: Math.round(at.x + p.x - cx), y: Math.round(at.y + p.y - cy) }
      : { x: at.x, y: at.y };
  }
  const edgeIds = new Set<string>();
  const add = (e: EdgeRecord) => {
    scope.edges[freshEdgeId(scope, edgeIds)] = e;
  };
  for (const e of Object.values(g.edges)) {
    const from = g.nodes[e.from.node];
    const to = g.nodes[e.to.node];
    if (!from || !to) continue;
    const src =
      from.type === GROUP_INPUT
        ? feeds.get(portName(from))
        : { node: ids.get(e.from.node)!, port: e.from.port };
    if (!src || src.node === undefined) continue;
    if (to.type === GROUP_OUTPUT) {
      for (const target of reads.get(portName(to)) ?? []) add({ from: { ...src }, to: { ...target } });
    } else if (ids.has(e.to.node)) {
      add({ from: { ...src }, to: { node: ids.get(e.to.node)!, port: e.to.port } });
    }
  }
  return { nodeIds: [...ids.values()] };
}
