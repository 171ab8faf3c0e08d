// GraphDoc + analysis → React Flow nodes and edges. Objects are cached and reused while their
// content is unchanged, so a drag or a param edit re-renders only the cards that really changed.

import type { Edge, Node } from '@xyflow/react';
import type { Analysis, NodeAnalysis } from '../core/analysis/analyse.ts';
import { copyChips } from '../core/copies.ts';
import type { Diagnostic, Fix } from '../core/diagnostics.ts';
import type { GraphScope, PhaseRecord } from '../core/doc/schema.ts';
import { describeFix } from '../core/fixes.ts';
import { isGroup } from '../core/groups.ts';
import { type AnyNodeDef, familyOf, type PortSpecs, portsOf } from '../core/node-def.ts';
import type { ParamSpec } from '../core/params.ts';
import type { Registry } from '../core/registry.ts';
import { formatShape, type TensorType } from '../core/tensor-type.ts';

export interface PortView {
  readonly name: string;
  readonly doc: string;
  readonly shape: string | undefined;
  readonly optional: boolean;
  readonly connected: boolean;
}

export interface DiagnosticView {
  readonly code: string;
  readonly message: string;
  readonly severity: 'error' | 'warning';
  readonly fix: Fix | undefined;
  readonly fixLabel: string | undefined;
}

export interface CardData extends Record<string, unknown> {
  readonly nodeId: string;
  readonly title: string;
  readonly type: string;
  readonly family: string;
  readonly missing: boolean;
  /** A group node: the card offers to open it. */
  readonly group: boolean;
  readonly inputs: readonly PortView[];
  readonly outputs: readonly PortView[];
  readonly keyParams: readonly { readonly name: string; readonly value: string }[];
  readonly paramCount: number | null;
  readonly diagnostics: readonly DiagnosticView[];
  /** Weight-copy chips of the node's variable group (src/core/copies.ts copyChips): "EMA copy of online, τ 0.99→1". */
  readonly copies?: readonly string[];
  /** Weight sharing: the node whose layer (weights) this node applies (the record's shareWeights). */
  readonly sharesWith?: string;
  /** The activation's curve at its initial values (the trained curve replaces it). */
  readonly preview?: { readonly x: readonly number[]; readonly y: readonly number[] };
}

/** Edges carry no analysis: each edge component reads its shape and error from the store, so a
 * param edit (which keeps the edges record) hands React Flow the same edges array. */
export type EdgeData = Record<string, unknown>;

export type CardNode = Node<CardData, 'card'>;
export type ShapeEdge = Edge<EdgeData, 'shape'>;

export const showShape = (t: TensorType | undefined): string | undefined =>
  t === undefined ? undefined : t.shape.length === 0 ? 'scalar' : formatShape(t.shape);

export function formatParamValue(v: unknown): string {
  if (Array.isArray(v)) return `[${v.join(', ')}]`;
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)));
  return String(v);
}

const sameDefault = (spec: ParamSpec, v: unknown) => JSON.stringify(spec.default) === JSON.stringify(v);

/** Ids of the edges analysis blames, computed once per analysis. */
const badEdgesMemo = new WeakMap<Analysis, ReadonlySet<string>>();
export function badEdges(analysis: Analysis): ReadonlySet<string> {
  let set = badEdgesMemo.get(analysis);
  if (!set) {
    set = new Set(analysis.diagnostics.flatMap((d) => (d.edgeId ? [d.edgeId] : [])));
    badEdgesMemo.set(analysis, set);
  }
  return set;
}

/** Diagnostics by node id (graph-level ones under ''), computed once per analysis. */
const byNodeMemo = new WeakMap<Analysis, Map<string, Diagnostic[]>>();
export function diagnosticsByNode(analysis: Analysis): Map<string, Diagnostic[]> {
  let m = byNodeMemo.get(analysis);
  if (!m) {
    m = new Map();
    for (const d of analysis.diagnostics) {
      const key = d.nodeId ?? '';
      m.set(key, [...(m.get(key) ?? []), d]);
    }
    byNodeMemo.set(analysis, m);
  }
  return m;
}

