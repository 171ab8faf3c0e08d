// Analysis: migrate → validate → topo-sort → infer. Pure and total: it never throws; every problem
// becomes a Diagnostic naming the node (and field/port). Per-node results are memoised by record
// identity, so re-analysing after an immer edit only re-infers what changed downstream.

import { describeBinding } from '../datasets/binding.ts';
import { findDataset } from '../datasets/index.ts';
import { sourceType } from '../datasets/sources.ts';
import {
  type Diagnostic,
  errorDiagnostic as error,
  type Fix,
  NodeProblem,
  warningDiagnostic,
} from '../diagnostics.ts';
import { parseGraphText } from '../doc/parse.ts';
import type { EdgeRecord, GraphDoc, GraphScope, NodeRecord, StoreRecord } from '../doc/schema.ts';
import {
  GROUP_INPUT,
  GROUP_OUTPUT,
  GROUP_TYPE,
  groupPorts,
  innerGraph,
  MAX_GROUP_DEPTH,
  portName,
  portNodes,
} from '../groups.ts';
import { type AnyNodeDef, type DataBinding, indexLabelShape, type PortSpecs, portsOf } from '../node-def.ts';
import { resolveParams } from '../params.ts';
import type { Registry } from '../registry.ts';
import { formatShape, type TensorType, tensor } from '../tensor-type.ts';
import { type BudgetNode, budgetDiagnostics, estimateResources, type MemoryBudget } from './budget.ts';
import { checkClassMapHeads } from './class-map.ts';
import { checkTrainingOnly, explainDataPorts } from './data-ports.ts';
import { estimateFlops } from './flops.ts';
import { headDatasets, phaseDiagnostics } from './phases.ts';
import { checkShares } from './share.ts';

export interface NodeAnalysis {
  readonly id: string;
  readonly record: NodeRecord;
  readonly def: AnyNodeDef | undefined;
  /** Params with defaults filled (invalid values replaced by defaults, and reported). */
  readonly params: Readonly<Record<string, unknown>>;
  readonly inputPorts: PortSpecs;
  /** Types on each input port (undefined: unconnected, or upstream failed). */
  readonly inputs: Readonly<Record<string, TensorType | undefined>>;
  /** Where each input comes from: an edge, the dataset labels, or nothing. */
  readonly sources: Readonly<
    Record<string, { edgeId: string; node: string; port: string } | 'labels' | undefined>
  >;
  readonly outputs: Readonly<Record<string, TensorType>>;
  readonly paramCount: number;
  /** Estimated forward FLOPs per sample (0 when unknown). */
  readonly flops: number;
  /** True when this node's outputs are known. */
  readonly ok: boolean;
  /** Output ports (a group's come from its inner graph; other nodes' from their definition). */
  readonly outputPorts: PortSpecs;
  /** A group node's inner graph, analysed with the types on its input ports. */
  readonly inner?: Analysis;
}

export interface Analysis {
  /** The migrated document analysis ran on (undefined when it could not be parsed). */
  readonly doc: GraphDoc | undefined;
  readonly nodes: ReadonlyMap<string, NodeAnalysis>;
  /** Topological order of the nodes that are not in a cycle. */
  readonly order: readonly string[];
  readonly diagnostics: readonly Diagnostic[];
  readonly totalParams: number;
  /** Estimated forward FLOPs per sample of the whole graph (src/core/analysis/flops.ts). */
  readonly totalFlops: number;
  readonly data: DataBinding | undefined;
  /** No error-severity diagnostics. */
  readonly ok: boolean;
}

// ---------------------------------------------------------------------------------------------
// Per-type migrations

function migrateNode(id: string, rec: NodeRecord, def: AnyNodeDef, out: Diagnostic[]): NodeRecord {
  if (rec.v === def.version) return rec;
  if (rec.v > def.version) {
    out.push(
      error(
        'node/newer-version',
        `Node '${id}' (${def.type}) was saved by a newer Netwright (v${rec.v}; this version knows v${def.version}). Update Netwright.`,
        { nodeId: id },
      ),
    );
    return rec;
  }
  let params: Record<string, unknown> = { ...rec.params };
  for (let v = rec.v; v < def.version; v++) {
    const m = def.migrations?.find((x) => x.from === v);
    if (!m) {
      out.push(
        error(
          'node/migration-missing',
          `Node '${id}' (${def.type}) has v${v}, and no migration to v${v + 1} exists.`,
          { nodeId: id },
        ),
      );
      return rec;
    }
    try {
      params = m.up(params);
    } catch (e) {
      out.push(
        error(
          'node/migration-failed',
          `Node '${id}' (${def.type}): upgrading from v${v} failed: ${(e as Error).message}`,
          { nodeId: id },
        ),
      );
      return rec;
    }
  }
  return { ...rec, v: def.version, params };
}

export function migrateNodes<S extends GraphScope>(
  doc: S,
  registry: Registry,
  out: Diagnostic[],
  depth = 0,
): S {
  let changed = false;
  const entries = Object.entries(doc.nodes).map(([id, rec]) => {
    const def = registry.get(rec.type);
    let next = def ? migrateNode(id, rec, def, out) : rec;
    // A group's inner nodes migrate too; their problems are reported on the group.
    if (next.graph && depth < MAX_GROUP_DEPTH) {
      const innerOut: Diagnostic[] = [];
      const inner = migrateNodes(next.graph, registry, innerOut, depth + 1);
      out.push(...innerOut.map((d) => liftDiagnostic(id, next.label ?? id, d)));
      if (inner !== next.graph) next = { ...next, graph: inner };
    }
    if (next !== rec) changed = true;
    return [id, next] as const;
  });
  return changed ? { ...doc, nodes: Object.fromEntries(entries) } : doc;
}

