// Large documents are analysed in a Worker (issue #19). The Worker's path — analyse there, cross a
// postMessage as a structured clone, restore node definitions from the editor's registry — must give
// exactly what the direct call gives (every template, a graph with groups and errors, a 1,500-node
// chain over the asynchronous threshold), and the store must show a document's own analysis only:
// a placeholder with `checking` meanwhile, a stale answer for an older revision discarded.
import { beforeAll, describe, expect, it } from 'vitest';
import { editParam } from '../app/actions.ts';
import type { AsyncAnalyser } from '../app/analysis-client.ts';
import { ASYNC_ANALYSIS_PAST, countScopeNodes, createEditorStore } from '../app/store.ts';
import { type Analysis, analyse } from '../core/analysis/analyse.ts';
import { BROWSER_MEMORY, type MemoryBudget } from '../core/analysis/budget.ts';
import {
  analysisFromResponse,
  answerAnalyseRequest,
  RequestAssembler,
  requestMessages,
  SLICE,
} from '../core/analysis/wire.ts';
import { parseGraphText } from '../core/doc/parse.ts';
import type { GraphDoc } from '../core/doc/schema.ts';
import type { Registry } from '../core/registry.ts';
import { loadRegistry } from '../node/discover-nodes.ts';
import { listTemplateIds, readTemplate } from '../node/templates.ts';

let registry: Registry;
beforeAll(async () => {
  registry = await loadRegistry();
});

/** Input [8] → Dense × (n−1), laid out in rows of 25. */
function chain(n: number, units = 8): GraphDoc {
  const nodes: Record<string, unknown> = { d0: { type: 'io.input', v: 1, params: { shape: [8] } } };
  const edges: Record<string, unknown> = {};
  const layout: Record<string, { x: number; y: number }> = { d0: { x: 0, y: 0 } };
  for (let i = 1; i < n; i++) {
    nodes[`d${i}`] = { type: 'layers.dense', v: 1, params: { units } };
    edges[`e${i}`] = { from: { node: `d${i - 1}`, port: 'y' }, to: { node: `d${i}`, port: 'x' } };
    layout[`d${i}`] = { x: (i % 25) * 260, y: Math.floor(i / 25) * 180 };
  }
  const text = JSON.stringify({
    format: 'netwright.graph',
    formatVersion: 2,
    meta: { title: 'chain' },
    nodes,
    edges,
    layout,
  });
  const parsed = parseGraphText(text);
  if (!parsed.doc) throw new Error(parsed.diagnostics[0]?.message);
  return parsed.doc;
}

/**
 * The Worker path as the editor and the Worker see it: the request in slices, each message through
 * a structured clone, reassembled; the answer likewise, with definitions restored.
 */
function viaWorkerPath(doc: GraphDoc, memory: MemoryBudget = BROWSER_MEMORY): Analysis {
  const assembler = new RequestAssembler();
  let req: ReturnType<RequestAssembler['add']>;
  for (const m of requestMessages({ rev: 7, doc, memory })) req = assembler.add(structuredClone(m));
  expect(req!.rev).toBe(7);
  expect(req!.doc).toStrictEqual(doc);
  const response = structuredClone(answerAnalyseRequest(req!, registry));
  expect(response.rev).toBe(7);
  return analysisFromResponse(response, doc, registry);
}

/** Every node's definition is the registry's own object, as in the direct analysis (into groups). */
function expectSameDefs(a: Analysis, b: Analysis): number {
  let n = 0;
  for (const [id, node] of a.nodes) {
    const other = b.nodes.get(id)!;
    expect(other.def).toBe(node.def);
    n++;
    if (node.inner) n += expectSameDefs(node.inner, other.inner!);
  }
  return n;
}

