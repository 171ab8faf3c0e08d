// Lowering: an analysed GraphDoc → ModelIR (plain JSON). Runs only on a graph without errors.

import type { Analysis, NodeAnalysis } from './analysis/analyse.ts';
import { type CompositeStep, type StepInput, stepId } from './composite.ts';
import type { Diagnostic } from './diagnostics.ts';
import { GROUP_INPUT, GROUP_OUTPUT, GROUP_TYPE, portName } from './groups.ts';
import type { IRNode, IRRef, IRTraining, JsonObject, ModelIR } from './ir.ts';
import { resolveParams } from './params.ts';
import { lowerPhases, lowerStores } from './phases.ts';
import type { Registry } from './registry.ts';

export type LowerResult = { ir: ModelIR; diagnostics: [] } | { ir: undefined; diagnostics: Diagnostic[] };

export function lowerGraph(analysis: Analysis, registry: Registry): LowerResult {
  if (!analysis.ok || !analysis.doc)
    return { ir: undefined, diagnostics: analysis.diagnostics.filter((d) => d.severity === 'error') };
  const doc = analysis.doc;
  const sink: Sink = { model: [], losses: [], metrics: [], diagnostics: [] };
  lowerScope(analysis, { prefix: '', bound: new Map(), group: undefined }, sink);
  const { model, losses, metrics, diagnostics } = sink;
  if (diagnostics.length) return { ir: undefined, diagnostics };

  const outputs = new Set<string>();
  for (const head of [...losses, ...metrics])
    for (const r of head.inputs) if ('node' in r) outputs.add(r.node);
  for (const n of model) if (n.op.kind === 'identity') outputs.add(n.id);

  let training: IRTraining | undefined;
  if (doc.training) {
    const t = doc.training;
    const optDef = registry.get(t.optimizer.type)!;
    const optParams = resolveParams(optDef.params, t.optimizer.params).values;
    training = {
      // The binding as declared (transforms, augment, subsets, evalSplits travel with it).
      dataset: { ...t.dataset, params: t.dataset.params as JsonObject } as IRTraining['dataset'],
      optimizer: { type: optDef.type, config: optDef.optimizer!.config(optParams) },
      batchSize: t.batchSize,
      seed: t.seed,
      phases: lowerPhases(t, registry),
      ...(t.stores ? { stores: lowerStores(t)! } : {}),
    };
  }

  const ir: ModelIR = {
    irVersion: 1,
    title: doc.meta.title,
    nodes: model,
    inputs: model.filter((n) => n.op.kind === 'input').map((n) => n.id),
    outputs: model.filter((n) => outputs.has(n.id)).map((n) => n.id),
    losses,
    metrics,
    ...(training ? { training } : {}),
  };
  return { ir, diagnostics: [] };
}

interface Sink {
  readonly model: IRNode[];
  readonly losses: IRNode[];
  readonly metrics: IRNode[];
  readonly diagnostics: Diagnostic[];
}

interface Scope {
  /** Prepended to inner node ids (`<group>__<node>`), so every IR id stays unique. */
  readonly prefix: string;
  /** A group's input port name → what feeds that port outside. */
  readonly bound: ReadonlyMap<string, IRRef>;
  /** Variable group an inner node without its own inherits from its group node. */
  readonly group: string | undefined;
}

/**
 * Lowers one scope in topological order. Groups are spliced in: their inner nodes become IR nodes
 * (ids prefixed), their port nodes vanish, and edges are rewired through them. Returns what each
 * Group output of this scope receives.
 */
