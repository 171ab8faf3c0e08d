// The stored template layouts (scripts/layout-templates.ts): with every card at its size bound,
// no two overlap and every edge points right — checked on the files, not recomputed.
import { describe, expect, it } from 'vitest';
import { backwardEdges, overlappingPairs } from '../app/auto-layout.ts';
import { cardSizes } from '../app/template-layout.ts';
import { analyseText } from '../core/analysis/analyse.ts';
import { loadRegistry } from '../node/discover-nodes.ts';
import { listTemplateIds, readTemplate } from '../node/templates.ts';

const registry = await loadRegistry();

describe('stored template layouts', () => {
  it.each(listTemplateIds())('%s: no overlapping cards, every edge points forward', (id) => {
    const a = analyseText(readTemplate(id), registry);
    const doc = a.doc!;
    const sizes = cardSizes(doc, a, registry);
    const boxes = new Map(Object.keys(doc.nodes).map((n) => [n, { ...doc.layout[n]!, ...sizes.get(n)! }]));
    expect(overlappingPairs(boxes)).toEqual([]);
    const edges = Object.entries(doc.edges).map(([eid, e]) => ({
      id: eid,
      from: e.from.node,
      to: e.to.node,
    }));
    expect(backwardEdges(edges, boxes)).toEqual([]);
  });
});

describe('overlap and direction checks', () => {
  const box = (x: number, y: number) => ({ x, y, width: 100, height: 50 });
  it('find overlapping boxes and backward edges, not touching or forward ones', () => {
    const boxes = new Map([
      ['a', box(0, 0)],
      ['b', box(100, 0)], // touches a: no overlap
      ['c', box(150, 20)], // overlaps b
      ['d', box(0, 50)], // below a
    ]);
    expect(overlappingPairs(boxes)).toEqual([['b', 'c']]);
    const edges = [
      { id: 'ab', from: 'a', to: 'b' },
      { id: 'ad', from: 'a', to: 'd' },
      { id: 'ba', from: 'b', to: 'a' },
      { id: 'bc', from: 'b', to: 'c' },
    ];
    expect(backwardEdges(edges, boxes)).toEqual(['ba', 'bc']);
  });
});
