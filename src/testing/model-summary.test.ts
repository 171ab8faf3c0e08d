// The inspector's summary table lists at most MAX_SUMMARY_ROWS nodes, in topological order, and
// counts the rest (issue 19: a 10,000-node table held the main thread on every change).
import { describe, expect, it } from 'vitest';
import { analyse } from '../core/analysis/analyse.ts';
import type { GraphDoc } from '../core/doc/schema.ts';
import { loadRegistry } from '../node/discover-nodes.ts';
import { MAX_SUMMARY_ROWS, summaryRows } from '../ui/model-summary.tsx';

const registry = await loadRegistry();

function chain(n: number): GraphDoc {
  const nodes: GraphDoc['nodes'] = { input: { type: 'io.input', v: 1, params: { shape: [4] } } };
  const edges: GraphDoc['edges'] = {};
  // Ids listed in reverse, so the order below comes from the edges, not from the file.
  for (let i = n - 1; i >= 1; i--) nodes[`d${i}`] = { type: 'layers.dense', v: 1, params: { units: 4 } };
  for (let i = 1; i < n; i++)
    edges[`e${i}`] = {
      from: { node: i === 1 ? 'input' : `d${i - 1}`, port: 'y' },
      to: { node: `d${i}`, port: 'x' },
    };
  return { format: 'netwright.graph', formatVersion: 2, meta: { title: 'chain' }, nodes, edges, layout: {} };
}

describe('summaryRows', () => {
  it('a small graph: every node, in data-flow order', () => {
    const { ids, more } = summaryRows(analyse(chain(4), registry));
    expect(ids).toEqual(['input', 'd1', 'd2', 'd3']);
    expect(more).toBe(0);
  });

  it('a large graph: the first rows in data-flow order, the rest counted', () => {
    const n = MAX_SUMMARY_ROWS + 123;
    const { ids, more } = summaryRows(analyse(chain(n), registry));
    expect(ids).toHaveLength(MAX_SUMMARY_ROWS);
    expect(ids.slice(0, 3)).toEqual(['input', 'd1', 'd2']);
    expect(ids.at(-1)).toBe(`d${MAX_SUMMARY_ROWS - 1}`);
    expect(more).toBe(123);
  });
});