function lowerScope(analysis: Analysis, scope: Scope, sink: Sink): Map<string, IRRef> {
  /** `node:port` of this scope → the IR reference it stands for (group outputs, group inputs). */
  const alias = new Map<string, IRRef>();
  const ref = (node: string, port: string): IRRef =>
    alias.get(`${node}:${port}`) ?? { node: scope.prefix + node, port };
  const groupOutputs = new Map<string, IRRef>();

  for (const id of analysis.order) {
    const n = analysis.nodes.get(id)!;
    const def = n.def!;
    const sourceOf = (port: string): IRRef | undefined => {
      const src = n.sources[port];
      if (src === undefined) return undefined;
      if (src === 'labels') {
        const head = def.loss ?? def.metric;
        const labels = analysis.data?.labels;
        // Class indices (per sample or per position) follow the head's target encoding; values and
        // multi-label 0/1 rows are fed as they are.
        const classes = labels?.kind === 'class' || labels?.kind === 'classMap';
        const kind = classes ? (head?.target ?? 'index') : 'values';
        return { labels: kind };
      }
      return ref(src.node, src.port);
    };
    if (def.type === GROUP_INPUT) {
      const outer = scope.bound.get(portName(n.record));
      if (outer) alias.set(`${id}:y`, outer);
      continue;
    }
    if (def.type === GROUP_OUTPUT) {
      const src = sourceOf('x');
      if (src) groupOutputs.set(portName(n.record), src);
      continue;
    }
    if (def.type === GROUP_TYPE && n.inner) {
      const bound = new Map<string, IRRef>();
      for (const port of Object.keys(n.inputPorts)) {
        const src = sourceOf(port);
        if (src) bound.set(port, src);
      }
      const fused = fuseGroup(n, scope.prefix + id, bound, n.record.group ?? scope.group ?? 'main');
      if (fused) {
        sink.model.push(fused.node);
        alias.set(`${id}:${fused.port}`, { node: fused.node.id, port: 'y' });
        continue;
      }
      const outs = lowerScope(
        n.inner,
        { prefix: `${scope.prefix}${id}__`, bound, group: n.record.group ?? scope.group },
        sink,
      );
      for (const [port, r] of outs) alias.set(`${id}:${port}`, r);
      continue;
    }
    const connected = Object.keys(n.inputPorts).flatMap((port) => {
      const src = sourceOf(port);
      return src ? [{ port, src }] : [];
    });
    const inputs: IRRef[] = connected.map((c) => c.src);
    if (!def.lower) {
      sink.diagnostics.push({
        code: 'lower/not-lowerable',
        severity: 'error',
        message: `Node '${id}' (${def.title}) cannot be part of a model.`,
        nodeId: id,
      });
      continue;
    }
    const op = def.lower({ nodeId: id, params: n.params, inputs: n.inputs, outputs: n.outputs });
    const out = Object.values(n.outputs)[0];
    const node: IRNode = {
      id: scope.prefix + id,
      type: def.type,
      op,
      inputs,
      // Heads name their inputs: an unconnected optional port is dropped, so position alone is ambiguous.
      ...(op.kind === 'loss' || op.kind === 'metric' ? { ports: connected.map((c) => c.port) } : {}),
      outputShape: out?.shape ?? [],
      outputDtype: out?.dtype ?? 'float32',
      ...(op.kind === 'kernel' && Object.keys(n.outputs).length > 1
        ? {
            outputPorts: Object.entries(n.outputs).map(([name, t]) => ({
              name,
              shape: t.shape,
              dtype: t.dtype,
            })),
          }
        : {}),
      group: n.record.group ?? scope.group ?? 'main',
      ...(n.record.shareWeights !== undefined ? { weightsFrom: scope.prefix + n.record.shareWeights } : {}),
    };
    if (op.kind === 'loss') sink.losses.push(node);
    else if (op.kind === 'metric') sink.metrics.push(node);
    else sink.model.push(node);
  }
  return groupOutputs;
}

/**
 * A group whose inside is only kernel nodes (one output, no nested groups, one variable group)
 * becomes ONE kernel IR node running the inner kernels in order (src/core/composite.ts).
 * Anything else returns undefined and is spliced node by node.
 */
function fuseGroup(
  group: NodeAnalysis,
  id: string,
  bound: ReadonlyMap<string, IRRef>,
  variableGroup: string,
): { node: IRNode; port: string } | undefined {
  const inner = group.inner!;
  const ports = Object.keys(group.inputPorts);
  const outs = [...inner.nodes.values()].filter((n) => n.def?.type === GROUP_OUTPUT);
  if (outs.length !== 1 || ports.some((p) => !bound.has(p))) return undefined;
  const stepOf = new Map<string, number>();
  const portOf = new Map<string, number>();
  const steps: CompositeStep[] = [];
  const taken = new Set<string>();
  for (const nid of inner.order) {
    const n = inner.nodes.get(nid)!;
    const def = n.def!;
    if (def.type === GROUP_INPUT) {
      portOf.set(nid, ports.indexOf(portName(n.record)));
      continue;
    }
    if (def.type === GROUP_OUTPUT) continue;
    if (
      !def.kernel ||
      def.kernel.callPorts ||
      !def.lower ||
      n.record.shareWeights !== undefined ||
      (n.record.group !== undefined && n.record.group !== variableGroup)
    )
      return undefined;
    const op = def.lower({ nodeId: nid, params: n.params, inputs: n.inputs, outputs: n.outputs });
    if (op.kind !== 'kernel') return undefined;
    const inputs: StepInput[] = [];
    const shapes: (readonly (number | null)[])[] = [];
    for (const port of Object.keys(n.inputPorts)) {
      const src = n.sources[port];
      if (src === undefined) continue;
      if (src === 'labels') return undefined;
      const ref: StepInput | undefined = portOf.has(src.node)
        ? { port: portOf.get(src.node)! }
        : stepOf.has(src.node)
          ? { step: stepOf.get(src.node)! }
          : undefined;
      if (!ref || ('port' in ref && ref.port < 0)) return undefined;
      inputs.push(ref);
      shapes.push(n.inputs[port]?.shape ?? []);
    }
    stepOf.set(nid, steps.length);
    steps.push({ id: stepId(nid, taken), type: def.type, params: op.config, inputs, shapes });
  }
  const out = outs[0]!;
  const src = out.sources.x;
  if (!src || src === 'labels' || !stepOf.has(src.node)) return undefined;
  const shape = out.inputs.x?.shape ?? [];
  const config = { steps, output: stepOf.get(src.node)!, ports, outputShape: shape };
  return {
    port: portName(out.record),
    node: {
      id,
      type: GROUP_TYPE,
      op: { kind: 'kernel', config: config as unknown as JsonObject },
      inputs: ports.map((p) => bound.get(p)!),
      outputShape: shape,
      outputDtype: out.inputs.x?.dtype ?? 'float32',
      group: variableGroup,
    },
  };
}
