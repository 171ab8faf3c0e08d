// Where a new node goes so it covers nothing: after the selected node (one column right, at its
// height, moved down past whatever is there), or at a free spot near a point. Pure; node sizes are
// the canvas's measurements where known, otherwise a typical card's.

import type { GraphScope } from './doc/schema.ts';

export interface Point {
  readonly x: number;
  readonly y: number;
}

export interface Size {
  readonly width: number;
  readonly height: number;
}

/** A node card's usual size (min-width 180 px plus ports; a head, two params and a shape line). */
export const TYPICAL_NODE: Size = { width: 220, height: 130 };
/** Space kept between cards, wide enough for an edge and its shape label. */
export const NODE_GAP = 60;

interface Box extends Point, Size {}

const overlaps = (a: Box, b: Box, margin: number) =>
  a.x < b.x + b.width + margin &&
  b.x < a.x + a.width + margin &&
  a.y < b.y + b.height + margin &&
  b.y < a.y + a.height + margin;

function boxes(scope: Pick<GraphScope, 'nodes' | 'layout'>, sizes: ReadonlyMap<string, Size>): Box[] {
  return Object.keys(scope.nodes).flatMap((id) => {
    const p = Object.hasOwn(scope.layout, id) ? scope.layout[id] : undefined;
    return p ? [{ x: p.x, y: p.y, ...(sizes.get(id) ?? TYPICAL_NODE) }] : [];
  });
}

/** The first spot at or below `at` where a `size` card overlaps no node (with a small margin). */
export function freeSpotBelow(
  scope: Pick<GraphScope, 'nodes' | 'layout'>,
  at: Point,
  sizes: ReadonlyMap<string, Size> = new Map(),
  size: Size = TYPICAL_NODE,
): Point {
  const taken = boxes(scope, sizes);
  let spot = { x: Math.round(at.x), y: Math.round(at.y) };
  // Each step moves below the lowest card hit, so this ends after at most one step per card.
  for (let i = 0; i <= taken.length; i++) {
    const hits = taken.filter((b) => overlaps({ ...spot, ...size }, b, NODE_GAP / 3));
    if (hits.length === 0) return spot;
    spot = { x: spot.x, y: Math.max(...hits.map((b) => b.y + b.height)) + NODE_GAP / 2 };
  }
  return spot;
}

/** A spot one column right of `anchor` at its height (or the first free one below), or undefined without a position. */
export function placeAfter(
  scope: Pick<GraphScope, 'nodes' | 'layout'>,
  anchor: string,
  sizes: ReadonlyMap<string, Size> = new Map(),
  size: Size = TYPICAL_NODE,
): Point | undefined {
  const a = Object.hasOwn(scope.layout, anchor) ? scope.layout[anchor] : undefined;
  if (!a || !Object.hasOwn(scope.nodes, anchor)) return undefined;
  const width = sizes.get(anchor)?.width ?? TYPICAL_NODE.width;
  return freeSpotBelow(scope, { x: a.x + width + NODE_GAP, y: a.y }, sizes, size);
}