/** The copy chips of a variable group, from the document's phases (the root scope holds them). */
function copyChipsOf(doc: GraphScope, group: string | undefined): { copies?: readonly string[] } {
  const phases = (doc as { training?: { phases?: readonly PhaseRecord[] } }).training?.phases;
  const chips = group && phases ? copyChips(phases).get(group) : undefined;
  return chips ? { copies: chips } : {};
}

/**
 * A node's input ports before analysis answers (a large document is checked in a Worker): from its
 * definition and stored params, so edges attach at once; analysis replaces them when it answers.
 */
function placeholderPorts(def: AnyNodeDef | undefined, params: Readonly<Record<string, unknown>>): PortSpecs {
  if (!def) return {};
  try {
    return portsOf(def, params);
  } catch {
    return {};
  }
}

export function cardData(id: string, doc: GraphScope, analysis: Analysis, registry: Registry): CardData {
  const rec = doc.nodes[id]!;
  const info = analysis.nodes.get(id);
  const def = registry.get(rec.type);
  const diags = diagnosticsByNode(analysis).get(id) ?? [];
  const params = info?.params ?? rec.params;
  const specs = def?.params ?? {};
  const names = Object.keys(specs);
  const changed = names.filter((n) => !sameDefault(specs[n]!, params[n]));
  const shown = [...changed, ...names.filter((n) => !changed.includes(n))].slice(0, 3);
  return {
    nodeId: id,
    title: rec.label ?? def?.title ?? rec.type,
    type: rec.type,
    family: familyOf(rec.type),
    missing: def === undefined,
    group: isGroup(rec),
    inputs: Object.entries(info?.inputPorts ?? placeholderPorts(def, rec.params)).map(([name, spec]) => ({
      name,
      doc: spec.doc,
      shape: showShape(info?.inputs[name]),
      optional: spec.optional === true,
      connected: info?.sources[name] !== undefined,
    })),
    outputs: Object.entries(info?.outputPorts ?? def?.outputs ?? {}).map(([name, spec]) => ({
      name,
      doc: spec.doc,
      shape: info?.ok ? showShape(info.outputs[name]) : undefined,
      optional: false,
      connected: false,
    })),
    keyParams: shown.map((name) => ({ name, value: formatParamValue(params[name]) })),
    paramCount: info?.ok ? info.paramCount : null,
    ...copyChipsOf(doc, rec.group),
    ...(rec.shareWeights !== undefined ? { sharesWith: rec.shareWeights } : {}),
    ...previewOf(def, info),
    diagnostics: diags.map((d) => ({
      code: d.code,
      message: d.message,
      severity: d.severity,
      fix: d.fix,
      fixLabel: d.fix ? describeFix(d.fix, registry) : undefined,
    })),
  };
}

const sameRefs = (a: readonly unknown[], b: readonly unknown[]): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/** Everything a card shows, by reference (diagnostics by text: they are rebuilt per analysis). */
function cardSignature(id: string, rec: object, doc: GraphScope, analysis: Analysis): unknown[] {
  const info = analysis.nodes.get(id);
  const diags = diagnosticsByNode(analysis).get(id);
  return [
    rec,
    doc.edges, // which ports are connected
    info?.params,
    info?.outputs,
    info?.paramCount,
    info?.ok,
    info?.inputPorts,
    info?.outputPorts,
    ...Object.values(info?.inputs ?? {}),
    diags ? JSON.stringify(diags) : '',
  ];
}

/** A node's preview curve, or none when its params cannot be drawn (analysis reports why). */
function previewOf(def: AnyNodeDef | undefined, info: NodeAnalysis | undefined): Pick<CardData, 'preview'> {
  if (!def?.previewCurve || !info?.ok) return {};
  try {
    const preview = def.previewCurve(info.params);
    return preview.y.every(Number.isFinite) ? { preview } : {};
  } catch {
    return {};
  }
}

export interface Measured {
  readonly width: number;
  readonly height: number;
}

const DEFAULT_POS = { x: 0, y: 0 };

/** Builds React Flow nodes/edges, reusing the previous objects whose inputs are unchanged. */
export class FlowModel {
  private cards = new Map<
    string,
    { key: string; data: CardData; analysis: Analysis; rec: object; sig: unknown[] }
  >();
  private nodeCache = new Map<string, CardNode>();
  private edgeCache = new Map<string, ShapeEdge>();

  constructor(private readonly registry: Registry) {}

