// Auto-layout with elkjs (layered, left to right). elkjs is large, so it loads on first use.

import type { GraphScope } from '../core/doc/schema.ts';
import type { Size as BoxSize } from '../core/placement.ts';
import type { Point } from './commands.ts';

export interface Size extends BoxSize {
  /** Port names top to bottom, when known: ELK then aligns edges on the real handles, so a chain
   * draws as one straight line (a skip over it is drawn as an arc: src/ui/edge-path.ts). */
  readonly ports?: { readonly inputs: readonly string[]; readonly outputs: readonly string[] };
}

/** The centre of the i-th port row below the card's top (node-card.tsx: 30 px head, 20 px rows). */
export const portRowY = (i: number): number => 33 + 20 * i + 10;

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
      // Room between layers for an edge's shape label ("1×28×28×6") without clipping it.
      'elk.layered.spacing.nodeNodeBetweenLayers': '110',
      'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
      // No row wrapping: data flows one way, and a wrapped chain's edges run back across the
      // canvas (the canvas opens large graphs at a readable zoom on the input instead).
    },
    children: ids.map((id) => {
      const s = sizes.get(id) ?? DEFAULT_SIZE;
      const key = index.get(id)!;
      if (!s.ports) return { id: key, width: s.width, height: s.height };
      const port = (side: 'in' | 'out', name: string, i: number) => ({
        id: `${key}.${side}.${name}`,
        width: 1,
        height: 1,
        x: side === 'in' ? 0 : s.width - 1,
        y: portRowY(i),
      });
      return {
        id: key,
        width: s.width,
        height: s.height,
        layoutOptions: { 'elk.portConstraints': 'FIXED_POS' },
        ports: [
          ...s.ports.inputs.map((n, i) => port('in', n, i)),
          ...s.ports.outputs.map((n, i) => port('out', n, i)),
        ],
      };
    }),
    edges: Object.values(doc.edges)
      .filter((e) => index.has(e.from.node) && index.has(e.to.node))
      .map((e, i) => {
        const end = (node: string, side: 'in' | 'out', name: string) => {
          const key = index.get(node)!;
          const ports = sizes.get(node)?.ports;
          const known = ports && (side === 'in' ? ports.inputs : ports.outputs).includes(name);
          return known ? `${key}.${side}.${name}` : key;
        };
        return {
          id: `x${i}`,
          sources: [end(e.from.node, 'out', e.from.port)],
          targets: [end(e.to.node, 'in', e.to.port)],
        };
      }),
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

/** What makes a card taller, as the card component draws it (src/ui/node-card.tsx). */
export interface CardContent {
  readonly portRows: number;
  readonly keyParams: number;
  readonly curve: boolean;
}

/**
 * An upper bound on a card's size from what it shows (styles.css: ≤ 260 px wide, 20 px port rows,
 * one line per key param when they wrap, a 56 px curve): the stored template layouts are computed
 * from this in Node, where nothing can be measured, so it errs on the large side.
 */
export function cardSizeBound(c: CardContent): Size {
  const head = 30;
  const ports = 6 + 20 * Math.max(1, c.portRows);
  const params = c.keyParams > 0 ? 6 + 18 * c.keyParams : 0;
  const curve = c.curve ? 62 : 0;
  const foot = 26;
  return { width: 260, height: head + ports + params + curve + foot };
}

/** True when some node has no position, or two nodes' estimated cards overlap. */
export function needsLayout(doc: GraphScope, sizeOf: (id: string) => Size): boolean {
  const ids = Object.keys(doc.nodes);
  if (ids.some((id) => !Object.hasOwn(doc.layout, id))) return ids.length > 0;
  if (ids.length > 400) return false; // big graphs keep their stored layout
  return overlappingPairs(new Map(ids.map((id) => [id, { ...doc.layout[id]!, ...sizeOf(id) }]))).length > 0;
}

export interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** Pairs of ids whose boxes overlap (touching edges do not count). */
export function overlappingPairs(boxes: ReadonlyMap<string, Box>): [string, string][] {
  const list = [...boxes];
  const out: [string, string][] = [];
  for (let i = 0; i < list.length; i++)
    for (let j = i + 1; j < list.length; j++) {
      const [ia, a] = list[i]!;
      const [ib, b] = list[j]!;
      if (a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height)
        out.push([ia, ib]);
    }
  return out;
}

/**
 * Edges that do not point forward: the target's box must start right of the source box's end
 * (left-to-right), or below its bottom (top-down).
 */
export function backwardEdges(
  edges: readonly { readonly id: string; readonly from: string; readonly to: string }[],
  boxes: ReadonlyMap<string, Box>,
): string[] {
  return edges
    .filter((e) => {
      const s = boxes.get(e.from);
      const t = boxes.get(e.to);
      if (!s || !t) return false;
      return !(t.x >= s.x + s.width || t.y >= s.y + s.height);
    })
    .map((e) => e.id);
}
