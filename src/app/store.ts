// The editor store (zustand): the document's history, its analysis, and view state that never
// enters history (selection, an in-progress drag, the open panel, toasts).

import { createStore, type StoreApi } from 'zustand/vanilla';
import { type Analysis, analyse, emptyAnalysis, scopeAnalysis } from '../core/analysis/analyse.ts';
import { BROWSER_MEMORY, type MemoryBudget } from '../core/analysis/budget.ts';
import type { GraphDoc, GraphScope } from '../core/doc/schema.ts';
import { editableScope, scopeAt } from '../core/groups.ts';
import {
  type CommitOptions,
  commit,
  createHistory,
  type History,
  redo,
  seal,
  undo,
} from '../core/history.ts';
import type { PhaseNodeState } from '../core/phase-states.ts';
import type { Registry } from '../core/registry.ts';
import type { ActivationCurve } from '../trainer/protocol.ts';
import type { AsyncAnalyser } from './analysis-client.ts';
import type { Block } from './blocks.ts';
import { type DocRecipe, emptyDoc, type Point, type ScopeRecipe } from './commands.ts';
import type { TrainerClient } from './trainer-client.ts';

export interface Toast {
  readonly id: number;
  readonly kind: 'error' | 'info';
  readonly text: string;
}

export interface Selection {
  readonly nodes: readonly string[];
  readonly edges: readonly string[];
}

export interface EditorState {
  readonly registry: Registry;
  readonly history: History<GraphDoc>;
  readonly analysis: Analysis;
  /**
   * True while the present document is analysed off the main thread (a large document: see
   * ASYNC_ANALYSIS_PAST); `analysis` is then an empty placeholder, never another document's.
   */
  readonly checking: boolean;
  readonly selection: Selection;
  /** Positions of nodes being dragged (committed as one step when the drag ends). */
  readonly drag: Readonly<Record<string, Point>> | null;
  readonly view: 'gallery' | 'canvas';
  readonly toasts: readonly Toast[];
  /** Bumped to ask the canvas to zoom to a node. */
  readonly focus: { readonly nodeId: string; readonly seq: number } | null;
  /** Bumped whenever a whole document is loaded (the canvas fits the view to it). */
  readonly epoch: number;
  /** A node a training run stopped on (non-finite or diverged output), shown on its card. */
  readonly runtimeMark: { readonly nodeId: string; readonly kind: string; readonly message: string } | null;
  /** The open group, as a path of group node ids from the top level ([] = the top level). */
  readonly path: readonly string[];
  /** Published groups ("My blocks" in the palette). */
  readonly blocks: readonly Block[];
  /** Activation functions as last trained (drawn on their nodes); cleared by an edit. */
  readonly curves: Readonly<Record<string, ActivationCurve>>;
  /** Node ids of the model the last run trained, until the graph is edited. */
  readonly trained: ReadonlySet<string> | null;
  /** The training Worker's client (Verify runs there too); null until it starts. */
  readonly trainer: TrainerClient | null;
  /** The phase picked in the Train panel's timeline and what it does to each node (IR id); view state. */
  readonly phaseView: PhaseView | null;
  /** The open Explain drawer's eligible nodes (they glow) and its chosen target (IR ids); view state. */
  readonly explainView: ExplainView | null;
}

export interface ExplainView {
  readonly eligible: ReadonlySet<string>;
  readonly target: string | null;
}

export interface PhaseView {
  readonly phase: string;
  readonly states: ReadonlyMap<string, PhaseNodeState>;
}

const NO_CURVES: Readonly<Record<string, ActivationCurve>> = {};

const EMPTY_ANALYSIS: Analysis = emptyAnalysis([]);
/** The placeholder while a document is checked in the Worker: nothing known yet, so not ok. */
const CHECKING: Analysis = { ...emptyAnalysis([]), ok: false };

/**
 * Documents with more nodes than this (groups' insides included) are analysed in the analysis
 * Worker when the store has one: a 10,000-node chain takes ~0.5 s to analyse, too long for a
 * main-thread task. Every template is far below it, so small documents stay synchronous.
 */
