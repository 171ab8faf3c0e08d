// App shell: toolbar, palette, canvas (or the template gallery), inspector, status bar, toasts.
// On start it restores the autosaved graph, then opens `#g=<share link>` or `?template=<id>`.
import { ReactFlowProvider } from '@xyflow/react';
import { useCallback, useEffect, useRef, useState } from 'react';
import { deviceMemoryBudget } from '../browser/device-memory.ts';
import { browserRegistry } from '../browser/registry.ts';
import type { Analysis } from '../core/analysis/analyse.ts';
import { parseGraphText } from '../core/doc/parse.ts';
import type { GraphDoc } from '../core/doc/schema.ts';
import { canRedo, canUndo, redoLabel, undoLabel } from '../core/history.ts';
import { freeSpotBelow } from '../core/placement.ts';
import { Canvas, type CanvasApi, openFile } from '../ui/canvas.tsx';
import { ConnectBox, type ConnectDirection } from '../ui/connect-box.tsx';
import { ExportPanel } from '../ui/export-panel.tsx';
import { Gallery } from '../ui/gallery.tsx';
import { Inspector } from '../ui/inspector.tsx';
import { Palette } from '../ui/palette.tsx';
import { StatusBar } from '../ui/status-bar.tsx';
import { Toasts } from '../ui/toasts.tsx';
import { TrainDrawer } from '../ui/train-drawer.tsx';
import {
  addBlockAt,
  addNodeAfterSelection,
  connectPorts,
  copySelection,
  deleteSelection,
  duplicateSelection,
  groupSelected,
  importModel,
  loadDoc,
  MAX_GRAPH_BYTES,
  openText,
  pasteText,
  selectAll,
  ungroupSelected,
} from './actions.ts';
import { workerAnalyser } from './analysis-client.ts';
import { estimateSize, layoutPositions, needsLayout } from './auto-layout.ts';
import { refreshBlocks, removeBlock } from './blocks.ts';
import { emptyDoc, moveNodes, reservedIdProblem } from './commands.ts';
import { EditorContext, useEditor } from './editor-context.ts';
import { stringifyInSlices } from './json-slices.ts';
import { loadAutosave, saveAutosave } from './persistence.ts';
import { decodeShareHash, encodeShareHash, SHARE_PREFIX } from './share.ts';
import { createEditorStore, type EditorStore } from './store.ts';
import { bundledTemplates } from './templates.ts';

export function App({ search }: { search?: string }) {
  const [store] = useState(() => {
    const registry = browserRegistry();
    // Large documents are analysed in a Worker (issue #19); small ones stay synchronous.
    return createEditorStore(registry, undefined, { analyser: workerAnalyser(registry) });
  });
  return (
    <EditorContext.Provider value={store}>
      <ReactFlowProvider>
        <Editor store={store} search={search} />
      </ReactFlowProvider>
    </EditorContext.Provider>
  );
}

/** A template whose stored layout overlaps on the canvas opens laid out by ELK instead. */
async function tidy(doc: GraphDoc, analysis: Analysis | undefined): Promise<GraphDoc> {
  const sizeOf = (id: string) => {
    const n = analysis?.nodes.get(id);
    return estimateSize(Object.keys(n?.inputPorts ?? {}).length, Object.keys(n?.def?.outputs ?? {}).length);
  };
  if (!needsLayout(doc, sizeOf)) return doc;
  try {
    const layout = await layoutPositions(doc, new Map(Object.keys(doc.nodes).map((id) => [id, sizeOf(id)])));
    return { ...doc, layout };
  } catch {
    return doc;
  }
}

const isEditable = (t: EventTarget | null): boolean =>
  t instanceof Element && t.closest('input, textarea, select, [contenteditable="true"]') !== null;

