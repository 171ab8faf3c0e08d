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

/** The Worker's answer for revision `rev`. */
export interface AnalyseResponse {
  readonly rev: number;
  readonly analysis: WireAnalysis;
}

/** The Worker's side: analyses the request's document and answers in wire form. */
export function answerAnalyseRequest(req: AnalyseRequest, registry: Registry): AnalyseResponse {
  return { rev: req.rev, analysis: analysisToWire(analyse(req.doc, registry, { memory: req.memory })) };
}
