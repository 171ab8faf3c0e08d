// A document's training procedure → the IR's phases (schema.ts documents the phase shape). Resolves
// defaults so the trainer and the exporters read one explicit form: every phase lists its optimizer
// groups (a fresh one with id `#<n>` when the document names none) with resolved configs.

import type { OptimizerGroupRecord, PhaseRecord, TrainingConfig } from './doc/schema.ts';
import type { IROptimizerGroup, IRPhase, IRStore, JsonObject } from './ir.ts';
import { resolveParams } from './params.ts';
import type { Registry } from './registry.ts';

/** The phases of a training config: its own, or one implicit phase of `epochs` over every group. */
export const phasesOf = (t: TrainingConfig): readonly PhaseRecord[] =>
  t.phases ?? [{ name: 'train', kind: 'gradient', epochs: t.epochs }];

/** The optimizer type and params an optimizer group uses (the graph's optimizer underneath). */
export function optimizerSettings(
  t: TrainingConfig,
  g: Pick<OptimizerGroupRecord, 'type' | 'params'>,
): { type: string; params: Record<string, unknown> } {
  const type = g.type ?? t.optimizer.type;
  const base = type === t.optimizer.type ? t.optimizer.params : {};
  return { type, params: { ...base, ...(g.params ?? {}) } };
}

/** The id of the fresh optimizer a phase without optimizer groups gets (not a valid node id). */
export const implicitOptimizerId = (phaseIndex: number): string => `#${phaseIndex + 1}`;

function lowerOptimizer(t: TrainingConfig, g: OptimizerGroupRecord, registry: Registry): IROptimizerGroup {
  const { type, params } = optimizerSettings(t, g);
  const def = registry.get(type)!;
  return {
    id: g.id,
    groups: g.groups ?? [],
    type: def.type,
    config: def.optimizer!.config(resolveParams(def.params, params).values),
    ...(g.clipNorm !== undefined ? { clipNorm: g.clipNorm } : {}),
    ...(g.lrScale !== undefined ? { lrScale: g.lrScale } : {}),
  };
}

/** Lowers the procedure. Runs after analysis accepted it (known optimizers, valid params). */
export function lowerPhases(t: TrainingConfig, registry: Registry): IRPhase[] {
  return phasesOf(t).map((p, i): IRPhase => {
    if (p.kind === 'fit')
      return {
        name: p.name,
        kind: 'fit',
        epochs: 1,
        groups: [],
        fit: p.nodes ?? [],
        ...(p.heads ? { heads: p.heads } : {}),
        ...(p.data ? { data: p.data as NonNullable<IRPhase['data']> } : {}),
        ...(p.overrides ? { overrides: p.overrides as Record<string, JsonObject> } : {}),
        optimizers: [],
      };
    if (p.kind === 'copy')
      return {
        name: p.name,
        kind: 'copy',
        epochs: 0,
        groups: [],
        optimizers: [],
        copy: { from: p.from!, to: p.to! },
      };
    if (p.kind === 'refresh')
      return {
        name: p.name,
        kind: 'refresh',
        epochs: 0,
        groups: [],
        optimizers: [],
        refresh: { store: p.store!, from: p.from! },
        ...(p.data ? { data: p.data as NonNullable<IRPhase['data']> } : {}),
      };
    const groups: readonly OptimizerGroupRecord[] = p.optimizers?.length
      ? p.optimizers
      : [{ id: implicitOptimizerId(i) }];
    return {
      name: p.name,
      kind: p.kind,
      epochs: p.epochs,
      groups: p.groups ?? [],
      ...(p.heads ? { heads: p.heads } : {}),
      ...(p.data ? { data: p.data as NonNullable<IRPhase['data']> } : {}),
      ...(p.overrides ? { overrides: p.overrides as Record<string, JsonObject> } : {}),
      optimizers: groups.map((g) => lowerOptimizer(t, g, registry)),
      ...(p.lossWeights ? { lossWeights: p.lossWeights } : {}),
      ...(p.reinit ? { reinit: p.reinit } : {}),
      ...(p.copies?.length ? { copies: p.copies } : {}),
      ...(p.refreshes?.length
        ? { refreshes: p.refreshes.map((r) => ({ store: r.store, from: r.from, every: r.every ?? 'epoch' })) }
        : {}),
      ...(p.refits?.length
        ? { refits: p.refits.map((r) => ({ node: r.node, every: r.every ?? 'epoch' })) }
        : {}),
    };
  });
}

/** The document's stores with defaults resolved (init 0); undefined when it declares none. */
export const lowerStores = (t: TrainingConfig): IRStore[] | undefined =>
  t.stores?.map((s) => ({
    name: s.name,
    width: s.width,
    init: s.init ?? 0,
    ...(s.transform ? { transform: s.transform } : {}),
  }));

/** A phase's optimizer group the document did not name (lowering's fresh default). */
export const isImplicitOptimizer = (g: IROptimizerGroup): boolean => g.id.startsWith('#');

/**
 * The procedure with another default optimizer (the Train panel's choice): the graph's optimizer
 * and every implicit group change; groups the document names keep their own settings.
 */
export function withDefaultOptimizer(
  phases: readonly IRPhase[],
  optimizer: { readonly type: string; readonly config: JsonObject },
): IRPhase[] {
  return phases.map((p) => ({
    ...p,
    optimizers: p.optimizers.map((g) =>
      isImplicitOptimizer(g) ? { ...g, type: optimizer.type, config: optimizer.config } : g,
    ),
  }));
}