function Editor({ store, search }: { store: EditorStore; search: string | undefined }) {
  const registry = store.getState().registry;
  const templates = bundledTemplates(registry);
  const view = useEditor((s) => s.view);
  const history = useEditor((s) => s.history);
  const nodeCount = useEditor((s) => Object.keys(s.history.present.nodes).length);
  const blocks = useEditor((s) => s.blocks);
  const canvasApi = useRef<CanvasApi | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const importInput = useRef<HTMLInputElement>(null);
  const [exporting, setExporting] = useState(false);
  const closeExport = useCallback(() => setExporting(false), []);
  const [ready, setReady] = useState(false);
  const [saveState, setSaveState] = useState('Not saved yet');
  const [shareLink, setShareLink] = useState<string | null>(null);
  const started = useRef(false);
  const clipboardMirror = useRef<string | undefined>(undefined);
  const paletteSearch = useRef<HTMLInputElement>(null);
  /** Connect mode (C / Shift+C): wiring the selected node by name. */
  const [connecting, setConnecting] = useState<{ node: string; direction: ConnectDirection } | null>(null);
  const path = useEditor((s) => s.path);
  const present = useEditor((s) => s.history.present);

  const openTemplate = useCallback(
    async (id: string): Promise<boolean> => {
      const t = templates.find((x) => x.id === id);
      const doc = t?.analysis?.doc;
      if (!t || !doc) {
        store.toast('error', `No template named “${id}”. Pick one below.`);
        store.setView('gallery');
        return false;
      }
      return loadDoc(store, await tidy(doc, t.analysis), `Open template ${t.meta?.title ?? id}`);
    },
    [store, templates],
  );

  // The device's memory budget (asynchronous: it asks for the WebGPU adapter) replaces the default.
  useEffect(() => {
    void deviceMemoryBudget().then((b) => store.setMemoryBudget(b));
  }, [store]);

  // Start: restore the autosave, then a share link or ?template= on top (one undoable step).
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    void (async () => {
      let restored = false;
      try {
        const saved = await loadAutosave();
        const parsed = saved ? parseGraphText(saved.json) : undefined;
        if (parsed?.doc && !reservedIdProblem(parsed.doc)) {
          store.reset(parsed.doc);
          restored = Object.keys(parsed.doc.nodes).length > 0;
        }
      } catch (e) {
        store.toast('error', `Could not read the autosaved graph: ${(e as Error)?.message ?? e}`);
      }
      const url = new URL(window.location.href);
      const templateId = new URLSearchParams(search ?? url.search).get('template');
      if (url.hash.startsWith(SHARE_PREFIX)) {
        try {
          openText(store, await decodeShareHash(url.hash), 'the share link');
        } catch (e) {
          store.toast(
            'error',
            `Could not open the share link: ${(e as Error).message}. The current graph is unchanged.`,
          );
          if (restored) store.setView('canvas');
        }
        url.hash = '';
      } else if (templateId !== null) {
        if (!(await openTemplate(templateId)) && restored) store.setView('gallery');
        url.searchParams.delete('template');
      } else if (restored) {
        store.setView('canvas');
      }
      window.history.replaceState(null, '', url.pathname + url.search);
      setReady(true);
      void refreshBlocks(store);
    })();
  }, [store, search, openTemplate]);

  // A share link pasted into the address bar of the open app changes only the hash.
  useEffect(() => {
    if (!ready) return;
    const onHash = () => {
      const url = new URL(window.location.href);
      if (!url.hash.startsWith(SHARE_PREFIX)) return;
      decodeShareHash(url.hash).then(
        (text) => openText(store, text, 'the share link'),
        (e) =>
          store.toast(
            'error',
            `Could not open the share link: ${(e as Error).message}. The current graph is unchanged.`,
          ),
      );
      window.history.replaceState(null, '', url.pathname + url.search);
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, [ready, store]);

  // Autosave every change (debounced a little; flushed when the page hides).
  useEffect(() => {
    if (!ready) return;
    let timer: number | undefined;
    let saved: unknown;
    /** `now`: in one go (the page is hiding: no later task may run). */
    const save = (now = false) => {
      timer = undefined;
      const doc = store.doc();
      if (doc === saved) return;
      saved = doc;
      setSaveState('Saving…');
      // In slices: a large document's JSON in one go was a long main-thread task (issue #19).
      (now ? Promise.resolve(JSON.stringify(doc)) : stringifyInSlices(doc)).then(saveAutosave).then(
        () => setSaveState(store.doc() === doc ? 'Saved' : 'Saving…'),
        (e) => setSaveState(`Autosave failed: ${(e as Error)?.message ?? e}`),
      );
    };
    save();
    const unsub = store.subscribe((s, prev) => {
      if (s.history.present === prev.history.present) return;
      setSaveState('Saving…');
      window.clearTimeout(timer);
      timer = window.setTimeout(() => save(), 120);
    });
    const flush = () => {
      if (timer !== undefined) {
        window.clearTimeout(timer);
        save(true);
      }
    };
    window.addEventListener('pagehide', flush);
    return () => {
      unsub();
      flush();
      window.removeEventListener('pagehide', flush);
    };
  }, [ready, store]);

  /** A free spot near the middle of the view (moved down past any card already there). */
  const centreSpot = useCallback(() => {
    const api = canvasApi.current;
    const c = api?.centre() ?? { x: 80 + 30 * nodeCount, y: 80 + 30 * nodeCount };
    return freeSpotBelow(store.scope(), { x: c.x - 90, y: c.y - 40 }, api?.sizes() ?? new Map());
  }, [store, nodeCount]);

  const addBlock = useCallback(
    (id: string) => {
      const block = store.getState().blocks.find((b) => b.id === id);
      if (block) addBlockAt(store, block, centreSpot());
    },
    [store, centreSpot],
  );

  /** Palette adds: after the selected node (wired from it when the ports fit), else near the centre. */
  const addFromPalette = useCallback(
    (type: string) =>
      addNodeAfterSelection(store, type, centreSpot(), canvasApi.current?.sizes() ?? new Map()),
    [store, centreSpot],
  );

  const autoLayout = useCallback(async () => {
    const doc = store.scope();
    if (Object.keys(doc.nodes).length === 0) return;
    try {
      const positions = await layoutPositions(doc, canvasApi.current?.sizes() ?? new Map());
      if (store.scope() !== doc) return; // the graph changed meanwhile; do not move stale positions
      store.edit('Auto-layout', moveNodes(positions));
      window.setTimeout(() => canvasApi.current?.fitView(), 50);
    } catch (e) {
      store.toast('error', `Auto-layout failed: ${(e as Error)?.message ?? e}`);
    }
  }, [store]);

  const saveFile = useCallback(() => {
    const doc = store.doc();
    const blob = new Blob([`${JSON.stringify(doc, null, 2)}\n`], { type: 'application/json' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    const base = doc.meta.title.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '') || 'graph';
    a.download = `${base.slice(0, 60)}.graph.json`;
    a.click();
    window.setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  }, [store]);

  const share = useCallback(async () => {
    try {
      const hash = await encodeShareHash(JSON.stringify(store.doc()));
      const link = `${window.location.origin}${window.location.pathname}${hash}`;
      setShareLink(link);
      try {
        await navigator.clipboard.writeText(link);
        store.toast('info', 'Share link copied to the clipboard.');
      } catch {
        store.toast('info', 'Share link ready: copy it from the box above the canvas.');
      }
    } catch (e) {
      store.toast('error', `Could not make a share link: ${(e as Error)?.message ?? e}`);
    }
  }, [store]);

  // Keyboard (DESIGN §8) and the clipboard.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (isEditable(e.target)) return;
      const mod = e.ctrlKey || e.metaKey;
      const k = e.key.toLowerCase();
      if (mod && k === 'z' && !e.shiftKey) store.undo();
      else if ((mod && k === 'z' && e.shiftKey) || (e.ctrlKey && k === 'y')) store.redo();
      else if (mod && k === 'a') selectAll(store);
      else if (mod && k === 'd') duplicateSelection(store);
      else if (mod && k === 'g' && e.shiftKey) ungroupSelected(store);
      else if (mod && k === 'g') groupSelected(store);
      else if (!mod && (e.key === 'Delete' || e.key === 'Backspace')) deleteSelection(store);
      else if (e.key === 'Escape') store.select({ nodes: [], edges: [] });
      else if (!mod && e.key === '/') paletteSearch.current?.focus();
      else if (!mod && !e.altKey && k === 'c') {
        const sel = store.getState().selection.nodes;
        if (sel.length !== 1)
          store.toast(
            'error',
            'Select one node first, then press C to connect its output (Shift+C: into it).',
          );
        else setConnecting({ node: sel[0]!, direction: e.shiftKey ? 'in' : 'out' });
      } else return;
      e.preventDefault();
    };
    const hasTextSelection = () => (window.getSelection()?.toString() ?? '') !== '';
    const onCopy = (e: ClipboardEvent, cut = false) => {
      if (isEditable(e.target) || hasTextSelection()) return;
      const text = copySelection(store);
      if (text === undefined) return;
      e.clipboardData?.setData('text/plain', text);
      clipboardMirror.current = text;
      e.preventDefault();
      if (cut) deleteSelection(store);
    };
    const onCut = (e: ClipboardEvent) => onCopy(e, true);
    const onPaste = (e: ClipboardEvent) => {
      if (isEditable(e.target)) return;
      const text = e.clipboardData?.getData('text/plain') || clipboardMirror.current;
      if (!text) return;
      e.preventDefault();
      pasteText(store, text, canvasApi.current?.pointer());
    };
    window.addEventListener('keydown', onKey);
    document.addEventListener('copy', onCopy);
    document.addEventListener('cut', onCut);
    document.addEventListener('paste', onPaste);
    return () => {
      window.removeEventListener('keydown', onKey);
      document.removeEventListener('copy', onCopy);
      document.removeEventListener('cut', onCut);
      document.removeEventListener('paste', onPaste);
    };
  }, [store]);

  const mod = typeof navigator !== 'undefined' && /Mac/.test(navigator.platform) ? '⌘' : 'Ctrl+';
  return (
    <div className="app">
      <header className="app-header">
        <h1>
          <a href="./">Netwright</a>
        </h1>
        <nav className="toolbar" aria-label="Graph">
          <button type="button" data-testid="gallery-button" onClick={() => store.setView('gallery')}>
            Templates
          </button>
          <button type="button" data-testid="open-button" onClick={() => fileInput.current?.click()}>
            Open…
          </button>
          <input
            ref={fileInput}
            type="file"
            accept=".json,application/json"
            hidden
            data-testid="open-file-input"
            onChange={(e) => {
              const f = e.currentTarget.files?.[0];
              e.currentTarget.value = '';
              if (f) void openFile(store, f);
            }}
          />
          <button
            type="button"
            data-testid="import-button"
            title="Import a Keras model.to_json() or tfjs model.json"
            onClick={() => importInput.current?.click()}
          >
            Import…
          </button>
          <input
            ref={importInput}
            type="file"
            accept=".json,application/json"
            hidden
            data-testid="import-file-input"
            onChange={(e) => {
              const f = e.currentTarget.files?.[0];
              e.currentTarget.value = '';
              if (f) void importFile(store, f);
            }}
          />
          <button type="button" data-testid="save-button" onClick={saveFile}>
            Save
          </button>
          <button type="button" data-testid="share-button" onClick={() => void share()}>
            Share link
          </button>
          <button type="button" data-testid="export-button" onClick={() => setExporting(true)}>
            Export code
          </button>
          <span className="sep" />
          <button
            type="button"
            data-testid="undo"
            disabled={!canUndo(history)}
            title={canUndo(history) ? `Undo ${undoLabel(history)} (${mod}Z)` : 'Nothing to undo'}
            onClick={() => store.undo()}
          >
            Undo
          </button>
          <button
            type="button"
            data-testid="redo"
            disabled={!canRedo(history)}
            title={canRedo(history) ? `Redo ${redoLabel(history)} (${mod}Shift+Z)` : 'Nothing to redo'}
            onClick={() => store.redo()}
          >
            Redo
          </button>
          <span className="sep" />
          <button
            type="button"
            data-testid="layout-button"
            onClick={() => void autoLayout()}
            disabled={view !== 'canvas'}
          >
            Auto-layout
          </button>
          <button
            type="button"
            data-testid="group-button"
            title={`Group the selected nodes (${mod}G); ${mod}Shift+G ungroups`}
            onClick={() => groupSelected(store)}
            disabled={view !== 'canvas'}
          >
            Group
          </button>
          <button
            type="button"
            data-testid="fit-button"
            onClick={() => canvasApi.current?.fitView()}
            disabled={view !== 'canvas'}
          >
            Fit view
          </button>
        </nav>
        {shareLink && (
          <span className="share-box">
            <input
              readOnly
              data-testid="share-link"
              value={shareLink}
              onFocus={(e) => e.currentTarget.select()}
              aria-label="Share link"
            />
            <button type="button" className="link" aria-label="Close" onClick={() => setShareLink(null)}>
              ×
            </button>
          </span>
        )}
      </header>
      <aside className="app-side">
        <Palette
          registry={registry}
          onAdd={addFromPalette}
          inGroup={path.length > 0}
          searchRef={paletteSearch}
          blocks={blocks}
          onAddBlock={addBlock}
          onRemoveBlock={(id) => void removeBlock(store, id)}
        />
      </aside>
      <main className="app-main">
        {view === 'gallery' ? (
          <Gallery
            templates={templates}
            onOpen={(id) => void openTemplate(id)}
            onBlank={() => {
              if (nodeCount === 0) store.setView('canvas');
              else loadDoc(store, emptyDoc(), 'New graph');
            }}
            {...(nodeCount > 0 ? { onBack: () => store.setView('canvas') } : {})}
          />
        ) : (
          <Canvas apiRef={canvasApi} />
        )}
        {connecting && view === 'canvas' ? (
          <ConnectBox
            doc={present}
            path={path}
            registry={registry}
            node={connecting.node}
            direction={connecting.direction}
            onClose={() => setConnecting(null)}
            onConnect={(res) => {
              setConnecting(null);
              // Wiring onwards continues from the new edge's target.
              if (connectPorts(store, res.from, res.to) && connecting.direction === 'out')
                store.select({ nodes: [res.to.node], edges: [] });
            }}
          />
        ) : null}
      </main>
      <div className="app-right">
        <Inspector />
        <TrainDrawer search={search ?? (typeof location !== 'undefined' ? location.search : '')} />
      </div>
      <StatusBar saveState={saveState} />
      {exporting && <ExportPanel onClose={closeExport} />}
      <Toasts />
    </div>
  );
}

/** Reads a Keras / tfjs model file and imports it (importModel says what happened). */
async function importFile(store: EditorStore, file: File): Promise<void> {
  const name = `'${file.name.slice(0, 80)}'`;
  if (file.size > MAX_GRAPH_BYTES) {
    store.toast('error', `Could not import ${name}: it is larger than 8 MB. The current graph is unchanged.`);
    return;
  }
  try {
    importModel(store, await file.text(), name);
  } catch (e) {
    store.toast(
      'error',
      `Could not read ${name}: ${(e as Error)?.message ?? e}. The current graph is unchanged.`,
    );
  }
}
