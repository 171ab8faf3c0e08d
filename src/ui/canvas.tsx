// The React Flow canvas, controlled by the editor store: nodes and edges are derived from the
// GraphDoc + analysis (FlowModel), gestures become commands (src/app/actions.ts).
import {
  Background,
  type Connection,
  ConnectionMode,
  Controls,
  type EdgeChange,
  MiniMap,
  type NodeChange,
  ReactFlow,
  useReactFlow,
  type Viewport,
} from '@xyflow/react';
import { type RefObject, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { addBlockAt, addNodeAt, commitDrag, connectPorts, loadDoc, parseToOpen } from '../app/actions.ts';
import type { Point } from '../app/commands.ts';
import { useEditor, useEditorStore } from '../app/editor-context.ts';
import { addFieldInput } from '../app/field-input.ts';
import { freezeInSlices } from '../app/json-slices.ts';
import { scopeAnalysisOf, scopeOf } from '../app/store.ts';
import { TYPICAL_NODE } from '../core/placement.ts';
import {
  edgesByNode,
  layoutBounds,
  NodeGrid,
  nextWindow,
  nodesInWindow,
  RENDER_VISIBLE_ONLY_PAST,
  viewRect,
} from './canvas-window.ts';
import { DRAG_FIELD_MIME } from './dataset-fields.tsx';
import { type CardNode, FlowModel, type Measured, type ShapeEdge as ShapeEdgeT } from './flow-model.ts';
import { GroupBreadcrumb } from './group-breadcrumb.tsx';
import { NodeCard } from './node-card.tsx';
import { openingViewport, type Rect } from './opening-view.ts';
import { DRAG_BLOCK_MIME, DRAG_MIME } from './palette.tsx';
import { QuickAdd } from './quick-add.tsx';
import { ShapeEdge } from './shape-edge.tsx';

const nodeTypes = { card: NodeCard };
const edgeTypes = { shape: ShapeEdge };

/** What the rest of the editor asks of the canvas. */
export interface CanvasApi {
  /** Flow coordinates of the middle of the visible canvas. */
  centre(): Point;
  /** Measured node sizes (for auto-layout). */
  sizes(): ReadonlyMap<string, Measured>;
  fitView(): void;
  /** Flow coordinates under the last pointer position, when it was over the canvas. */
  pointer(): Point | undefined;
}

/** Smaller than React Flow's 200 × 150: a graph opens above it (opening-view.ts), not under it. */
const MINIMAP = { width: 160, height: 100 } as const;

export function Canvas({ apiRef }: { apiRef: RefObject<CanvasApi | null> }) {
  const store = useEditorStore();
  const registry = useEditor((s) => s.registry);
  const doc = useEditor(scopeOf);
  const analysis = useEditor(scopeAnalysisOf);
  const path = useEditor((s) => s.path);
  const selection = useEditor((s) => s.selection);
  const drag = useEditor((s) => s.drag);
  const focus = useEditor((s) => s.focus);
  const epoch = useEditor((s) => s.epoch);
  const [mountEpoch] = useState(epoch);
  const [fitOnInit] = useState(() => Object.keys(doc.nodes).length > 0);
  const rf = useReactFlow<CardNode, ShapeEdgeT>();
  const model = useMemo(() => new FlowModel(registry), [registry]);
  const measured = useRef(new Map<string, Measured>());
  const [measureSeq, setMeasureSeq] = useState(0);
  const wrapper = useRef<HTMLDivElement>(null);
  const lastPointer = useRef<{ x: number; y: number } | undefined>(undefined);
  const [quickAdd, setQuickAdd] = useState<{ screen: Point; flow: Point } | null>(null);

  const selNodes = useMemo(() => new Set(selection.nodes), [selection.nodes]);
  const selEdges = useMemo(() => new Set(selection.edges), [selection.edges]);
  // A large graph hands React Flow only the cards in a window around the view (canvas-window.ts).
  const large = Object.keys(doc.nodes).length > RENDER_VISIBLE_ONLY_PAST;
  const [win, setWin] = useState<Rect | null>(null);
  const onMove = useCallback((_: unknown, vp: Viewport) => {
    const r = wrapper.current?.getBoundingClientRect();
    const view = viewRect(vp, {
      width: r?.width || window.innerWidth,
      height: r?.height || window.innerHeight,
    });
    setWin((cur) => nextWindow(cur, view));
  }, []);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the grid reads only the nodes and the layout
  const grid = useMemo(() => (large ? new NodeGrid(doc) : undefined), [large, doc.nodes, doc.layout]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the index reads only the edges
  const byNode = useMemo(() => (large ? edgesByNode(doc) : undefined), [large, doc.edges]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: measureSeq signals new measurements in the ref
  const only = useMemo(() => {
    if (!large) return undefined;
    const w =
      win ??
      nextWindow(
        null,
        viewRect({ x: 0, y: 0, zoom: 1 }, { width: window.innerWidth, height: window.innerHeight }),
      );
    return nodesInWindow(grid!, w, selNodes, drag, measured.current);
  }, [large, grid, win, selNodes, drag, measureSeq]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: measureSeq signals new measurements in the ref
  const nodes = useMemo(
    () => model.nodes(doc, analysis, selNodes, drag, measured.current, only),
    [model, doc, analysis, selNodes, drag, measureSeq, only],
  );
  // Only the edges record (not a param edit) and the selection change the edges React Flow gets.
  const docEdges = doc.edges;
  // biome-ignore lint/correctness/useExhaustiveDependencies: docEdges is the part of doc the edges read
  const edges = useMemo(() => {
    if (!only || !byNode) return model.edges(doc, selEdges);
    // A large graph: the edges between cards in the window.
    const ids = new Set<string>();
    for (const n of only)
      for (const id of byNode.get(n) ?? []) {
        const e = doc.edges[id]!;
        if (only.has(e.from.node) && only.has(e.to.node)) ids.add(id);
      }
    return model.edges(doc, selEdges, ids);
  }, [model, docEdges, selEdges, only, byNode]);

  useEffect(() => {
    apiRef.current = {
      centre() {
        const r = wrapper.current?.getBoundingClientRect();
        if (!r) return { x: 0, y: 0 };
        return rf.screenToFlowPosition({ x: r.left + r.width / 2, y: r.top + r.height / 2 });
      },
      sizes: () => measured.current,
      fitView() {
        // A large graph's cards are not all in React Flow: fit the stored layout instead.
        const scope = scopeOf(store.getState());
        const bounds =
          Object.keys(scope.nodes).length > RENDER_VISIBLE_ONLY_PAST
            ? layoutBounds(scope, measured.current)
            : undefined;
        if (bounds) void rf.fitBounds(bounds, { padding: 0.15, duration: 200 });
        else void rf.fitView({ padding: 0.15, duration: 200 });
      },
      pointer() {
        const p = lastPointer.current;
        const r = wrapper.current?.getBoundingClientRect();
        if (!p || !r || p.x < r.left || p.x > r.right || p.y < r.top || p.y > r.bottom) return undefined;
        return rf.screenToFlowPosition(p);
      },
    };
    return () => {
      apiRef.current = null;
    };
  }, [apiRef, rf, store]);

  // A graph opens whole when that is readable, else at a readable zoom on its input (opening-view.ts).
  // `viewEpoch` says which opened graph the view has settled on (data-view-epoch): until then the
  // viewport may still jump, so a click aimed at a card can land elsewhere.
  const [viewEpoch, setViewEpoch] = useState(fitOnInit ? -1 : epoch);
  useEffect(() => {
    if (epoch === mountEpoch && !fitOnInit) return;
    const t = window.setTimeout(() => {
      const r = wrapper.current?.getBoundingClientRect();
      const all = rf.getNodes();
      // A large graph's bounds come from its stored layout (React Flow holds only a window of it).
      const scope = scopeOf(store.getState());
      const bounds =
        Object.keys(scope.nodes).length > RENDER_VISIBLE_ONLY_PAST
          ? layoutBounds(scope, measured.current)
          : all.length > 0
            ? rf.getNodesBounds(all)
            : undefined;
      if (r && bounds) {
        void rf.setViewport(openingViewport(bounds, r, MINIMAP.height + 30), { duration: 0 });
      }
      setViewEpoch(epoch);
    }, 60);
    return () => window.clearTimeout(t);
  }, [epoch, mountEpoch, fitOnInit, rf, store]);

  useEffect(() => {
    if (!focus) return;
    // After opening a group the nodes need a frame to mount before the view can fit them.
    const t = window.setTimeout(() => {
      const scope = scopeOf(store.getState());
      const p = Object.hasOwn(scope.layout, focus.nodeId) ? scope.layout[focus.nodeId] : undefined;
      // A large graph's card may not be in React Flow yet: centre on its stored position.
      if (Object.keys(scope.nodes).length > RENDER_VISIBLE_ONLY_PAST && p) {
        const m = measured.current.get(focus.nodeId) ?? TYPICAL_NODE;
        void rf.setCenter(p.x + m.width / 2, p.y + m.height / 2, { zoom: 1.25, duration: 300 });
      } else void rf.fitView({ nodes: [{ id: focus.nodeId }], duration: 300, maxZoom: 1.25, padding: 0.4 });
    }, 30);
    return () => window.clearTimeout(t);
  }, [focus, rf, store]);

  const onNodesChange = useCallback(
    (changes: NodeChange<CardNode>[]) => {
      let dims = false;
      const moved: Record<string, Point> = {};
      let anyMoved = false;
      const sel = new Set(store.getState().selection.nodes);
      let selChanged = false;
      for (const c of changes) {
        if (c.type === 'dimensions' && c.dimensions) {
          const prev = measured.current.get(c.id);
          if (prev?.width !== c.dimensions.width || prev?.height !== c.dimensions.height) {
            measured.current.set(c.id, { width: c.dimensions.width, height: c.dimensions.height });
            dims = true;
          }
        } else if (c.type === 'position' && c.position && c.dragging) {
          moved[c.id] = c.position;
          anyMoved = true;
        } else if (c.type === 'select') {
          selChanged = true;
          if (c.selected) sel.add(c.id);
          else sel.delete(c.id);
        }
      }
      if (dims) setMeasureSeq((n) => n + 1);
      if (anyMoved) store.setDrag({ ...(store.getState().drag ?? {}), ...moved });
      if (selChanged) store.select({ nodes: [...sel], edges: store.getState().selection.edges });
    },
    [store],
  );

  const onEdgesChange = useCallback(
    (changes: EdgeChange<ShapeEdgeT>[]) => {
      const sel = new Set(store.getState().selection.edges);
      let changed = false;
      for (const c of changes) {
        if (c.type !== 'select') continue;
        changed = true;
        if (c.selected) sel.add(c.id);
        else sel.delete(c.id);
      }
      if (changed) store.select({ nodes: store.getState().selection.nodes, edges: [...sel] });
    },
    [store],
  );

  const onConnect = useCallback(
    (c: Connection) => {
      connectPorts(
        store,
        { node: c.source, port: c.sourceHandle ?? '' },
        { node: c.target, port: c.targetHandle ?? '' },
      );
    },
    [store],
  );

  // Stable identity: a new handler every render makes React Flow update its store on every drag frame.
  const onNodeDoubleClick = useCallback(
    (_: React.MouseEvent, n: CardNode) => {
      if (n.data.group) store.openGroup(n.id);
    },
    [store],
  );

  const onDrop = useCallback(
    (e: React.DragEvent) => {
      e.preventDefault();
      const type = e.dataTransfer.getData(DRAG_MIME);
      const blockId = e.dataTransfer.getData(DRAG_BLOCK_MIME);
      const block = blockId ? store.getState().blocks.find((b) => b.id === blockId) : undefined;
      if (block) {
        const at = rf.screenToFlowPosition({ x: e.clientX, y: e.clientY });
        addBlockAt(store, block, { x: at.x - 90, y: at.y - 30 });
        return;
      }
      const field = e.dataTransfer.getData(DRAG_FIELD_MIME);
      if (field) {
        // Dropped on a node: wired into it; on the pane: placed where it fell.
        const onNode =
          (e.target as Element).closest?.('.react-flow__node')?.getAttribute('data-id') ?? undefined;
        const at = rf.screenToFlowPosition({ x: e.clientX, y: e.clientY });
        addFieldInput(store, field, onNode ? { target: onNode } : { at: { x: at.x - 90, y: at.y - 30 } });
        return;
      }
      if (type) {
        const at = rf.screenToFlowPosition({ x: e.clientX, y: e.clientY });
        addNodeAt(store, type, { x: at.x - 90, y: at.y - 30 });
        return;
      }
      const file = e.dataTransfer.files[0];
      if (file) void openFile(store, file);
    },
    [rf, store],
  );

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: the canvas is a pointer surface; every action also has a keyboard path
    <div
      className="canvas"
      ref={wrapper}
      data-testid="canvas"
      data-view-settled={viewEpoch === epoch ? 'true' : 'false'}
      onDragOver={(e) => {
        e.preventDefault();
        e.dataTransfer.dropEffect = 'copy';
      }}
      onDrop={onDrop}
      onPointerMove={(e) => {
        lastPointer.current = { x: e.clientX, y: e.clientY };
      }}
      onDoubleClick={(e) => {
        const target = e.target as Element;
        if (!target.closest('.react-flow__pane') || target.closest('.react-flow__node')) return;
        const r = wrapper.current!.getBoundingClientRect();
        setQuickAdd({
          screen: { x: e.clientX - r.left, y: e.clientY - r.top },
          flow: rf.screenToFlowPosition({ x: e.clientX, y: e.clientY }),
        });
      }}
    >
      <ReactFlow<CardNode, ShapeEdgeT>
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        edgeTypes={edgeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onNodeDragStop={() => commitDrag(store)}
        onNodeDoubleClick={onNodeDoubleClick}
        onConnect={onConnect}
        connectionMode={ConnectionMode.Loose}
        deleteKeyCode={null}
        selectionKeyCode="Shift"
        multiSelectionKeyCode={['Meta', 'Control']}
        zoomOnDoubleClick={false}
        minZoom={0.1}
        maxZoom={2.5}
        onlyRenderVisibleElements={large}
        {...(large ? { onMove } : {})}
        proOptions={{ hideAttribution: true }}
      >
        <Background gap={24} />
        <Controls showInteractive={false} />
        {large ? null : <MiniMap pannable zoomable ariaLabel="Minimap" style={MINIMAP} />}
      </ReactFlow>
      {path.length > 0 && <GroupBreadcrumb />}
      {quickAdd && (
        <QuickAdd
          registry={registry}
          inGroup={path.length > 0}
          at={quickAdd.screen}
          onPick={(type) => {
            addNodeAt(store, type, quickAdd.flow);
            setQuickAdd(null);
          }}
          onClose={() => setQuickAdd(null)}
        />
      )}
    </div>
  );
}

export async function openFile(store: ReturnType<typeof useEditorStore>, file: File): Promise<void> {
  const name = `'${file.name.slice(0, 80)}'`;
  if (file.size > 8 * 1024 * 1024) {
    store.toast('error', `Could not open ${name}: it is larger than 8 MB. The current graph is unchanged.`);
    return;
  }
  let text: string;
  try {
    text = await file.text();
  } catch (e) {
    store.toast('error', `Could not read ${name}: ${(e as Error).message}. The current graph is unchanged.`);
    return;
  }
  const doc = parseToOpen(store, text, name);
  if (!doc) return;
  // Parsing and loading a large file are separate main-thread tasks (issue #19).
  // Frozen in slices first: history (immer) would otherwise freeze it all in one task.
  if (text.length > LARGE_TEXT) await freezeInSlices(doc);
  loadDoc(store, doc, `Open ${name}`);
}

/** Past this many characters a file is parsed and loaded in separate tasks (~1,000 nodes). */
const LARGE_TEXT = 150_000;
