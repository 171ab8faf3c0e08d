// FlowModel hands React Flow the same objects while nothing they show changed: a param edit keeps
// the edges array (edge labels read the analysis themselves) and rebuilds only the edited cards.
import { produce } from 'immer';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyse } from '../core/analysis/analyse.ts';
import type { GraphDoc } from '../core/doc/schema.ts';
import type { Registry } from '../core/registry.ts';
import { loadRegistry } from '../node/discover-nodes.ts';
import { maskedGraph } from '../testing/masked-ce-fixture.ts';
import { badEdges, cardData, FlowModel } from './flow-model.ts';

let registry: Registry;
beforeAll(async () => {
  registry = await loadRegistry();
});

const doc: GraphDoc = {
  format: 'netwright.graph',
  formatVersion: 2,
  meta: { title: 't' },
  nodes: {
    in: { type: 'io.input', v: 1, params: { shape: [4] } },
    a: { type: 'layers.dense', v: 1, params: { units: 3 } },
    b: { type: 'layers.dense', v: 1, params: { units: 2 } },
  },
  edges: {
    e1: { from: { node: 'in', port: 'y' }, to: { node: 'a', port: 'x' } },
    e2: { from: { node: 'a', port: 'y' }, to: { node: 'b', port: 'x' } },
  },
  layout: {},
};

describe('FlowModel', () => {
  it('keeps the edges array and unchanged cards across a param edit', () => {
    const model = new FlowModel(registry);
    const none = new Set<string>();
    const a1 = analyse(doc, registry);
    const edges1 = model.edges(doc, none);
    const nodes1 = model.nodes(doc, a1, none, null, new Map());
    const edited = produce(doc, (d) => {
      d.nodes.a!.params.units = 5;
    });
    const a2 = analyse(edited, registry);
    expect(model.edges(edited, none)).toBe(edges1);
    const nodes2 = model.nodes(edited, a2, none, null, new Map());
    expect(nodes2.find((n) => n.id === 'in')).toBe(nodes1.find((n) => n.id === 'in'));
    expect(nodes2.find((n) => n.id === 'a')).not.toBe(nodes1.find((n) => n.id === 'a'));
    expect(nodes2.find((n) => n.id === 'a')!.data.paramCount).toBe(4 * 5 + 5);
    // Selecting an edge or rewiring hands over a new array.
    expect(model.edges(edited, new Set(['e1']))).not.toBe(edges1);
    const rewired = produce(edited, (d) => {
      delete d.edges.e2;
    });
    expect(model.edges(rewired, none).map((e) => e.id)).toEqual(['e1']);
  });

  it('badEdges lists the edges analysis blames', () => {
    const broken = produce(doc, (d) => {
      d.edges.e3 = { from: { node: 'ghost', port: 'y' }, to: { node: 'b', port: 'x' } };
    });
    expect([...badEdges(analyse(broken, registry))]).toContain('e3');
  });
});

describe('cards of n-ary heads and multi-output nodes', () => {
  it('a masked loss shows one named input per port; top-k one output per port, each with its shape', () => {
    const g = maskedGraph(4);
    const ce = cardData('ce', g, analyse(g, registry), registry);
    expect(ce.inputs.map((p) => [p.name, p.shape, p.connected])).toEqual([
      ['pred', 'B×4', true],
      ['target', 'B×1', true],
      ['mask', 'B×1', true],
    ]);
    const top = produce(doc, (d) => {
      d.nodes.top = { type: 'primitives.topK', v: 1, params: { k: 2 } };
      d.edges.e3 = { from: { node: 'a', port: 'y' }, to: { node: 'top', port: 'x' } };
    });
    const card = cardData('top', top, analyse(top, registry), registry);
    expect(card.outputs.map((p) => [p.name, p.shape])).toEqual([
      ['values', 'B×2'],
      ['indices', 'B×2'],
    ]);
  });
});
