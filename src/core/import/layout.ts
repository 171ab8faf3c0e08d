// A pure, synchronous layered layout for imported graphs (the canvas uses elkjs; this needs no
// Worker and no promise). Longest-path layering left to right: a node sits one column right of its
// furthest predecessor, so a residual branch and its skip edge end in the same column. Within a
// column, nodes are ordered by the mean row of their predecessors (one barycentre sweep), which
// keeps chains straight and branches next to their source.

export interface LayoutEdge {
  readonly from: string;
  readonly to: string;
}

export interface LayoutOptions {
  /** Horizontal distance between columns (default 300: the widest card, 260 px, plus an edge label). */
  readonly dx?: number;
  /** Vertical distance between rows (default 180: a card with three ports, plus a gap). */
  readonly dy?: number;
  readonly x0?: number;
  readonly y0?: number;
}

export type Positions = Record<string, { x: number; y: number }>;

/**
 * Positions for `nodes` (in the given order, which breaks ties). Edges to unknown nodes are
 * ignored; nodes on a cycle are placed one column after everything else rather than failing.
 */
export function layeredLayout(
  nodes: readonly string[],
  edges: readonly LayoutEdge[],
  opts: LayoutOptions = {},
): Positions {
  const { dx = 300, dy = 180, x0 = 40, y0 = 40 } = opts;
  const known = new Set(nodes);
  const preds = new Map<string, string[]>(nodes.map((n) => [n, []]));
  const succs = new Map<string, string[]>(nodes.map((n) => [n, []]));
  for (const e of edges) {
    if (!known.has(e.from) || !known.has(e.to) || e.from === e.to) continue;
    preds.get(e.to)!.push(e.from);
    succs.get(e.from)!.push(e.to);
  }

  // Kahn's order; the layer of a node is 1 + the largest layer of its predecessors.
  const indeg = new Map(nodes.map((n) => [n, preds.get(n)!.length]));
  const queue = nodes.filter((n) => indeg.get(n) === 0);
  const layer = new Map<string, number>();
  for (let i = 0; i < queue.length; i++) {
    const n = queue[i]!;
    let l = 0;
    for (const p of preds.get(n)!) l = Math.max(l, (layer.get(p) ?? -1) + 1);
    layer.set(n, l);
    for (const s of succs.get(n)!) {
      const d = indeg.get(s)! - 1;
      indeg.set(s, d);
      if (d === 0) queue.push(s);
    }
  }
  // Loops, not Math.max(...spread): a spread of 100k+ values overflows the call stack.
  let maxLayer = -1;
  for (const l of layer.values()) maxLayer = Math.max(maxLayer, l);
  for (const n of nodes) if (!layer.has(n)) layer.set(n, maxLayer + 1);

  const columns: string[][] = [];
  for (const n of nodes) {
    const l = layer.get(n)!;
    const col = columns[l] ?? [];
    col.push(n);
    columns[l] = col;
  }
  const row = new Map<string, number>();
  for (const col of columns) {
    if (!col) continue;
    const order = col.map((n, i) => {
      const placed = preds.get(n)!.filter((p) => row.has(p));
      const bary = placed.length ? placed.reduce((s, p) => s + row.get(p)!, 0) / placed.length : i;
      return { n, bary, i };
    });
    order.sort((a, b) => a.bary - b.bary || a.i - b.i);
    order.forEach(({ n }, r) => {
      row.set(n, r);
    });
  }

  const out: Positions = Object.create(null); // node ids such as `__proto__` stay entries
  for (const n of nodes) out[n] = { x: x0 + layer.get(n)! * dx, y: y0 + row.get(n)! * dy };
  return out;
}