  nodes(
    doc: GraphScope,
    analysis: Analysis,
    selected: ReadonlySet<string>,
    drag: Readonly<Record<string, { x: number; y: number }>> | null,
    measured: ReadonlyMap<string, Measured>,
    /** Build only these nodes (a large graph's window around the view: canvas-window.ts). */
    only?: ReadonlySet<string>,
  ): CardNode[] {
    const out: CardNode[] = [];
    const seen = new Set<string>();
    for (const id of only ?? Object.keys(doc.nodes)) {
      seen.add(id);
      if (!Object.hasOwn(doc.nodes, id)) continue;
      const rec = doc.nodes[id]!;
      const prevCard = this.cards.get(id);
      let data: CardData;
      if (prevCard && prevCard.analysis === analysis && prevCard.rec === rec) {
        data = prevCard.data; // nothing this card shows can have changed (e.g. during a drag)
      } else {
        // Analysis hands out the same objects for what did not change (records, resolved params,
        // inferred types), so comparing them by reference skips rebuilding most cards on an edit.
        const sig = cardSignature(id, rec, doc, analysis);
        if (prevCard && sameRefs(prevCard.sig, sig)) {
          data = prevCard.data;
          this.cards.set(id, { ...prevCard, analysis, sig });
        } else {
          const fresh = cardData(id, doc, analysis, this.registry);
          const key = JSON.stringify(fresh);
          data = prevCard && prevCard.key === key ? prevCard.data : fresh;
          this.cards.set(id, { key, data, analysis, rec, sig });
        }
      }
      const position =
        (drag && Object.hasOwn(drag, id) ? drag[id] : undefined) ??
        (Object.hasOwn(doc.layout, id) ? doc.layout[id] : undefined) ??
        DEFAULT_POS;
      const isSel = selected.has(id);
      const m = measured.get(id);
      const prev = this.nodeCache.get(id);
      if (
        prev &&
        prev.data === data &&
        prev.position.x === position.x &&
        prev.position.y === position.y &&
        (prev.selected ?? false) === isSel &&
        prev.measured?.width === m?.width &&
        prev.measured?.height === m?.height
      ) {
        out.push(prev);
        continue;
      }
      const node: CardNode = {
        id,
        type: 'card',
        position: { x: position.x, y: position.y },
        data,
        selected: isSel,
        ...(m ? { measured: { width: m.width, height: m.height } } : {}),
      };
      this.nodeCache.set(id, node);
      out.push(node);
    }
    for (const id of [...this.nodeCache.keys()]) {
      if (!seen.has(id)) {
        this.nodeCache.delete(id);
        this.cards.delete(id);
      }
    }
    return out;
  }

  private lastEdges: ShapeEdge[] = [];

  /** `only`: build just these edge ids (a large graph's window: canvas-window.ts). */
  edges(doc: GraphScope, selected: ReadonlySet<string>, only?: Iterable<string>): ShapeEdge[] {
    const out: ShapeEdge[] = [];
    const seen = new Set<string>();
    let changed = false;
    const entries = only
      ? [...only].flatMap((id) => (Object.hasOwn(doc.edges, id) ? [[id, doc.edges[id]!] as const] : []))
      : Object.entries(doc.edges);
    for (const [id, e] of entries) {
      seen.add(id);
      const isSel = selected.has(id);
      const prev = this.edgeCache.get(id);
      if (
        prev &&
        prev.source === e.from.node &&
        prev.target === e.to.node &&
        prev.sourceHandle === e.from.port &&
        prev.targetHandle === e.to.port &&
        (prev.selected ?? false) === isSel
      ) {
        if (this.lastEdges[out.length] !== prev) changed = true;
        out.push(prev);
        continue;
      }
      const edge: ShapeEdge = {
        id,
        type: 'shape',
        source: e.from.node,
        target: e.to.node,
        sourceHandle: e.from.port,
        targetHandle: e.to.port,
        selected: isSel,
        data: {},
      };
      this.edgeCache.set(id, edge);
      out.push(edge);
      changed = true;
    }
    if (!only) for (const id of [...this.edgeCache.keys()]) if (!seen.has(id)) this.edgeCache.delete(id);
    if (!changed && out.length === this.lastEdges.length) return this.lastEdges;
    this.lastEdges = out;
    return out;
  }
}