// ---------------------------------------------------------------------------------------------
// Memo: per node record, keyed by its input types and the data binding.

interface MemoEntry {
  readonly id: string;
  readonly def: AnyNodeDef;
  /** Input types by reference, in port order: upstream results are shared, so === suffices. */
  readonly inputs: readonly (TensorType | undefined)[];
  readonly data: DataBinding | undefined;
  readonly outputs: Record<string, TensorType>;
  readonly paramCount: number;
  readonly flops: number;
  readonly diagnostics: Diagnostic[];
}
const inferMemo = new WeakMap<NodeRecord, MemoEntry>();
/**
 * Last outputs inferred per node id. A re-inferred node whose outputs are unchanged hands out the
 * previous objects, so its downstream memo entries still hit by reference (an edit re-infers only
 * the nodes whose input types really changed).
 */
const lastOutputs = new Map<string, { json: string; outputs: Record<string, TensorType> }>();
/** Dataset descriptions by the training.dataset object (immer keeps it while unchanged). */
const bindingMemo = new WeakMap<object, { binding: DataBinding; problems: Diagnostic[] }>();

const sameRefs = (a: readonly unknown[], b: readonly unknown[]): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i]);
const paramMemo = new WeakMap<
  NodeRecord,
  { id: string; def: AnyNodeDef; values: Record<string, unknown>; ports: PortSpecs; problems: Diagnostic[] }
>();

function resolveNodeParams(id: string, rec: NodeRecord, def: AnyNodeDef) {
  const hit = paramMemo.get(rec);
  // The diagnostics name the node, so the id is part of the key (one record object may sit under
  // two ids, e.g. after a duplicate that shares the frozen record).
  if (hit && hit.def === def && hit.id === id) return hit;
  const { values, problems } = resolveParams(def.params, rec.params);
  let ports: PortSpecs = {};
  try {
    ports = portsOf(def, values);
  } catch {
    // A ports function that throws on odd params leaves the node without inputs; the param
    // problems above already say why.
  }
  const entry = {
    id,
    def,
    values,
    ports,
    problems: problems.map((pr) =>
      error(
        'param/invalid',
        `Node '${id}' (${def.title}): '${pr.field}' ${pr.message}.${Object.hasOwn(def.params, pr.field) ? ` ${def.params[pr.field]?.doc ?? ''}` : ''}`.trim(),
        { nodeId: id, field: pr.field },
      ),
    ),
  };
  paramMemo.set(rec, entry);
  return entry;
}

function labelType(def: AnyNodeDef, data: DataBinding): TensorType | undefined {
  const head = def.loss ?? def.metric;
  if (!head) return undefined;
  const { labels } = data;
  if (labels.kind === 'values') return tensor([null, ...labels.shape]);
  if (labels.kind === 'multiLabel') return tensor([null, labels.numLabels]);
  const shape = [null, ...indexLabelShape(labels)];
  return head.target === 'onehot' ? tensor([...shape, labels.numClasses]) : tensor(shape, 'int32');
}

/**
 * A head fed the dataset's labels must read the kind it computes on: a multi-label loss cannot
 * learn from one class index per sample, nor a class loss from label sets.
 */
function labelKindMismatch(id: string, def: AnyNodeDef, data: DataBinding): Diagnostic | undefined {
  const head = def.loss ?? def.metric;
  if (!head) return undefined;
  const labels = data.labels;
  const what = `Node '${id}' (${def.title})`;
  if (head.labels === 'multiLabel' && labels.kind !== 'multiLabel')
    return error(
      'data/label-kind-mismatch',
      `${what} needs multi-label targets (0/1 for each label) in 'target', but dataset '${data.name}' has ${labels.kind === 'class' ? 'class labels (one class per sample)' : 'target values'}. Choose a multi-label dataset (e.g. mlText), or use a class loss such as Sparse categorical cross-entropy.`,
      { nodeId: id, port: 'target' },
    );
  const wantsClass = head.target === 'index' || head.labels === 'class';
  if (wantsClass && labels.kind === 'multiLabel')
    return error(
      'data/label-kind-mismatch',
      `${what} needs one class per sample in 'target', but dataset '${data.name}' has multi-label labels (0/1 for each of ${labels.numLabels} labels). Use a multi-label head on sigmoid outputs instead: Binary cross-entropy or Hybrid multi-label loss, and F1 / Jaccard / Hamming loss as metrics.`,
      { nodeId: id, port: 'target' },
    );
  return undefined;
}

// ---------------------------------------------------------------------------------------------

export interface AnalyseOptions {
  /** Memory the training state must fit in: the machine's (CLI); a browser tab's by default. */
  readonly memory?: MemoryBudget;
}

export function analyseText(text: string, registry: Registry, opts: AnalyseOptions = {}): Analysis {
  const parsed = parseGraphText(text);
  if (!parsed.doc) return emptyAnalysis(parsed.diagnostics);
  return analyse(parsed.doc, registry, opts);
}

