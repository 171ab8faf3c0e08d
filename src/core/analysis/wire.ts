// An Analysis as a structured-cloneable value, and back: what the analysis Worker
// (src/app/analysis-worker.ts) posts to the editor. Only node definitions (`def`: objects with
// functions) cannot cross a postMessage; they are dropped here and looked up again in the
// receiver's registry by the node's type, exactly as analysis looked them up.

import type { GraphDoc } from '../doc/schema.ts';
import type { Registry } from '../registry.ts';
import { type Analysis, analyse, type NodeAnalysis } from './analyse.ts';
import type { MemoryBudget } from './budget.ts';

/** A NodeAnalysis without its definition (and with its group's inner analysis on the wire too). */
export type WireNode = Omit<NodeAnalysis, 'def' | 'inner'> & { readonly inner?: WireAnalysis };

/** An Analysis that survives structured cloning (no functions anywhere). */
export interface WireAnalysis extends Omit<Analysis, 'nodes'> {
  readonly nodes: ReadonlyMap<string, WireNode>;
}

/** Drops every node definition (recursively, into groups). */
export function analysisToWire(a: Analysis): WireAnalysis {
  const nodes = new Map<string, WireNode>();
  for (const [id, n] of a.nodes) {
    const { def: _def, inner, ...rest } = n;
    nodes.set(id, inner ? { ...rest, inner: analysisToWire(inner) } : rest);
  }
  return { ...a, nodes };
}

/** Restores each node's definition from `registry` by its record's type (recursively, into groups). */
export function analysisFromWire(w: WireAnalysis, registry: Registry): Analysis {
  const nodes = new Map<string, NodeAnalysis>();
  for (const [id, n] of w.nodes) {
    const { inner, ...rest } = n;
    const def = registry.get(n.record.type);
    nodes.set(id, inner ? { ...rest, def, inner: analysisFromWire(inner, registry) } : { ...rest, def });
  }
  return { ...w, nodes };
}

/** What the editor asks the analysis Worker: analyse `doc` (revision `rev`) against `memory`. */
export interface AnalyseRequest {
  readonly rev: number;
  readonly doc: GraphDoc;
  readonly memory: MemoryBudget;
}

/**
 * The Worker's answer for revision `rev`. `sameDoc`: analysis needed no migration, so its `doc`
 * is the request's own document — left out of the answer; the editor puts back the document it
 * sent (and that document's node records), as the direct call would hand them out.
 */
export interface AnalyseResponse {
  readonly rev: number;
  readonly analysis: WireAnalysis;
  readonly sameDoc: boolean;
}

/** The Worker's side: analyses the request's document and answers in wire form. */
export function answerAnalyseRequest(req: AnalyseRequest, registry: Registry): AnalyseResponse {
  const analysis = analysisToWire(analyse(req.doc, registry, { memory: req.memory }));
  const sameDoc = analysis.doc === req.doc;
  return { rev: req.rev, analysis: sameDoc ? { ...analysis, doc: undefined } : analysis, sameDoc };
}

/** The editor's side of a whole answer (`doc`: the document the request sent). */
export function analysisFromResponse(res: AnalyseResponse, doc: GraphDoc, registry: Registry): Analysis {
  const assembler = new ResponseAssembler(registry);
  let out: Analysis | undefined;
  for (const m of responseMessages(res)) out = assembler.add(m, doc)?.analysis ?? out;
  return out!;
}

// ---------------------------------------------------------------------------------------------
// Messages in slices. Cloning a 10,000-node document or its analysis in one postMessage is one
// main-thread task of hundreds of ms (serialising on send, deserialising on receipt), so both
// directions travel as slices of SLICE entries, each its own message (and task), then a last
// message with the rest.

/** Entries per message. */
export const SLICE = 200;

/** The document's large records, sent in slices. */
const DOC_RECORDS = ['nodes', 'edges', 'layout'] as const;
type DocRecord = (typeof DOC_RECORDS)[number];

export type ToAnalysisWorker =
  | {
      readonly rev: number;
      readonly kind: 'slice';
      readonly field: DocRecord;
      readonly entries: [string, unknown][];
    }
  | { readonly rev: number; readonly kind: 'doc'; readonly doc: GraphDoc; readonly memory: MemoryBudget };