describe('analysis on the Worker path equals the direct call', () => {
  it.each(listTemplateIds())('template %s', (id) => {
    const parsed = parseGraphText(readTemplate(id));
    const doc = parsed.doc!;
    const direct = analyse(doc, registry, { memory: BROWSER_MEMORY });
    const worker = viaWorkerPath(doc);
    expect(worker).toStrictEqual(direct);
    expect(expectSameDefs(direct, worker)).toBe(direct.nodes.size + countInner(direct));
    // The store's count for the asynchronous threshold includes groups' insides.
    expect(countScopeNodes(doc)).toBe(direct.nodes.size + countInner(direct));
  });

  it('a graph with errors (unknown type, dangling port, cycle) and a 1,500-node chain', () => {
    const bad = chain(5);
    const broken = {
      ...bad,
      nodes: {
        ...bad.nodes,
        x1: { type: 'layers.noSuchLayer', v: 1, params: {} },
        d3: { ...bad.nodes.d3!, params: { units: -4 } },
      },
      edges: { ...bad.edges, loop: { from: { node: 'd4', port: 'y' }, to: { node: 'd2', port: 'x' } } },
    } as GraphDoc;
    const direct = analyse(broken, registry);
    expect(direct.diagnostics.length).toBeGreaterThanOrEqual(2);
    expect(viaWorkerPath(broken)).toStrictEqual(direct);

    const big = chain(3 * SLICE + 7);
    const bigDirect = analyse(big, registry);
    expect(viaWorkerPath(big)).toStrictEqual(bigDirect);
    expect(bigDirect.nodes.size).toBe(3 * SLICE + 7);
  });
});

const countInner = (a: Analysis): number =>
  [...a.nodes.values()].reduce((s, n) => s + (n.inner ? n.inner.nodes.size + countInner(n.inner) : 0), 0);

/** An AsyncAnalyser that answers only when the test says, through the Worker path. */
function manualAnalyser() {
  const asked: { doc: GraphDoc; answer(): void }[] = [];
  const analyser: AsyncAnalyser = {
    analyse(doc, memory) {
      return new Promise((resolve) => {
        asked.push({ doc, answer: () => resolve(viaWorkerPath(doc, memory)) });
      });
    },
    dispose() {},
  };
  return { analyser, asked };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe('the store checks large documents asynchronously', () => {
  it('stops counting past the limit', () => {
    expect(countScopeNodes(chain(30))).toBe(30);
    expect(countScopeNodes(chain(3_000), ASYNC_ANALYSIS_PAST)).toBe(ASYNC_ANALYSIS_PAST + 1);
  });

  it('keeps a small document synchronous even with an analyser', () => {
    const { analyser, asked } = manualAnalyser();
    const store = createEditorStore(registry, chain(20), { analyser });
    expect(asked).toHaveLength(0);
    expect(store.getState().checking).toBe(false);
    expect(store.getState().analysis.nodes.size).toBe(20);
  });

  it('shows a placeholder while checking, then the analysis of the present document only', async () => {
    const { analyser, asked } = manualAnalyser();
    const store = createEditorStore(registry, undefined, { analyser });
    const big = chain(ASYNC_ANALYSIS_PAST + 200);
    store.reset(big);
    expect(store.getState().checking).toBe(true);
    expect(store.getState().analysis.nodes.size).toBe(0);
    expect(store.getState().analysis.ok).toBe(false);

    // An edit before the first answer: the first answer is stale and must not be shown.
    expect(editParam(store, 'd5', 'units', 16)).toBe(true);
    expect(asked).toHaveLength(2);
    asked[0]!.answer();
    await settle();
    expect(store.getState().checking).toBe(true);
    expect(store.getState().analysis.nodes.size).toBe(0);

    asked[1]!.answer();
    await settle();
    const s = store.getState();
    expect(s.checking).toBe(false);
    expect(s.analysis).toStrictEqual(analyse(s.history.present, registry, { memory: BROWSER_MEMORY }));
    expect(s.analysis.nodes.get('d6')!.inputs.x!.shape).toEqual([null, 16]);

    // Undo returns to the first document: asked again, answered for it.
    store.undo();
    expect(store.getState().checking).toBe(true);
    asked[2]!.answer();
    await settle();
    expect(store.getState().analysis.nodes.get('d6')!.inputs.x!.shape).toEqual([null, 8]);
  });
});