/** An analysis of nothing (an unreadable document, or no scope to show), with `diagnostics`. */
export function emptyAnalysis(diagnostics: Diagnostic[]): Analysis {
  return {
    doc: undefined,
    nodes: new Map(),
    order: [],
    diagnostics,
    totalParams: 0,
    totalFlops: 0,
    data: undefined,
    ok: diagnostics.every((d) => d.severity !== 'error'),
  };
}

/** Set when analysing a group's inside: the types on the group's input ports, and the depth. */
interface GroupScope {
  readonly bound: Readonly<Record<string, TensorType | undefined>>;
  readonly depth: number;
}

export function analyse(input: GraphDoc, registry: Registry, opts: AnalyseOptions = {}): Analysis {
  const diagnostics: Diagnostic[] = [];
  try {
    return analyseUnsafe(input, registry, diagnostics, undefined, opts.memory);
  } catch (e) {
    // Analysis is total: a bug here must surface as a diagnostic, never as a crash.
    diagnostics.push(
      error(
        'internal/analysis-failed',
        `Internal error while analysing the graph: ${(e as Error)?.message ?? e}. Please report it.`,
      ),
    );
    return emptyAnalysis(diagnostics);
  }
}

function analyseUnsafe(
  input: GraphDoc,
  registry: Registry,
  diagnostics: Diagnostic[],
  scope: GroupScope | undefined,
  memory?: MemoryBudget,
): Analysis {
  const doc = scope ? input : migrateNodes(input, registry, diagnostics);
  const ids = Object.keys(doc.nodes);

  // Dataset binding (shapes only).
  let data: DataBinding | undefined;
  if (doc.training) {
    const ds = findDataset(doc.training.dataset.name);
    if (!ds) {
      diagnostics.push(
        error('data/unknown-dataset', `Unknown dataset '${doc.training.dataset.name}'.`, {
          field: 'training.dataset.name',
        }),
      );
    } else {
      let memo = bindingMemo.get(doc.training.dataset);
      if (!memo || memo.binding.name !== ds.name) {
        const { values, problems } = resolveParams(ds.params, doc.training.dataset.params);
        // Transforms, augment, subsets and evalSplits: the binding they leave, or what is wrong.
        const bound = describeBinding(doc.training.dataset);
        memo = {
          binding: bound.binding ?? ds.describe(values),
          problems: [
            ...problems.map((pr) =>
              error('data/invalid-param', `Dataset '${ds.name}': '${pr.field}' ${pr.message}.`, {
                field: `training.dataset.params.${pr.field}`,
              }),
            ),
            ...bound.problems
              .slice(problems.length)
              .map((m) =>
                error('data/invalid-binding', `Dataset binding: ${m}`, { field: 'training.dataset' }),
              ),
          ],
        };
        bindingMemo.set(doc.training.dataset, memo);
      }
      diagnostics.push(...memo.problems);
      data = memo.binding;
    }
    const opt = registry.get(doc.training.optimizer.type);
    if (opt?.kind !== 'optimizer') {
      diagnostics.push(
        error(
          'train/unknown-optimizer',
          `Unknown optimizer '${doc.training.optimizer.type}'. Use one of: ${registry
            .all()
            .filter((d) => d.kind === 'optimizer')
            .map((d) => d.type)
            .join(', ')}.`,
          { field: 'training.optimizer.type' },
        ),
      );
    } else {
      for (const pr of resolveParams(opt.params, doc.training.optimizer.params).problems)
        diagnostics.push(
          error('param/invalid', `Optimizer ${opt.title}: '${pr.field}' ${pr.message}.`, {
            field: `training.optimizer.params.${pr.field}`,
          }),
        );
    }
  }

  // Nodes: type and params.
  const defs = new Map<string, AnyNodeDef>();
  const params = new Map<string, Record<string, unknown>>();
  const ports = new Map<string, PortSpecs>();
  const outPorts = new Map<string, PortSpecs>();
  const portNames = new Map<string, string>();
  for (const id of ids) {
    const rec = doc.nodes[id]!;
    const def = registry.get(rec.type);
    if (!def) {
      diagnostics.push(
        error(
          'node/unknown-type',
          `Node '${id}' has unknown type '${rec.type}'. It is kept as a missing node; replace it or install the node type.`,
          { nodeId: id },
        ),
      );
      continue;
    }
    if (def.kind === 'optimizer') {
      diagnostics.push(
        error(
          'node/not-placeable',
          `Node '${id}': ${def.title} is an optimizer; set it in training.optimizer, not as a node.`,
          { nodeId: id },
        ),
      );
      continue;
    }
    const misplaced = scope ? notAllowedInGroup(id, def) : portOutsideGroup(id, def);
    if (misplaced) diagnostics.push(misplaced);
    defs.set(id, def);
    const resolved = resolveNodeParams(id, rec, def);
    diagnostics.push(...resolved.problems);
    params.set(id, resolved.values);
    if (def.type === GROUP_TYPE) {
      const gp = memoGroupPorts(rec);
      ports.set(id, gp.inputs);
      outPorts.set(id, gp.outputs);
    } else {
      ports.set(id, resolved.ports);
      outPorts.set(id, def.outputs);
    }
    if (def.type === GROUP_INPUT || def.type === GROUP_OUTPUT) {
      const name = portName(rec);
      const key = `${def.type}:${name}`;
      const other = portNames.get(key);
      if (other !== undefined)
        diagnostics.push(
          error(
            'group/duplicate-port',
            `Nodes '${other}' and '${id}' are both ${def.title.toLowerCase()}s named '${name}'. Give each port its own name.`,
            { nodeId: id, field: 'name' },
          ),
        );
      else portNames.set(key, id);
    }
  }

  const { incoming, order, diagnostics: wiringDiagnostics } = wire(doc, ids, defs, ports, outPorts);
  diagnostics.push(...wiringDiagnostics);

  // Inference in topological order. A head a phase with its own dataset lists reads that data's labels.
  const headBindings = scope ? new Map<string, DataBinding>() : headDatasets(doc);
  const nodes = new Map<string, NodeAnalysis>();
  let totalParams = 0;
  let totalFlops = 0;
  for (const id of order) {
    const rec = doc.nodes[id]!;
    const def = defs.get(id);
    const nodeParams = params.get(id) ?? {};
    const inputPorts = ports.get(id) ?? {};
    const inputs: Record<string, TensorType | undefined> = {};
    const sources: Record<string, NodeAnalysis['sources'][string]> = {};
    let ready = def !== undefined;
    for (const [port, spec] of Object.entries(inputPorts)) {
      const src = incoming.get(id)?.get(port);
      if (src) {
        sources[port] = src;
        const up = nodes.get(src.node);
        const t = up?.ok ? up.outputs[src.port] : undefined;
        inputs[port] = t;
        if (!t) ready = false; // upstream already reported
        continue;
      }
      const isHeadTarget =
        def !== undefined && port === 'target' && (def.loss !== undefined || def.metric !== undefined);
      const headData = isHeadTarget ? (headBindings.get(id) ?? data) : undefined;
      if (isHeadTarget && headData) {
        const wrongKind = labelKindMismatch(id, def, headData);
        if (wrongKind) {
          ready = false;
          diagnostics.push(wrongKind);
          continue;
        }
        inputs[port] = labelType(def, headData);
        sources[port] = 'labels';
        continue;
      }
      if (!spec.optional || isHeadTarget) {
        ready = false;
        diagnostics.push(
          error(
            'port/unconnected',
            port === 'target' && (def?.loss || def?.metric)
              ? `Node '${id}' (${def.title}): input 'target' is not connected and the graph has no dataset. Connect a target, or choose a dataset in training.`
              : `Node '${id}' (${def?.title ?? rec.type}): required input '${port}' is not connected. Connect it (${spec.doc}).`,
            { nodeId: id, port },
          ),
        );
      }
    }
    let outputs: Record<string, TensorType> = {};
    let paramCount = 0;
    let flops = 0;
    let ok = false;
    let inner: Analysis | undefined;
    if (def?.type === GROUP_TYPE) {
      const res = analyseGroup(id, rec, inputs, registry, data, scope?.depth ?? 0);
      diagnostics.push(...res.diagnostics);
      inner = res.inner;
      paramCount = res.paramCount;
      flops = res.inner.totalFlops;
      if (ready && res.ok) {
        outputs = res.outputs;
        ok = true;
      }
    } else if (def?.type === GROUP_INPUT) {
      // Own keys only: a port named like an Object.prototype member ('__proto__') is no type.
      const port = portName(rec);
      const t = scope && Object.hasOwn(scope.bound, port) ? scope.bound[port] : undefined;
      if (t) {
        outputs = { y: t };
        ok = true;
      }
    } else if (def?.type === GROUP_OUTPUT) {
      ok = ready && scope !== undefined;
    } else if (ready && def) {
      const res = inferNode(id, rec, def, nodeParams, inputs, data);
      diagnostics.push(...res.diagnostics);
      if (res.diagnostics.every((d) => d.severity !== 'error')) {
        outputs = res.outputs;
        paramCount = res.paramCount;
        flops = res.flops;
        ok = true;
      }
    }
    totalParams += paramCount;
    totalFlops += flops;
    nodes.set(id, {
      id,
      record: rec,
      def,
      params: nodeParams,
      inputPorts,
      inputs,
      sources,
      outputs,
      paramCount,
      flops,
      ok,
      outputPorts: outPorts.get(id) ?? {},
      ...(inner ? { inner } : {}),
    });
  }
  // Nodes behind a cycle still appear (unanalysed) so the canvas can mark them.
  for (const id of ids) {
    if (nodes.has(id)) continue;
    nodes.set(id, {
      id,
      record: doc.nodes[id]!,
      def: defs.get(id),
      params: params.get(id) ?? {},
      inputPorts: ports.get(id) ?? {},
      inputs: {},
      sources: {},
      outputs: {},
      paramCount: 0,
      flops: 0,
      ok: false,
      outputPorts: outPorts.get(id) ?? {},
    });
  }

  if (!scope) {
    graphChecks(doc, nodes, data, diagnostics);
    checkTrainingOnly(nodes, data, diagnostics);
    diagnostics.push(...phaseDiagnostics(doc, nodes, registry));
    const titleOf = (id: string) => nodes.get(id)?.def?.title ?? doc.nodes[id]?.type ?? id;
    const est = estimateResources(budgetNodes(order, nodes), doc.training);
    diagnostics.push(...budgetDiagnostics(est, titleOf, memory));
  }
  const shares = checkShares(doc, nodes);
  diagnostics.push(...shares.diagnostics);
  totalParams -= shares.sharedParams;
  checkClassCounts(nodes, data, diagnostics, headBindings);
  checkClassMapHeads(nodes, data, diagnostics);
  addFlattenFixes(nodes, diagnostics);
  explainDataPorts(nodes, data, diagnostics);
  return {
    doc,
    nodes,
    order,
    diagnostics,
    totalParams,
    totalFlops,
    data,
    ok: diagnostics.every((d) => d.severity !== 'error'),
  };
}

