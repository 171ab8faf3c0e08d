// One-click fixes (diagnostics.ts `Fix`) applied to a GraphDoc. Pure: `fixRecipe` is an immer
// recipe (the canvas records it as one undoable step); `applyFix` runs it with `produce`.

import { type Draft, produce } from 'immer';
import type { Fix } from './diagnostics.ts';
import type { GraphDoc, GraphScope } from './doc/schema.ts';
import { ID_PATTERN } from './doc/schema.ts';
import type { Registry } from './registry.ts';

export class FixError extends Error {}

/** Ids that are data in a GraphDoc but cannot be keys of an immer draft or a patch path. */
export const RESERVED_IDS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** `layers.flatten` → `flatten`, `flatten2`, … (the first id not used by a node or layout entry). */
export function freshNodeId(
  doc: Pick<GraphDoc, 'nodes' | 'layout'>,
  type: string,
  taken?: ReadonlySet<string>,
): string {
  const name = type.slice(type.indexOf('.') + 1).replace(/[^A-Za-z0-9_-]/g, '') || 'node';
  const base = /^[A-Za-z_]/.test(name) ? name.slice(0, 56) : `n_${name}`.slice(0, 56);
  const used = (id: string) =>
    Object.hasOwn(doc.nodes, id) ||
    Object.hasOwn(doc.layout, id) ||
    taken?.has(id) === true ||
    RESERVED_IDS.has(id);
  if (!used(base) && ID_PATTERN.test(base)) return base;
  for (let i = 2; ; i++) if (!used(`${base}${i}`)) return `${base}${i}`;
}

/**
 * A fresh edge id (`e1`, `e2`, …) not used in `doc` nor in `taken`; the id is added to `taken`
 * so a caller minting several ids before writing them gets distinct ones.
 */
export function freshEdgeId(doc: Pick<GraphScope, 'edges'>, taken?: Set<string>): string {
  let i = Object.keys(doc.edges).length + 1;
  while (Object.hasOwn(doc.edges, `e${i}`) || taken?.has(`e${i}`)) i++;
  taken?.add(`e${i}`);
  return `e${i}`;
}

/** The recipe that applies `fix`; throws FixError when the fix no longer applies to the document. */
export function fixRecipe(fix: Fix, registry: Registry): (draft: Draft<GraphScope>) => undefined {
  return (draft) => {
    if (fix.kind === 'set-param') {
      if (!Object.hasOwn(draft.nodes, fix.nodeId) || RESERVED_IDS.has(fix.nodeId))
        throw new FixError(`Node '${fix.nodeId}' no longer exists.`);
      const rec = draft.nodes[fix.nodeId]!;
      const value = Array.isArray(fix.value) ? [...fix.value] : fix.value;
      rec.params = { ...rec.params, [fix.field]: value };
      return;
    }
    const def = registry.get(fix.type);
    if (!def) throw new FixError(`Node type '${fix.type}' is not installed.`);
    if (!Object.hasOwn(draft.nodes, fix.beforeNode) || RESERVED_IDS.has(fix.beforeNode))
      throw new FixError(`Node '${fix.beforeNode}' no longer exists.`);
    const edgeId =
      fix.edgeId !== undefined && Object.hasOwn(draft.edges, fix.edgeId)
        ? fix.edgeId
        : Object.keys(draft.edges).find(
            (id) => draft.edges[id]!.to.node === fix.beforeNode && draft.edges[id]!.to.port === fix.port,
          );
    if (edgeId === undefined || RESERVED_IDS.has(edgeId))
      throw new FixError(`Input '${fix.port}' of '${fix.beforeNode}' is not connected any more.`);
    const edge = draft.edges[edgeId]!;
    if (edge.to.node !== fix.beforeNode || edge.to.port !== fix.port)
      throw new FixError(`Edge '${edgeId}' no longer feeds '${fix.beforeNode}'.`);
    const inPort = Object.keys(typeof def.inputs === 'function' ? {} : def.inputs)[0];
    const outPort = Object.keys(def.outputs)[0];
    if (inPort === undefined || outPort === undefined)
      throw new FixError(`${def.title} has no input or output to splice into an edge.`);
    const id = freshNodeId(draft, def.type);
    const from = { node: edge.from.node, port: edge.from.port };
    draft.nodes[id] = { type: def.type, v: def.version, params: {} };
    // The old edge now feeds the new node; a new edge carries its output on to the old target.
    edge.to = { node: id, port: inPort };
    const outId = freshEdgeId(draft);
    draft.edges[outId] = { from: { node: id, port: outPort }, to: { node: fix.beforeNode, port: fix.port } };
    const a = Object.hasOwn(draft.layout, from.node) ? draft.layout[from.node] : undefined;
    const b = Object.hasOwn(draft.layout, fix.beforeNode) ? draft.layout[fix.beforeNode] : undefined;
    if (a && b) {
      draft.layout[id] = { x: Math.round((a.x + b.x) / 2), y: Math.round((a.y + b.y) / 2) + 60 };
    } else if (b) {
      draft.layout[id] = { x: b.x - 220, y: b.y };
    }
  };
}

/** `doc` with `fix` applied (throws FixError when it no longer applies). */
export function applyFix(doc: GraphDoc, fix: Fix, registry: Registry): GraphDoc {
  return produce(doc, fixRecipe(fix, registry));
}

/** A short button label for a fix ("Insert Flatten", "Set units = 10"). */
export function describeFix(fix: Fix, registry: Registry): string {
  if (fix.kind === 'insert-node') return `Insert ${registry.get(fix.type)?.title ?? fix.type}`;
  return `Set ${fix.field} = ${JSON.stringify(fix.value)}`;
}