export const ASYNC_ANALYSIS_PAST = 1_000;

/** Nodes in a scope and its groups' insides, counting stops past `limit`. */
export function countScopeNodes(scope: GraphScope, limit = Number.POSITIVE_INFINITY): number {
  let n = 0;
  const stack: GraphScope[] = [scope];
  while (stack.length > 0 && n <= limit) {
    const s = stack.pop()!;
    for (const rec of Object.values(s.nodes)) {
      if (++n > limit) return n;
      const inner = (rec as { graph?: GraphScope }).graph;
      if (inner && typeof inner === 'object' && inner.nodes) stack.push(inner);
    }
  }
  return n;
}

/** The graph the canvas shows: the top level, or the inside of the open group. */
export const scopeOf = (s: EditorState): GraphScope =>
  scopeAt(s.history.present, s.path) ?? s.history.present;
/** The analysis of that graph (a group's inside is analysed with its input types). */
export const scopeAnalysisOf = (s: EditorState): Analysis =>
  s.path.length === 0 ? s.analysis : (scopeAnalysis(s.analysis, s.path) ?? EMPTY_ANALYSIS);

/** The longest prefix of `path` that still names nested groups in `doc`. */
function validPath(doc: GraphDoc, path: readonly string[]): readonly string[] {
  for (let i = path.length; i > 0; i--)
    if (scopeAt(doc, path.slice(0, i))) return i === path.length ? path : path.slice(0, i);
  return path.length === 0 ? path : [];
}

export interface EditorStore extends StoreApi<EditorState> {
  /** Runs a whole-document command; returns false when it changed nothing or failed (a toast says why). */
  run(label: string, recipe: DocRecipe, opts?: CommitOptions): boolean;
  /** Runs a command on the shown scope (the open group's inside, or the top level). */
  edit(label: string, recipe: ScopeRecipe, opts?: CommitOptions): boolean;
  /** The shown scope and its analysis. */
  scope(): GraphScope;
  scopeAnalysis(): Analysis;
  /** Opens a group of the shown scope (its inside becomes the shown scope). */
  openGroup(nodeId: string): void;
  /** Goes up to the first `depth` levels of the path (0 = the top level). */
  closeGroup(depth?: number): void;
  /** Shows the scope `path` names (from the top level), selecting and zooming to `nodeId`. */
  showPath(path: readonly string[], nodeId?: string): void;
  setBlocks(blocks: readonly Block[]): void;
  setCurves(curves: Readonly<Record<string, ActivationCurve>>): void;
  setTrainer(trainer: TrainerClient | null): void;
  setTrained(nodes: ReadonlySet<string> | null): void;
  /** Shows (or, with null, stops showing) a phase's frozen and inactive nodes on the canvas; no undo step. */
  setPhaseView(view: PhaseView | null): void;
  /** Shows (or stops showing) the Explain drawer's eligible and chosen nodes on the canvas; no undo step. */
  setExplainView(view: ExplainView | null): void;
  undo(): void;
  redo(): void;
  /** Ends a coalescing run (typing in a field, a slider drag). */
  seal(): void;
  select(selection: Selection): void;
  setDrag(drag: Readonly<Record<string, Point>> | null): void;
  setView(view: EditorState['view']): void;
  toast(kind: Toast['kind'], text: string): void;
  dismiss(id: number): void;
  focusNode(nodeId: string): void;
  /** Marks (or clears) the node a training run stopped on. */
  markRuntime(mark: EditorState['runtimeMark']): void;
  doc(): GraphDoc;
  /** Starts over with `doc` and an empty history (restoring the autosave on start). */
  reset(doc: GraphDoc): void;
  /** Marks that a whole new document was loaded. */
  loaded(): void;
  /** Checks training state against this memory from now on (the device's, once known). */
  setMemoryBudget(memory: MemoryBudget): void;
}

const TOAST_MS = 6000;
const MAX_TOASTS = 3;