/** The budget's view of analysed nodes (budget.ts); a group counts its inner chain's depth. */
function budgetNodes(order: readonly string[], nodes: ReadonlyMap<string, NodeAnalysis>): BudgetNode[] {
  return order.map((id) => {
    const n = nodes.get(id)!;
    const inner = n.inner
      ? estimateResources(budgetNodes(n.inner.order, n.inner.nodes), undefined)
      : undefined;
    return {
      id,
      sources: Object.values(n.sources).flatMap((s) => (s && s !== 'labels' ? [s.node] : [])),
      paramCount: n.paramCount,
      outputShapes: Object.values(n.outputs).map((t) => t.shape),
      depth: inner ? Math.max(1, inner.depth) : 1,
    };
  });
}

type Incoming = Map<string, Map<string, { edgeId: string; node: string; port: string }>>;

interface Wiring {
  /** What the wiring was computed from: node ids with their defs and port specs, by reference. */
  readonly key: readonly unknown[];
  readonly incoming: Incoming;
  readonly order: string[];
  readonly diagnostics: Diagnostic[];
}
/** Wiring by the edges record: a param edit (immer keeps `edges`) skips edges and topo-sort. */
const wiringMemo = new WeakMap<object, Wiring>();

/** Edges → incoming map, then a topological order (Kahn); diagnoses bad edges and cycles. */
function wire(
  doc: GraphDoc,
  ids: readonly string[],
  defs: ReadonlyMap<string, AnyNodeDef>,
  ports: ReadonlyMap<string, PortSpecs>,
  outPorts: ReadonlyMap<string, PortSpecs>,
): Wiring {
  const key = ids.flatMap((id) => [id, defs.get(id), ports.get(id), outPorts.get(id)]);
  const hit = wiringMemo.get(doc.edges);
  if (hit && sameRefs(hit.key, key)) return hit;
  const diagnostics: Diagnostic[] = [];
  const incoming: Incoming = new Map();
  const succ = new Map<string, Set<string>>();
  for (const id of ids) succ.set(id, new Set());
  for (const [edgeId, e] of Object.entries(doc.edges) as [string, EdgeRecord][]) {
    const { from, to } = e;
    const fromDef = defs.get(from.node);
    const toDef = defs.get(to.node);
    const fromExists = Object.hasOwn(doc.nodes, from.node);
    const toExists = Object.hasOwn(doc.nodes, to.node);
    if (!fromExists || !toExists) {
      const missing = [...(fromExists ? [] : [from.node]), ...(toExists ? [] : [to.node])].map(
        (m) => `'${m}'`,
      );
      // nodeId names the edge's existing end (the canvas marks it); none when both ends are gone.
      const existing = fromExists ? from.node : toExists ? to.node : undefined;
      diagnostics.push(
        error(
          'edge/missing-node',
          `Edge '${edgeId}' connects to node ${missing.join(' and ')}, which ${missing.length > 1 ? 'do' : 'does'} not exist. Delete the edge or restore the node.`,
          { edgeId, ...(existing !== undefined ? { nodeId: existing } : {}) },
        ),
      );
      continue;
    }
    const fromPorts = outPorts.get(from.node);
    if (fromDef && fromPorts && !Object.hasOwn(fromPorts, from.port)) {
      diagnostics.push(
        error(
          'edge/missing-port',
          `Edge '${edgeId}': node '${from.node}' (${fromDef.title}) has no output port '${from.port}' (outputs: ${Object.keys(fromPorts).join(', ') || 'none'}).`,
          { edgeId, nodeId: from.node, port: from.port },
        ),
      );
      continue;
    }
    const toPorts = ports.get(to.node);
    if (toDef && toPorts && !Object.hasOwn(toPorts, to.port)) {
      diagnostics.push(
        error(
          'edge/missing-port',
          `Edge '${edgeId}': node '${to.node}' (${toDef.title}) has no input port '${to.port}' (inputs: ${Object.keys(toPorts).join(', ') || 'none'}).`,
          { edgeId, nodeId: to.node, port: to.port },
        ),
      );
      continue;
    }
    let byPort = incoming.get(to.node);
    if (!byPort) {
      byPort = new Map();
      incoming.set(to.node, byPort);
    }
    const prev = byPort.get(to.port);
    if (prev) {
      diagnostics.push(
        error(
          'edge/duplicate-input',
          `Node '${to.node}' input '${to.port}' has two incoming edges ('${prev.edgeId}' and '${edgeId}'). An input takes one edge: delete one, or merge them with Add or Concatenate first.`,
          { edgeId, nodeId: to.node, port: to.port },
        ),
      );
      continue;
    }
    byPort.set(to.port, { edgeId, node: from.node, port: from.port });
    succ.get(from.node)!.add(to.node);
  }

  // Topological sort (Kahn). Nodes left over sit on or behind a cycle.
  const indeg = new Map<string, number>(ids.map((id) => [id, 0]));
  for (const targets of succ.values()) for (const t of targets) indeg.set(t, (indeg.get(t) ?? 0) + 1);
  const queue = ids.filter((id) => indeg.get(id) === 0);
  const order: string[] = [];
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i]!;
    order.push(id);
    for (const t of succ.get(id)!) {
      const d = indeg.get(t)! - 1;
      indeg.set(t, d);
      if (d === 0) queue.push(t);
    }
  }
  if (order.length < ids.length) {
    const stuck = ids.filter((id) => (indeg.get(id) ?? 0) > 0);
    const inCycle = findCycle(stuck, succ);
    diagnostics.push(
      error(
        'graph/cycle',
        `The graph has a cycle: ${inCycle.join(' → ')}. Networks here are feed-forward; remove one of these edges.`,
        {
          nodeId: inCycle[0]!,
        },
      ),
    );
  }

  const wiring: Wiring = { key, incoming, order, diagnostics };
  wiringMemo.set(doc.edges, wiring);
  return wiring;
}

