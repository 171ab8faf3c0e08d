// Which cards a large graph hands React Flow (issue #19). React Flow's onlyRenderVisibleElements
// still mounts every node once to measure it (a node without handle bounds is always "visible"),
// which held the main thread for seconds on a 10,000-node document. Past RENDER_VISIBLE_ONLY_PAST
// the canvas therefore passes only the nodes in a window around the view — from the stored layout,
// with measured sizes where known — plus the selected and dragged ones; the window moves when the
// view leaves it. A grid index finds a window's nodes without testing all of them. Pure: no React.

import type { GraphScope } from '../core/doc/schema.ts';
import { type Size, TYPICAL_NODE } from '../core/placement.ts';
import type { Rect, Viewport } from './opening-view.ts';

/** Past this many nodes only those in view are rendered, and no minimap (it draws every node). */
export const RENDER_VISIBLE_ONLY_PAST = 1_000;

/** The flow-coordinate rectangle a `pane`-sized view shows at `vp`. */
export function viewRect(vp: Viewport, pane: { width: number; height: number }): Rect {
  const zoom = vp.zoom > 0 ? vp.zoom : 1;
  return { x: -vp.x / zoom, y: -vp.y / zoom, width: pane.width / zoom, height: pane.height / zoom };
}

const inside = (inner: Rect, outer: Rect): boolean =>
  inner.x >= outer.x &&
  inner.y >= outer.y &&
  inner.x + inner.width <= outer.x + outer.width &&
  inner.y + inner.height <= outer.y + outer.height;

/**
 * The window for `view`: `current` while the view stays inside it (no re-render while panning a
 * little), else the view grown by half its size on every side.
 */
export function nextWindow(current: Rect | null, view: Rect): Rect {
  if (current && inside(view, current)) return current;
  return {
    x: view.x - view.width / 2,
    y: view.y - view.height / 2,
    width: view.width * 2,
    height: view.height * 2,
  };
}

const DEFAULT_POS = { x: 0, y: 0 };

/** Where a node sits (a drag's position first) and how big it is (measured, else a typical card). */
function boxOf(
  scope: GraphScope,
  id: string,
  drag: Readonly<Record<string, { x: number; y: number }>> | null,
  sizes: ReadonlyMap<string, Size>,
): Rect {
  const p =
    (drag && Object.hasOwn(drag, id) ? drag[id] : undefined) ??
    (Object.hasOwn(scope.layout, id) ? scope.layout[id] : undefined) ??
    DEFAULT_POS;
  const s = sizes.get(id) ?? TYPICAL_NODE;
  return { x: p.x, y: p.y, width: s.width, height: s.height };
}

const overlaps = (a: Rect, b: Rect): boolean =>
  a.x <= b.x + b.width && a.x + a.width >= b.x && a.y <= b.y + b.height && a.y + a.height >= b.y;

/** Flow units per cell of the spatial index: a few cards wide. */
const CELL = 1_000;

/**
 * Nodes by grid cell (from their stored positions): a window's nodes are found from the few cells
 * it covers, not by testing every node on each pan or render.
 */
export class NodeGrid {
  private readonly cells = new Map<string, string[]>();

  constructor(readonly scope: GraphScope) {
    for (const id of Object.keys(scope.nodes)) {
      const p = Object.hasOwn(scope.layout, id) ? scope.layout[id]! : DEFAULT_POS;
      const key = `${Math.floor(p.x / CELL)},${Math.floor(p.y / CELL)}`;
      const cell = this.cells.get(key);
      if (cell) cell.push(id);
      else this.cells.set(key, [id]);
    }
  }

  /** Ids whose stored position lies in a cell `window` (grown by one card) covers. */
  candidates(window: Rect): string[] {
    const out: string[] = [];
    const x0 = Math.floor((window.x - TYPICAL_NODE.width * 2) / CELL);
    const y0 = Math.floor((window.y - TYPICAL_NODE.height * 2) / CELL);
    const x1 = Math.floor((window.x + window.width) / CELL);
    const y1 = Math.floor((window.y + window.height) / CELL);
    // A window far larger than the graph (zoomed out): every cell, once.
    if ((x1 - x0 + 1) * (y1 - y0 + 1) > this.cells.size) {
      for (const ids of this.cells.values()) for (const id of ids) out.push(id);
      return out;
    }
    for (let cx = x0; cx <= x1; cx++)
      for (let cy = y0; cy <= y1; cy++) for (const id of this.cells.get(`${cx},${cy}`) ?? []) out.push(id);
    return out;
  }
}

/** Ids of the nodes overlapping `window`, plus every selected or dragged node. */
export function nodesInWindow(
  grid: NodeGrid,
  window: Rect,
  selected: Iterable<string>,
  drag: Readonly<Record<string, { x: number; y: number }>> | null,
  sizes: ReadonlyMap<string, Size>,
): Set<string> {
  const scope = grid.scope;
  const ids = new Set<string>();
  for (const id of grid.candidates(window)) if (overlaps(boxOf(scope, id, drag, sizes), window)) ids.add(id);
  for (const id of selected) if (Object.hasOwn(scope.nodes, id)) ids.add(id);
  if (drag) for (const id of Object.keys(drag)) if (Object.hasOwn(scope.nodes, id)) ids.add(id);
  return ids;
}

/** Edge ids by the node they leave and the node they enter, built once per edges record. */
export function edgesByNode(scope: GraphScope): ReadonlyMap<string, readonly string[]> {
  const out = new Map<string, string[]>();
  const add = (node: string, id: string) => {
    const list = out.get(node);
    if (list) list.push(id);
    else out.set(node, [id]);
  };
  for (const [id, e] of Object.entries(scope.edges)) {
    add(e.from.node, id);
    if (e.to.node !== e.from.node) add(e.to.node, id);
  }
  return out;
}

/** The bounding box of every node of `scope` (from the layout, sizes as in nodesInWindow). */
export function layoutBounds(scope: GraphScope, sizes: ReadonlyMap<string, Size>): Rect | undefined {
  let x0 = Number.POSITIVE_INFINITY;
  let y0 = Number.POSITIVE_INFINITY;
  let x1 = Number.NEGATIVE_INFINITY;
  let y1 = Number.NEGATIVE_INFINITY;
  for (const id of Object.keys(scope.nodes)) {
    const b = boxOf(scope, id, null, sizes);
    x0 = Math.min(x0, b.x);
    y0 = Math.min(y0, b.y);
    x1 = Math.max(x1, b.x + b.width);
    y1 = Math.max(y1, b.y + b.height);
  }
  return Number.isFinite(x0) ? { x: x0, y: y0, width: x1 - x0, height: y1 - y0 } : undefined;
}
