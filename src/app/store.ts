// The editor store (zustand): the document's history, its analysis, and view state that never
// enters history (selection, an in-progress drag, the open panel, toasts).

import { createStore, type StoreApi } from 'zustand/vanilla';
import { type Analysis, analyse } from '../core/analysis/analyse.ts';
import type { GraphDoc } from '../core/doc/schema.ts';
import {
  type CommitOptions,
  commit,
  createHistory,
  type History,
  redo,
  seal,
  undo,
} from '../core/history.ts';
import type { Registry } from '../core/registry.ts';
import { type DocRecipe, emptyDoc, type Point } from './commands.ts';

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
}

export interface EditorStore extends StoreApi<EditorState> {
  /** Runs a command; returns false when it changed nothing or failed (a toast says why). */
  run(label: string, recipe: DocRecipe, opts?: CommitOptions): boolean;
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
}

const TOAST_MS = 6000;
const MAX_TOASTS = 3;

export function createEditorStore(registry: Registry, initial: GraphDoc = emptyDoc()): EditorStore {
  let toastSeq = 0;
  let focusSeq = 0;
  const api = createStore<EditorState>()(() => ({
    registry,
    history: createHistory(initial),
    analysis: analyse(initial, registry),
    selection: { nodes: [], edges: [] },
    drag: null,
    view: 'gallery',
    toasts: [],
    focus: null,
    epoch: 0,
    runtimeMark: null,
  }));

  const setHistory = (history: History<GraphDoc>) => {
    const prev = api.getState();
    if (history === prev.history) return;
    const doc = history.present;
    const analysis = doc === prev.history.present ? prev.analysis : analyse(doc, registry);
    // Drop selected ids that no longer exist (undo of an add, delete).
    const sel = prev.selection;
    const nodes = sel.nodes.filter((id) => Object.hasOwn(doc.nodes, id));
    const edges = sel.edges.filter((id) => Object.hasOwn(doc.edges, id));
    const selection =
      nodes.length === sel.nodes.length && edges.length === sel.edges.length ? sel : { nodes, edges };
    // Any edit invalidates a training run's verdict on a node.
    api.setState({ history, analysis, selection, runtimeMark: null });
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
        analysis: analyse(doc, registry),
        selection: { nodes: [], edges: [] },
        drag: null,
        epoch: api.getState().epoch + 1,
      });
    },
    loaded() {
      api.setState((s) => ({ epoch: s.epoch + 1 }));
    },
  };
  return store;
}