function inferNode(
  id: string,
  rec: NodeRecord,
  def: AnyNodeDef,
  params: Record<string, unknown>,
  inputs: Record<string, TensorType | undefined>,
  data: DataBinding | undefined,
): MemoEntry {
  const inputList = Object.values(inputs);
  const hit = inferMemo.get(rec);
  if (hit && hit.id === id && hit.def === def && hit.data === data && sameRefs(hit.inputs, inputList))
    return hit;
  const diagnostics: Diagnostic[] = [];
  let outputs: Record<string, TensorType> = {};
  let paramCount = 0;
  let flops = 0;
  try {
    outputs = def.infer({ nodeId: id, params, inputs, data });
    const typed = { nodeId: id, params, inputs, outputs };
    paramCount = def.paramCount?.(typed) ?? 0;
    flops = estimateFlops(def, typed, paramCount);
  } catch (e) {
    if (e instanceof NodeProblem) {
      diagnostics.push(
        error(e.code, `Node '${id}' (${def.title}): ${e.message}`, {
          nodeId: id,
          ...(e.where.field ? { field: e.where.field } : {}),
          ...(e.where.port ? { port: e.where.port } : {}),
          ...(e.where.fix ? { fix: e.where.fix } : {}),
        }),
      );
    } else {
      diagnostics.push(
        error(
          'node/internal-error',
          `Node '${id}' (${def.title}): shape inference failed (${(e as Error)?.message ?? e}). Please report it.`,
          { nodeId: id },
        ),
      );
    }
  }
  const json = JSON.stringify(outputs);
  const prev = lastOutputs.get(id);
  if (prev && prev.json === json) outputs = prev.outputs;
  else {
    if (lastOutputs.size > 100_000) lastOutputs.clear(); // bound the cache across many documents
    lastOutputs.set(id, { json, outputs });
  }
  const entry: MemoEntry = { id, def, inputs: inputList, data, outputs, paramCount, flops, diagnostics };
  inferMemo.set(rec, entry);
  return entry;
}

