// Auto-layout with elkjs (layered, left to right). elkjs is large, so it loads on first use.

import type { GraphScope } from '../core/doc/schema.ts';
import type { Size } from '../core/placement.ts';
import type { Point } from './commands.ts';

export type { Size };

const DEFAULT_SIZE: Size = { width: 200, height: 120 };

/** New positions for every node of `doc` (sizes as measured on the canvas, when known). */
export async function layoutPositions(
  doc: GraphScope,
  sizes: ReadonlyMap<string, Size>,
): Promise<Record<string, Point>> {
  const { default: ELK } = await import('elkjs/lib/elk.bundled.js');
  const elk = new ELK();
  const ids = Object.keys(doc.nodes);
  const index = new Map(ids.map((id, i) => [id, `n${i}`]));
  const graph = {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.spacing.nodeNode': '40',
      'elk.layered.spacing.nodeNodeBetweenLayers': '80',
      'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
      // Long chains wrap into rows instead of one strip too wide to read.
      'elk.layered.wrapping.strategy': 'MULTI_EDGE',
      'elk.aspectRatio': '1.6',
    },
    children: ids.map((id) => {
      const s = sizes.get(id) ?? DEFAULT_SIZE;
      return { id: index.get(id)!, width: s.width, height: s.height };
    }),
    edges: Object.values(doc.edges)
      .filter((e) => index.has(e.from.node) && index.has(e.to.node))
      .map((e, i) => ({ id: `x${i}`, sources: [index.get(e.from.node)!], targets: [index.get(e.to.node)!] })),
  };
  const out = await elk.layout(graph);
  const back = new Map([...index].map(([id, key]) => [key, id]));
  const entries: [string, Point][] = [];
  for (const c of out.children ?? []) {
    const id = back.get(c.id);
    if (id !== undefined) entries.push([id, { x: Math.round(c.x ?? 0), y: Math.round(c.y ?? 0) }]);
  }
  return Object.fromEntries(entries);
}

/** A card's size before the canvas has measured it (ports and key params make it taller). */
export function estimateSize(inputs: number, outputs: number): Size {
  return { width: 230, height: 96 + 20 * Math.max(1, inputs, outputs) };
}

/** True when some node has no position, or two nodes' estimated cards overlap. */
export function needsLayout(doc: GraphScope, sizeOf: (id: string) => Size): boolean {
  const ids = Object.keys(doc.nodes);
  if (ids.some((id) => !Object.hasOwn(doc.layout, id))) return ids.length > 0;
  if (ids.length > 400) return false; // big graphs keep their stored layout
  const boxes = ids.map((id) => ({ p: doc.layout[id]!, s: sizeOf(id) }));
  for (let i = 0; i < boxes.length; i++)
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i]!;
      const b = boxes[j]!;
      if (
        a.p.x < b.p.x + b.s.width &&
        b.p.x < a.p.x + a.s.width &&
        a.p.y < b.p.y + b.s.height &&
        b.p.y < a.p.y + a.s.height
      )
        return true;
    }
  return false;
}
