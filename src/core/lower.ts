// Lowering: an analysed GraphDoc → ModelIR (plain JSON). Runs only on a graph without errors.

import type { Analysis } from './analysis/analyse.ts';
import type { Diagnostic } from './diagnostics.ts';
import type { IRNode, IRRef, IRStage, IRTraining, JsonObject, ModelIR } from './ir.ts';
import { resolveParams } from './params.ts';
import type { Registry } from './registry.ts';

export type LowerResult = { ir: ModelIR; diagnostics: [] } | { ir: undefined; diagnostics: Diagnostic[] };

export function lowerGraph(analysis: Analysis, registry: Registry): LowerResult {
  if (!analysis.ok || !analysis.doc)
    return { ir: undefined, diagnostics: analysis.diagnostics.filter((d) => d.severity === 'error') };
  const doc = analysis.doc;
  const model: IRNode[] = [];
  const losses: IRNode[] = [];
  const metrics: IRNode[] = [];
  const diagnostics: Diagnostic[] = [];

  for (const id of analysis.order) {
    const n = analysis.nodes.get(id)!;
    const def = n.def!;
    const inputs: IRRef[] = Object.keys(n.inputPorts).flatMap((port): IRRef[] => {
      const src = n.sources[port];
      if (src === undefined) return [];
      if (src === 'labels') {
        const head = def.loss ?? def.metric;
        const kind = analysis.data?.labels.kind === 'class' ? (head?.target ?? 'index') : 'values';
        return [{ labels: kind }];
      }
      return [{ node: src.node, port: src.port }];
    });
    if (!def.lower) {
      diagnostics.push({
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
      id,
      type: def.type,
      op,
      inputs,
      outputShape: out?.shape ?? [],
      outputDtype: out?.dtype ?? 'float32',
      group: n.record.group ?? 'main',
    };
    if (op.kind === 'loss') losses.push(node);
    else if (op.kind === 'metric') metrics.push(node);
    else model.push(node);
  }
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
    const stages: IRStage[] = t.stages?.length
      ? t.stages.map((s) => ({
          name: s.name,
          epochs: s.epochs,
          groups: s.groups ?? [],
          ...(s.learningRate !== undefined ? { learningRate: s.learningRate } : {}),
        }))
      : [{ name: 'train', epochs: t.epochs, groups: [] }];
    training = {
      dataset: { name: t.dataset.name, params: t.dataset.params as JsonObject },
      optimizer: { type: optDef.type, config: optDef.optimizer!.config(optParams) },
      batchSize: t.batchSize,
      seed: t.seed,
      stages,
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