function findCycle(stuck: string[], succ: Map<string, Set<string>>): string[] {
  // Stuck nodes include those merely downstream of a cycle: prune nodes with no stuck successor
  // until every remaining node has one, so the walk below always ends on a cycle.
  const stuckSet = new Set(stuck);
  const pred = new Map<string, string[]>(stuck.map((id) => [id, []]));
  const outdeg = new Map<string, number>();
  for (const id of stuck) {
    const next = [...(succ.get(id) ?? [])].filter((n) => stuckSet.has(n));
    outdeg.set(id, next.length);
    for (const n of next) pred.get(n)!.push(id);
  }
  const sinks = stuck.filter((id) => outdeg.get(id) === 0);
  for (let i = 0; i < sinks.length; i++) {
    const id = sinks[i]!;
    stuckSet.delete(id);
    for (const p of pred.get(id)!) {
      const d = outdeg.get(p)! - 1;
      outdeg.set(p, d);
      if (d === 0) sinks.push(p);
    }
  }
  const start = stuck.find((id) => stuckSet.has(id)) ?? stuck[0]!;
  const path: string[] = [];
  const seenAt = new Map<string, number>();
  let cur: string | undefined = start;
  while (cur !== undefined && !seenAt.has(cur)) {
    seenAt.set(cur, path.length);
    path.push(cur);
    cur = [...(succ.get(cur) ?? [])].find((n) => stuckSet.has(n));
  }
  if (cur === undefined) return [start];
  const cycle = path.slice(seenAt.get(cur));
  return [...cycle, cycle[0]!];
}

function graphChecks(
  doc: GraphDoc,
  nodes: Map<string, NodeAnalysis>,
  data: DataBinding | undefined,
  out: Diagnostic[],
): void {
  const all = [...nodes.values()];
  const inputs = all.filter((n) => n.def?.kind === 'input');
  if (all.length > 0 && inputs.length === 0)
    out.push(
      error(
        'graph/no-input',
        'The graph has no Input node. Add one (io.input) and connect it to the first layer.',
      ),
    );
  // A procedure of fit phases only (Hebbian couplings, closed-form heads) needs no loss.
  const fitOnly = !!doc.training?.phases?.every((p) => p.kind === 'fit');
  if (doc.training && !fitOnly && !all.some((n) => n.def?.kind === 'loss'))
    out.push(
      error(
        'graph/no-loss',
        'The graph has training settings but no loss node. Add a loss (e.g. Categorical cross-entropy) fed by the model output.',
      ),
    );
  if (data) for (const n of inputs) checkInputSource(n, data, out, doc.training?.stores ?? []);
}

