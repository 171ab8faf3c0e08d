// Whether a new edge may be drawn, and why not. Pure: the canvas asks before it commits an edge
// and shows `reason` in a toast. The shape check runs the real analysis on the candidate document.

import { produce } from 'immer';
import { analyse, scopeAnalysis } from './analysis/analyse.ts';
import type { Diagnostic } from './diagnostics.ts';
import type { Endpoint, GraphDoc, GraphScope } from './doc/schema.ts';
import { freshEdgeId } from './fixes.ts';
import { editableScope, groupPorts, isGroup, scopeAt } from './groups.ts';
import { portsOf } from './node-def.ts';
import type { Registry } from './registry.ts';

export type ConnectResult =
  | {
      readonly ok: true;
      /** The edge as it must be stored (from an output, to an input; swapped if drawn backwards). */
      readonly from: Endpoint;
      readonly to: Endpoint;
      /** Errors the edge introduces that come with a one-click fix (the edge is allowed). */
      readonly fixable: readonly Diagnostic[];
    }
  | { readonly ok: false; readonly code: string; readonly reason: string };

const refuse = (code: string, reason: string): ConnectResult => ({ ok: false, code, reason });

/** A node's input and output port names in declaration order (a group's come from its port nodes). */
export function nodePorts(
  doc: Pick<GraphScope, 'nodes'>,
  registry: Registry,
  nodeId: string,
): { inputs: string[]; outputs: string[] } {
  const rec = Object.hasOwn(doc.nodes, nodeId) ? doc.nodes[nodeId] : undefined;
  const def = rec ? registry.get(rec.type) : undefined;
  if (!rec || !def) return { inputs: [], outputs: [] };
  if (isGroup(rec)) {
    const ports = groupPorts(rec);
    return { inputs: Object.keys(ports.inputs), outputs: Object.keys(ports.outputs) };
  }
  let inputs: Readonly<Record<string, unknown>> = {};
  try {
    inputs = portsOf(def, { ...defaultsOf(def.params), ...rec.params });
  } catch {
    inputs = {};
  }
  return { inputs: Object.keys(inputs), outputs: Object.keys(def.outputs) };
}

function portKinds(doc: GraphScope, registry: Registry, end: Endpoint) {
  const rec = Object.hasOwn(doc.nodes, end.node) ? doc.nodes[end.node] : undefined;
  const def = rec ? registry.get(rec.type) : undefined;
  const ports = nodePorts(doc, registry, end.node);
  return { rec, def, isInput: ports.inputs.includes(end.port), isOutput: ports.outputs.includes(end.port) };
}

function defaultsOf(params: Readonly<Record<string, { default: unknown }>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(params).map(([k, s]) => [k, s.default]));
}

/** True when `to` can reach `from` along edges (so from → to would close a cycle). */
export function reaches(doc: Pick<GraphScope, 'edges'>, start: string, goal: string): boolean {
  const succ = new Map<string, string[]>();
  for (const e of Object.values(doc.edges)) {
    const list = succ.get(e.from.node);
    if (list) list.push(e.to.node);
    else succ.set(e.from.node, [e.to.node]);
  }
  const seen = new Set<string>([start]);
  const stack = [start];
  while (stack.length) {
    const cur = stack.pop()!;
    if (cur === goal) return true;
    for (const n of succ.get(cur) ?? []) {
      if (!seen.has(n)) {
        seen.add(n);
        stack.push(n);
      }
    }
  }
  return false;
}

const errorKey = (d: Diagnostic) => `${d.code}|${d.port ?? ''}|${d.message}`;

/**
 * Can an edge go from `a` to `b`? Checks, in order: both nodes exist and know the ports, one end is
 * an output and the other an input (a backwards drag is swapped), the input is free, no cycle,
 * and — when the types are known — that the target node gains no new error (errors that come
 * with a one-click fix are allowed and returned in `fixable`, so the node shows the fix).
 */
