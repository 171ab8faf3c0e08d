// Groups: a `group.subgraph` node holds an inner graph whose `group.input` / `group.output` nodes
// are its ports (named by their `name` param). Pure helpers shared by analysis, lowering and the
// editor's group/ungroup commands.

import type { GraphScope, NodeRecord, Subgraph } from './doc/schema.ts';
import type { PortSpecs } from './node-def.ts';

export const GROUP_TYPE = 'group.subgraph';
export const GROUP_INPUT = 'group.input';
export const GROUP_OUTPUT = 'group.output';
/** Deepest nesting analysis follows (a hostile file cannot recurse without bound). */
export const MAX_GROUP_DEPTH = 8;

export const isGroup = (rec: NodeRecord | undefined): boolean => rec?.type === GROUP_TYPE;

/** A port node's name: its `name` param, or the default ('x' for inputs, 'y' for outputs). */
export function portName(rec: NodeRecord): string {
  const n = rec.params.name;
  if (typeof n === 'string' && n.length > 0) return n;
  return rec.type === GROUP_INPUT ? 'x' : 'y';
}

export const emptySubgraph = (): Subgraph => ({ nodes: {}, edges: {}, layout: {} });

/** The inner graph of a group record (an empty one when the record has none). */
export const innerGraph = (rec: NodeRecord): Subgraph => rec.graph ?? emptySubgraph();

/** Port node ids of a scope by kind, in record order (which is the port order). */
export function portNodes(scope: Pick<GraphScope, 'nodes'>, type: string): [string, NodeRecord][] {
  return Object.entries(scope.nodes).filter(([, r]) => r.type === type);
}

/** The group's ports, from its inner port nodes (a name used twice appears once). */
export function groupPorts(rec: NodeRecord): { inputs: PortSpecs; outputs: PortSpecs } {
  const g = innerGraph(rec);
  const side = (type: string, doc: string): PortSpecs =>
    Object.fromEntries(
      portNodes(g, type).map(([id, r]) => [portName(r), { doc: `${doc} (inner node '${id}')` }]),
    );
  return {
    inputs: side(GROUP_INPUT, 'Group input'),
    outputs: side(GROUP_OUTPUT, 'Group output'),
  };
}

/** Walks a path of group node ids from the top level, entering each group with `enter`. */
function walkPath(
  doc: GraphScope,
  path: readonly string[],
  enter: (rec: NodeRecord) => GraphScope,
): GraphScope | undefined {
  let cur: GraphScope = doc;
  for (const id of path) {
    const rec = Object.hasOwn(cur.nodes, id) ? cur.nodes[id] : undefined;
    if (!rec || !isGroup(rec)) return undefined;
    cur = enter(rec);
  }
  return cur;
}

/** The scope a path of group node ids names, from the top level. */
export const scopeAt = (doc: GraphScope, path: readonly string[]): GraphScope | undefined =>
  walkPath(doc, path, innerGraph);

/** Like scopeAt, for a draft being edited: a group without an inner graph gets an empty one. */
export const editableScope = (doc: GraphScope, path: readonly string[]): GraphScope | undefined =>
  walkPath(doc, path, (rec) => {
    rec.graph ??= emptySubgraph();
    return rec.graph;
  });

/**
 * Where the node an IR id names sits: lowering splices a group's inner nodes as
 * `<group>__<inner>`, so `g__dense` is node `dense` inside group `g` (a fused group is one IR node,
 * named like the group). Undefined when no node of the document has that id.
 */
export function locateIrId(
  doc: GraphScope,
  irId: string,
  depth = 0,
): { path: string[]; nodeId: string } | undefined {
  if (Object.hasOwn(doc.nodes, irId)) return { path: [], nodeId: irId };
  if (depth >= MAX_GROUP_DEPTH) return undefined;
  for (const [id, rec] of Object.entries(doc.nodes)) {
    if (!isGroup(rec) || !irId.startsWith(`${id}__`)) continue;
    const inner = locateIrId(innerGraph(rec), irId.slice(id.length + 2), depth + 1);
    if (inner) return { path: [id, ...inner.path], nodeId: inner.nodeId };
  }
  return undefined;
}

/** The IR id of node `nodeId` in the scope `path` names (see locateIrId). */
export const irIdOf = (path: readonly string[], nodeId: string): string => [...path, nodeId].join('__');