/** An Input node against what its Source delivers: a known source, the same shape and dtype. */
function checkInputSource(
  n: NodeAnalysis,
  data: DataBinding,
  out: Diagnostic[],
  stores: readonly StoreRecord[],
): void {
  const source = typeof n.params.source === 'string' ? n.params.source : 'features';
  // `store:<name>`: the batch's rows of a per-sample store (training.stores), [B, width] float32.
  const storeName = source.startsWith('store:') ? source.slice('store:'.length) : undefined;
  const store = stores.find((s) => s.name === storeName);
  if (storeName !== undefined && !store) {
    out.push(
      error(
        'train/store-unknown',
        `Input '${n.id}' reads store '${storeName}', which training.stores does not declare (stores: ${stores.map((s) => `'${s.name}'`).join(', ') || 'none'}); declare it as { name: '${storeName}', width }.`,
        { nodeId: n.id, field: 'source' },
      ),
    );
    return;
  }
  const want = store
    ? { shape: [store.width], dtype: 'float32' as const, label: `store '${store.name}'` }
    : sourceType(source, data);
  if ('error' in want) {
    out.push(
      error('data/unknown-source', `Input '${n.id}': ${want.error}`, { nodeId: n.id, field: 'source' }),
    );
    return;
  }
  const y = n.outputs.y;
  if (!y) return;
  const shape = y.shape.slice(1);
  if (shape.length !== want.shape.length || shape.some((d, i) => d !== want.shape[i]))
    out.push(
      error(
        'data/input-shape-mismatch',
        `Input '${n.id}' has shape ${formatShape([null, ...shape])} but dataset '${data.name}' gives ${formatShape([null, ...want.shape])} for its ${want.label}. Set the input's shape to [${want.shape.join(', ')}].`,
        {
          nodeId: n.id,
          field: 'shape',
          fix: { kind: 'set-param', nodeId: n.id, field: 'shape', value: [...want.shape] },
        },
      ),
    );
  // Features are float32 in memory; an int32 Input over them (token ids) is cast, as before.
  else if (source !== 'features' && y.dtype !== want.dtype)
    out.push(
      error(
        'data/input-dtype-mismatch',
        `Input '${n.id}' is ${y.dtype} but dataset '${data.name}' gives ${want.dtype} for its ${want.label}. Set the input's dtype to ${want.dtype}.`,
        {
          nodeId: n.id,
          field: 'dtype',
          fix: { kind: 'set-param', nodeId: n.id, field: 'dtype', value: want.dtype },
        },
      ),
    );
}

/**
 * Heads fed class indices by the dataset see labels of shape [B], which cannot carry the class
 * count: compare the prediction's last axis with the dataset's number of classes here.
 */
function checkClassCounts(
  nodes: Map<string, NodeAnalysis>,
  docData: DataBinding | undefined,
  out: Diagnostic[],
  headData: ReadonlyMap<string, DataBinding> = new Map(),
): void {
  for (const n of nodes.values()) {
    const data = headData.get(n.id) ?? docData;
    if (data?.labels.kind !== 'class') continue;
    const classes = data.labels.numClasses;
    const head = n.def?.loss ?? n.def?.metric;
    if (head?.target !== 'index' || n.sources.target !== 'labels' || !n.ok) continue;
    const shape = n.inputs.pred?.shape ?? [];
    const last = shape[1];
    if (shape.length === 2 && last !== null && last !== classes) {
      const src = n.sources.pred;
      const fix =
        src && src !== 'labels' && nodes.get(src.node)?.def?.type === 'layers.dense'
          ? { fix: { kind: 'set-param' as const, nodeId: src.node, field: 'units', value: classes } }
          : {};
      out.push(
        error(
          'shape/class-count-mismatch',
          `Node '${n.id}' (${n.def!.title}): the prediction has ${last} classes but dataset '${data.name}' has ${classes}. ${'fix' in fix ? `Set units of '${(src as { node: string }).node}' to ${classes}.` : `Make the model output ${classes} classes.`}`,
          { nodeId: n.id, port: 'pred', ...fix },
        ),
      );
    }
  }
}

/**
 * The classic "forgot Flatten": a loss sees a rank-4 prediction against rank-2 labels because a
 * Dense layer was applied to a feature map. Point at that Dense and offer to insert a Flatten.
 */
function addFlattenFixes(nodes: Map<string, NodeAnalysis>, diagnostics: Diagnostic[]): void {
  for (let i = 0; i < diagnostics.length; i++) {
    const d = diagnostics[i]!;
    if (d.code !== 'shape/loss-target-mismatch' || !d.nodeId || d.fix) continue;
    const head = nodes.get(d.nodeId);
    const pred = head?.sources.pred;
    if (!pred || pred === 'labels') continue;
    let cur = nodes.get(pred.node);
    let fix: Fix | undefined;
    // Walk up single-input chains; remember the earliest Dense that was fed a rank > 2 tensor.
    const seen = new Set<string>();
    while (cur && !seen.has(cur.id)) {
      seen.add(cur.id);
      const x = cur.inputs.x;
      if (cur.def?.type === 'layers.dense' && x && x.shape.length > 2)
        fix = {
          kind: 'insert-node',
          type: 'layers.flatten',
          beforeNode: cur.id,
          port: 'x',
          ...(typeof cur.sources.x === 'object' ? { edgeId: cur.sources.x.edgeId } : {}),
        };
      const src = cur.sources.x;
      cur = src && src !== 'labels' ? nodes.get(src.node) : undefined;
    }
    if (fix && fix.kind === 'insert-node')
      diagnostics[i] = {
        ...d,
        message: `${d.message} Did you forget a Flatten? Insert one before '${fix.beforeNode}'.`,
        fix,
      };
  }
}