export interface EditorStoreOptions {
  /** Analyses large documents off the main thread (src/app/analysis-client.ts); none: all synchronous. */
  readonly analyser?: AsyncAnalyser | undefined;
}

export function createEditorStore(
  registry: Registry,
  initial: GraphDoc = emptyDoc(),
  opts: EditorStoreOptions = {},
): EditorStore {
  let toastSeq = 0;
  let focusSeq = 0;
  let memory: MemoryBudget = BROWSER_MEMORY;
  /** Bumped for every analysis asked; an asynchronous answer for an older one is discarded. */
  let analysisRev = 0;
  /**
   * The analysis of `doc`: computed now for a small document, else started in the analysis
   * Worker, with an empty placeholder and `checking` until it answers for the present document.
   */
  const analyseDoc = (doc: GraphDoc): Pick<EditorState, 'analysis' | 'checking'> => {
    const rev = ++analysisRev;
    const analyser = opts.analyser;
    if (!analyser || countScopeNodes(doc, ASYNC_ANALYSIS_PAST) <= ASYNC_ANALYSIS_PAST)
      return { analysis: analyse(doc, registry, { memory }), checking: false };
    analyser.analyse(doc, memory).then(
      (analysis) => {
        if (analysis && rev === analysisRev && api.getState().history.present === doc)
          api.setState({ analysis, checking: false });
      },
      (e) => {
        if (rev !== analysisRev) return;
        // The Worker failed (it could not load, or ran out of memory): check here instead.
        store.toast(
          'error',
          `Checking in the background failed (${(e as Error).message}); checked here instead.`,
        );
        api.setState((s) => ({
          analysis: analyse(s.history.present, registry, { memory }),
          checking: false,
        }));
      },
    );
    return { analysis: CHECKING, checking: true };
  };
  const api = createStore<EditorState>()(() => ({
    registry,
    history: createHistory(initial),
    ...analyseDoc(initial),
    selection: { nodes: [], edges: [] },
    drag: null,
    view: 'gallery',
    toasts: [],
    focus: null,
    epoch: 0,
    runtimeMark: null,
    path: [],
    blocks: [],
    curves: {},
    trained: null,
    trainer: null,
    phaseView: null,
    explainView: null,
  }));

  const setHistory = (history: History<GraphDoc>) => {
    const prev = api.getState();
    if (history === prev.history) return;
    const doc = history.present;
    const analysis =
      doc === prev.history.present ? { analysis: prev.analysis, checking: prev.checking } : analyseDoc(doc);
    // An undo can remove the open group: show the deepest group that still exists.
    const path = validPath(doc, prev.path);
    const scope = scopeAt(doc, path) ?? doc;
    // Drop selected ids that no longer exist (undo of an add, delete).
    const sel = path === prev.path ? prev.selection : { nodes: [], edges: [] };
    const nodes = sel.nodes.filter((id) => Object.hasOwn(scope.nodes, id));
    const edges = sel.edges.filter((id) => Object.hasOwn(scope.edges, id));
    const selection =
      nodes.length === sel.nodes.length && edges.length === sel.edges.length ? sel : { nodes, edges };
    // Any edit invalidates a training run's verdict on a node.
    api.setState({
      history,
      ...analysis,
      selection,
      runtimeMark: null,
      path,
      curves: NO_CURVES,
      trained: null,
    });
  };

  const store: EditorStore = {
    ...api,
    run(label, recipe, opts) {
      const h = api.getState().history;
      let next: History<GraphDoc>;
      try {
        next = commit(h, label, recipe, opts);
      } catch (e) {
        store.toast('error', `${label} failed: ${(e as Error)?.message ?? String(e)}`);
        return false;
      }
      if (next === h) return false;
      setHistory(next);
      return true;
    },
    edit(label, recipe, opts) {
      const path = api.getState().path;
      return store.run(
        label,
        (d) => {
          const scope = editableScope(d as GraphDoc, path) as typeof d | undefined;
          if (!scope) throw new Error('the open group no longer exists');
          recipe(scope);
          return undefined;
        },
        opts,
      );
    },
    scope() {
      return scopeOf(api.getState());
    },
    scopeAnalysis() {
      return scopeAnalysisOf(api.getState());
    },
    openGroup(nodeId) {
      const s = api.getState();
      const path = [...s.path, nodeId];
      if (!scopeAt(s.history.present, path)) return;
      api.setState({ path, selection: { nodes: [], edges: [] }, drag: null, epoch: s.epoch + 1 });
    },
    closeGroup(depth = Math.max(0, api.getState().path.length - 1)) {
      const s = api.getState();
      if (depth >= s.path.length) return;
      const left = s.path[depth]!;
      api.setState({
        path: s.path.slice(0, depth),
        selection: { nodes: [left], edges: [] },
        drag: null,
        epoch: s.epoch + 1,
      });
    },
    showPath(path, nodeId) {
      const s = api.getState();
      if (!scopeAt(s.history.present, path)) return;
      const same = path.length === s.path.length && path.every((id, i) => s.path[i] === id);
      if (nodeId === undefined) {
        if (!same)
          api.setState({ path, selection: { nodes: [], edges: [] }, drag: null, epoch: s.epoch + 1 });
        return;
      }
      api.setState({
        path,
        drag: null,
        focus: { nodeId, seq: ++focusSeq },
        selection: { nodes: [nodeId], edges: [] },
      });
    },
    setTrainer(trainer) {
      api.setState({ trainer });
    },
    setTrained(trained) {
      api.setState({ trained });
    },
    setCurves(curves) {
      api.setState({ curves });
    },
    setPhaseView(phaseView) {
      api.setState({ phaseView });
    },
    setExplainView(explainView) {
      api.setState({ explainView });
    },
    setBlocks(blocks) {
      api.setState({ blocks });
    },
    undo() {
      setHistory(undo(api.getState().history));
    },
    redo() {
      setHistory(redo(api.getState().history));
    },
    seal() {
      const h = api.getState().history;
      const s = seal(h);
      if (s !== h) api.setState({ history: s });
    },
    select(selection) {
      const cur = api.getState().selection;
      const same =
        cur.nodes.length === selection.nodes.length &&
        cur.edges.length === selection.edges.length &&
        cur.nodes.every((id, i) => selection.nodes[i] === id) &&
        cur.edges.every((id, i) => selection.edges[i] === id);
      if (!same) api.setState({ selection });
    },
    setDrag(drag) {
      api.setState({ drag });
    },
    setView(view) {
      api.setState({ view });
    },
    toast(kind, text) {
      const id = ++toastSeq;
      api.setState((s) => ({ toasts: [...s.toasts, { id, kind, text }].slice(-MAX_TOASTS) }));
      if (typeof window !== 'undefined') window.setTimeout(() => store.dismiss(id), TOAST_MS);
    },
    dismiss(id) {
      api.setState((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) }));
    },
    focusNode(nodeId) {
      api.setState({ focus: { nodeId, seq: ++focusSeq }, selection: { nodes: [nodeId], edges: [] } });
    },
    markRuntime(runtimeMark) {
      api.setState({ runtimeMark });
    },
    doc() {
      return api.getState().history.present;
    },
    reset(doc) {
      api.setState({
        history: createHistory(doc),
        ...analyseDoc(doc),
        selection: { nodes: [], edges: [] },
        drag: null,
        epoch: api.getState().epoch + 1,
        path: [],
      });
    },
    loaded() {
      api.setState((s) => ({ epoch: s.epoch + 1, path: [] }));
    },
    setMemoryBudget(budget) {
      const same = (Object.keys(budget) as (keyof MemoryBudget)[]).every((k) => budget[k] === memory[k]);
      if (same && Object.keys(budget).length === Object.keys(memory).length) return;
      memory = budget;
      api.setState(analyseDoc(api.getState().history.present));
    },
  };
  return store;
}