export type FromAnalysisWorker =
  | { readonly rev: number; readonly kind: 'nodes'; readonly entries: [string, WireNode][] }
  | {
      readonly rev: number;
      readonly kind: 'done';
      readonly analysis: WireAnalysis;
      readonly sameDoc: boolean;
    };

const slices = <T>(entries: T[]): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < entries.length; i += SLICE) out.push(entries.slice(i, i + SLICE));
  return out;
};

/** A request as messages: slices of the document's nodes, edges and layout, then the rest. */
export function requestMessages(req: AnalyseRequest): ToAnalysisWorker[] {
  const out: ToAnalysisWorker[] = [];
  const rest: Record<string, unknown> = { ...req.doc };
  for (const field of DOC_RECORDS) {
    for (const entries of slices(Object.entries(req.doc[field] ?? {})))
      out.push({ rev: req.rev, kind: 'slice', field, entries });
    rest[field] = {};
  }
  out.push({ rev: req.rev, kind: 'doc', doc: rest as unknown as GraphDoc, memory: req.memory });
  return out;
}

/** The Worker's side: collects a request's messages; returns the request when its last one arrives. */
export class RequestAssembler {
  private rev = -1;
  private parts: Record<DocRecord, [string, unknown][]> = { nodes: [], edges: [], layout: [] };

  add(m: ToAnalysisWorker): AnalyseRequest | undefined {
    if (m.rev !== this.rev) {
      this.rev = m.rev; // a newer request: the older one's slices are dropped
      this.parts = { nodes: [], edges: [], layout: [] };
    }
    if (m.kind === 'slice') {
      for (const e of m.entries) this.parts[m.field].push(e);
      return undefined;
    }
    const doc = { ...m.doc } as Record<string, unknown>;
    for (const field of DOC_RECORDS) doc[field] = Object.fromEntries(this.parts[field]);
    this.parts = { nodes: [], edges: [], layout: [] };
    return { rev: m.rev, doc: doc as unknown as GraphDoc, memory: m.memory };
  }
}

/** An answer as messages: slices of the analysed nodes, then the rest of the analysis. */
export function responseMessages(res: AnalyseResponse): FromAnalysisWorker[] {
  const out: FromAnalysisWorker[] = slices([...res.analysis.nodes]).map((entries) => ({
    rev: res.rev,
    kind: 'nodes' as const,
    entries,
  }));
  out.push({
    rev: res.rev,
    kind: 'done',
    analysis: { ...res.analysis, nodes: new Map() },
    sameDoc: res.sameDoc,
  });
  return out;
}

/**
 * The editor's side: collects an answer's messages, restoring node definitions slice by slice (so
 * no single task does it for every node); returns the Analysis when the last message arrives.
 */
export class ResponseAssembler {
  private rev = -1;
  private nodes = new Map<string, NodeAnalysis>();

  constructor(private readonly registry: Registry) {}

  /** `doc`: the document the request for `m.rev` sent. */
  add(m: FromAnalysisWorker, doc: GraphDoc): { rev: number; analysis: Analysis } | undefined {
    if (m.rev !== this.rev) {
      this.rev = m.rev;
      this.nodes = new Map();
    }
    if (m.kind === 'nodes') {
      const part = analysisFromWire({ ...EMPTY_WIRE, nodes: new Map(m.entries) }, this.registry);
      for (const [id, n] of part.nodes) this.nodes.set(id, n);
      return undefined;
    }
    const nodes = this.nodes;
    this.nodes = new Map();
    if (m.sameDoc) {
      // The records analysis saw are the sent document's own: hand out those objects.
      for (const [id, n] of nodes)
        if (Object.hasOwn(doc.nodes, id)) nodes.set(id, { ...n, record: doc.nodes[id]! });
      return { rev: m.rev, analysis: { ...m.analysis, doc, nodes } };
    }
    return { rev: m.rev, analysis: { ...m.analysis, nodes } };
  }
}

const EMPTY_WIRE: WireAnalysis = {
  doc: undefined,
  nodes: new Map(),
  order: [],
  diagnostics: [],
  totalParams: 0,
  totalFlops: 0,
  data: undefined,
  ok: true,
};