// ---------------------------------------------------------------------------------------------
// Groups

const groupPortsMemo = new WeakMap<NodeRecord, ReturnType<typeof groupPorts>>();
function memoGroupPorts(rec: NodeRecord): ReturnType<typeof groupPorts> {
  let hit = groupPortsMemo.get(rec);
  if (!hit) {
    hit = groupPorts(rec);
    groupPortsMemo.set(rec, hit);
  }
  return hit;
}

function portOutsideGroup(id: string, def: AnyNodeDef): Diagnostic | undefined {
  if (def.type !== GROUP_INPUT && def.type !== GROUP_OUTPUT) return undefined;
  return error(
    'group/port-outside',
    `Node '${id}' (${def.title}) only works inside a group. Delete it, or select it with the nodes around it and group them (Ctrl+G).`,
    { nodeId: id },
  );
}

function notAllowedInGroup(id: string, def: AnyNodeDef): Diagnostic | undefined {
  if (def.kind === 'layer' || def.kind === 'group') return undefined;
  return error(
    'group/not-allowed-inside',
    `Node '${id}' (${def.title}) cannot be inside a group: model inputs, outputs, losses and metrics belong to the top level. Move it out, and use Group input / Group output nodes for the group's ports.`,
    { nodeId: id },
  );
}

/** A problem inside group `id` as the group's own: it names the group, keeps the inner node and path. */
function liftDiagnostic(id: string, title: string, d: Diagnostic): Diagnostic {
  return {
    code: d.code,
    severity: d.severity,
    message: `Inside group '${title}': ${d.message}`,
    nodeId: id,
    within: {
      path: [id, ...(d.within?.path ?? [])],
      ...(d.nodeId ? { nodeId: d.within?.nodeId ?? d.nodeId } : {}),
    },
  };
}

interface GroupResult {
  readonly key: readonly unknown[];
  readonly inner: Analysis;
  readonly outputs: Record<string, TensorType>;
  readonly paramCount: number;
  readonly diagnostics: Diagnostic[];
  readonly ok: boolean;
}
/** By group record (immer replaces it when anything inside changes) and the bound input types. */
const groupMemo = new WeakMap<NodeRecord, GroupResult>();

/** Analyses a group's inside with the types on its input ports; lifts its problems to the group. */
function analyseGroup(
  id: string,
  rec: NodeRecord,
  inputs: Readonly<Record<string, TensorType | undefined>>,
  registry: Registry,
  data: DataBinding | undefined,
  depth: number,
): GroupResult {
  const key = [id, data, depth, ...Object.entries(inputs).flat()];
  const hit = groupMemo.get(rec);
  if (hit && sameRefs(hit.key, key)) return hit;
  const title = rec.label ?? id;
  if (depth + 1 > MAX_GROUP_DEPTH) {
    const d = error(
      'group/too-deep',
      `Group '${title}' is nested more than ${MAX_GROUP_DEPTH} levels deep. Ungroup some of the inner groups.`,
      { nodeId: id },
    );
    const inner = emptyAnalysis([d]);
    return { key, inner, outputs: {}, paramCount: 0, diagnostics: [d], ok: false };
  }
  const graph = innerGraph(rec);
  const innerDoc: GraphDoc = {
    format: 'netwright.graph',
    formatVersion: 2,
    meta: { title },
    nodes: graph.nodes,
    edges: graph.edges,
    layout: graph.layout,
  };
  const innerDiagnostics: Diagnostic[] = [];
  const inner = analyseUnsafe(innerDoc, registry, innerDiagnostics, { bound: inputs, depth: depth + 1 });
  const outputs: Record<string, TensorType> = {};
  for (const [outId, r] of portNodes(graph, GROUP_OUTPUT)) {
    const t = inner.nodes.get(outId)?.inputs.x;
    if (t) outputs[portName(r)] = t;
  }
  const diagnostics = inner.diagnostics.map((d) => liftDiagnostic(id, title, d));
  const wanted = Object.keys(memoGroupPorts(rec).outputs);
  // Like a layer whose output nobody reads: allowed (grouping a dead end must not break a graph).
  if (wanted.length === 0)
    diagnostics.push(
      warningDiagnostic(
        'group/no-output',
        `Group '${title}' has no Group output node, so nothing leaves it. Open it and connect a Group output.`,
        { nodeId: id },
      ),
    );
  const result: GroupResult = {
    key,
    inner,
    outputs,
    paramCount: inner.totalParams,
    diagnostics,
    ok: inner.ok && wanted.every((n) => outputs[n] !== undefined),
  };
  groupMemo.set(rec, result);
  return result;
}

/** The analysis of the scope a group path names (the inside of the innermost group). */
export function scopeAnalysis(analysis: Analysis, path: readonly string[]): Analysis | undefined {
  let cur: Analysis | undefined = analysis;
  for (const id of path) cur = cur?.nodes.get(id)?.inner;
  return cur;
}
