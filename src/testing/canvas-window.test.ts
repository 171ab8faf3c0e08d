// A large graph's canvas window (src/ui/canvas-window.ts): the grid index finds exactly the nodes
// a brute-force overlap test finds, for windows across, beside and around a 3,000-node layout;
// selected and dragged nodes are always in; the edge index lists each edge under both its ends.
import { describe, expect, it } from 'vitest';
import type { GraphScope } from '../core/doc/schema.ts';
import { TYPICAL_NODE } from '../core/placement.ts';
import {
  edgesByNode,
  layoutBounds,
  NodeGrid,
  nextWindow,
  nodesInWindow,
  viewRect,
} from '../ui/canvas-window.ts';

function chain(n: number): GraphScope {
  const nodes: Record<string, unknown> = {};
  const edges: Record<string, unknown> = {};
  const layout: Record<string, { x: number; y: number }> = {};
  for (let i = 0; i < n; i++) {
    nodes[`d${i}`] = { type: 'layers.dense', v: 1, params: {} };
    if (i > 0) edges[`e${i}`] = { from: { node: `d${i - 1}`, port: 'y' }, to: { node: `d${i}`, port: 'x' } };
    layout[`d${i}`] = { x: (i % 25) * 260 - 900, y: Math.floor(i / 25) * 180 - 400 };
  }
  return { nodes, edges, layout } as unknown as GraphScope;
}

const brute = (scope: GraphScope, w: { x: number; y: number; width: number; height: number }) =>
  Object.keys(scope.nodes).filter((id) => {
    const p = scope.layout[id]!;
    return (
      p.x <= w.x + w.width &&
      p.x + TYPICAL_NODE.width >= w.x &&
      p.y <= w.y + w.height &&
      p.y + TYPICAL_NODE.height >= w.y
    );
  });

describe('canvas window', () => {
  const scope = chain(3_000);
  const grid = new NodeGrid(scope);

  it.each([
    [{ x: 0, y: 0, zoom: 1 }],
    [{ x: 500, y: -3000, zoom: 0.6 }],
    [{ x: -4000, y: -20000, zoom: 1.7 }],
    [{ x: 90000, y: 90000, zoom: 1 }],
    [{ x: 0, y: 0, zoom: 0.01 }],
  ])('finds what a brute-force overlap test finds at viewport %o', (vp) => {
    const w = nextWindow(null, viewRect(vp, { width: 1600, height: 1000 }));
    const got = [...nodesInWindow(grid, w, [], null, new Map())].sort();
    expect(got).toEqual(brute(scope, w).sort());
  });

  it('keeps selected and dragged nodes, and the window while the view stays inside it', () => {
    const w = nextWindow(null, viewRect({ x: 0, y: 0, zoom: 1 }, { width: 1600, height: 1000 }));
    const ids = nodesInWindow(grid, w, ['d2999', 'nope'], { d2500: { x: 1, y: 1 } }, new Map());
    expect(ids.has('d2999')).toBe(true);
    expect(ids.has('d2500')).toBe(true);
    expect(ids.has('nope')).toBe(false);
    expect(nextWindow(w, viewRect({ x: -100, y: -50, zoom: 1 }, { width: 1600, height: 1000 }))).toBe(w);
    expect(nextWindow(w, viewRect({ x: -5000, y: 0, zoom: 1 }, { width: 1600, height: 1000 }))).not.toBe(w);
  });

  it('indexes edges by both ends and bounds the layout', () => {
    const by = edgesByNode(scope);
    expect(by.get('d0')).toEqual(['e1']);
    expect(by.get('d5')).toEqual(['e5', 'e6']);
    expect(layoutBounds(scope, new Map())).toEqual({
      x: -900,
      y: -400,
      width: 24 * 260 + TYPICAL_NODE.width,
      height: Math.floor(2999 / 25) * 180 + TYPICAL_NODE.height,
    });
  });
});