export function canConnect(
  top: GraphDoc,
  registry: Registry,
  a: Endpoint,
  b: Endpoint,
  /** The open group the edge is drawn in ([] = the top level). */
  path: readonly string[] = [],
): ConnectResult {
  const doc = scopeAt(top, path);
  if (!doc) return refuse('connect/missing-node', 'The open group no longer exists.');
  for (const end of [a, b]) {
    if (!Object.hasOwn(doc.nodes, end.node))
      return refuse('connect/missing-node', `There is no node '${end.node}'.`);
    const rec = doc.nodes[end.node]!;
    if (!registry.get(rec.type))
      return refuse(
        'connect/unknown-type',
        `Node '${end.node}' has unknown type '${rec.type}'; replace it before wiring it.`,
      );
  }
  const ka = portKinds(doc, registry, a);
  const kb = portKinds(doc, registry, b);
  let from = a;
  let to = b;
  if (ka.isOutput && kb.isInput) {
    // as drawn
  } else if (ka.isInput && kb.isOutput) {
    from = b;
    to = a;
  } else if (ka.isOutput && kb.isOutput) {
    return refuse(
      'connect/direction',
      `'${a.port}' of '${a.node}' and '${b.port}' of '${b.node}' are both outputs; connect an output to an input.`,
    );
  } else if (ka.isInput && kb.isInput) {
    return refuse(
      'connect/direction',
      `'${a.port}' of '${a.node}' and '${b.port}' of '${b.node}' are both inputs; connect an output to an input.`,
    );
  } else {
    const bad = ka.isInput || ka.isOutput ? b : a;
    return refuse('connect/missing-port', `Node '${bad.node}' has no port '${bad.port}'.`);
  }
  if (from.node === to.node)
    return refuse('connect/cycle', `A node cannot feed itself ('${from.node}' → '${to.node}').`);
  const existing = Object.entries(doc.edges).find(([, e]) => e.to.node === to.node && e.to.port === to.port);
  if (existing) {
    const [id, e] = existing;
    return refuse(
      'connect/input-taken',
      `Input '${to.port}' of '${to.node}' is already connected (edge '${id}' from '${e.from.node}'). An input takes one edge: delete that edge first, or merge with Add or Concatenate.`,
    );
  }
  if (reaches(doc, to.node, from.node))
    return refuse(
      'connect/cycle',
      `Connecting '${from.node}' → '${to.node}' would create a cycle ('${to.node}' already feeds '${from.node}'). Networks here are feed-forward.`,
    );

  // Shape check: analyse the candidate document and compare the target's errors.
  // Inside a group the whole document is analysed and the group's inside compared.
  const before = scopeAnalysis(analyse(top, registry), path);
  const fromInfo = before?.nodes.get(from.node);
  const typesKnown = fromInfo?.ok === true && fromInfo.outputs[from.port] !== undefined;
  if (!before || !typesKnown) return { ok: true, from, to, fixable: [] };
  const candidate = produce(top, (d) => {
    const s = editableScope(d as GraphDoc, path)!;
    s.edges[freshEdgeId(s)] = { from, to };
  });
  const after = scopeAnalysis(analyse(candidate, registry), path);
  if (!after) return { ok: true, from, to, fixable: [] };
  const had = new Set(
    before.diagnostics.filter((d) => d.nodeId === to.node && d.severity === 'error').map(errorKey),
  );
  const introduced = after.diagnostics.filter(
    (d) => d.nodeId === to.node && d.severity === 'error' && !had.has(errorKey(d)),
  );
  const blocking = introduced.filter((d) => !d.fix);
  if (blocking.length > 0) {
    return refuse(
      blocking[0]!.code === 'graph/cycle' ? 'connect/cycle' : 'connect/shape',
      `Cannot connect '${from.node}' → '${to.node}': ${blocking[0]!.message}`,
    );
  }
  return { ok: true, from, to, fixable: introduced };
}

/**
 * The first edge `from` → `to` that `canConnect` accepts: each output of `from` against each free
 * input of `to`, in port order (a Dense's `x`, a loss's `pred` before its `target`). When none fits,
 * the refusal for the first pair says why.
 */
export function findConnection(
  top: GraphDoc,
  registry: Registry,
  fromNode: string,
  toNode: string,
  path: readonly string[] = [],
): ConnectResult {
  const doc = scopeAt(top, path);
  if (!doc) return refuse('connect/missing-node', 'The open group no longer exists.');
  const outs = nodePorts(doc, registry, fromNode).outputs;
  const taken = new Set(
    Object.values(doc.edges)
      .filter((e) => e.to.node === toNode)
      .map((e) => e.to.port),
  );
  const ins = nodePorts(doc, registry, toNode).inputs;
  const free = ins.filter((p) => !taken.has(p));
  if (outs.length === 0)
    return refuse('connect/missing-port', `Node '${fromNode}' has no output to connect.`);
  if (free.length === 0)
    return refuse(
      'connect/input-taken',
      ins.length === 0
        ? `Node '${toNode}' has no input.`
        : `Every input of '${toNode}' is already connected. Delete an edge first, or merge with Add or Concatenate.`,
    );
  let first: ConnectResult | undefined;
  for (const out of outs)
    for (const inp of free) {
      const res = canConnect(top, registry, { node: fromNode, port: out }, { node: toNode, port: inp }, path);
      if (res.ok) return res;
      first ??= res;
    }
  return first!;
}
