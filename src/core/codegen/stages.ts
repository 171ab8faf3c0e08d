// The phases the exporters print. Both print the "stage" form (name, epochs, trained groups, one
// fresh optimizer of the graph's type with its own learning rate; frozen groups in inference mode).
// The TypeScript exporter also prints full phases (heads, loss-weight schedules, optimizer groups
// kept by id with clipping and lr scaling, own data and batch size, runtime overrides,
// re-initialisation) while every
// optimizer group is of the graph's optimizer type. Anything else is refused by name, so exported
// code never trains differently.

import type { IRPhase, IRTraining, JsonObject } from '../ir.ts';
import { PhaseRefusal } from './print.ts';

export interface ExportStage {
  readonly name: string;
  readonly epochs: number;
  /** Trained variable groups; every group when empty. */
  readonly groups: readonly string[];
  readonly learningRate: number;
}

const lrOf = (c: JsonObject): number => (typeof c.learningRate === 'number' ? c.learningRate : 0.001);

const sameBesidesRate = (a: JsonObject, b: JsonObject): boolean => {
  const strip = ({ learningRate: _, ...rest }: JsonObject) => JSON.stringify(Object.entries(rest).sort());
  return strip(a) === strip(b);
};

/** A fit phase (closed-form weights): no exporter prints its solve yet. */
const FIT = (p: IRPhase) =>
  `a closed-form fit of ${(p.fit ?? []).map((id) => `'${id}'`).join(', ')} (phase kind 'fit')`;

/** A refresh phase (a per-sample store written by an inference pass): no exporter prints stores yet. */
const REFRESH = (p: IRPhase) =>
  `a per-sample store refresh (store '${p.refresh?.store}' from node '${p.refresh?.from}')`;

/** Stores refreshed inside a gradient phase (`refreshes`): not printed either. */
const REFRESHES = (p: IRPhase): string | undefined =>
  p.refreshes?.length
    ? `per-sample store refreshes during training (${p.refreshes
        .map(
          (r) =>
            `store '${r.store}' from node '${r.from}' every ${r.every === 'epoch' ? 'epoch' : `${r.every} steps`}`,
        )
        .join('; ')})`
    : undefined;

/** Fit nodes re-solved inside a gradient phase (`refits`): no exporter prints a solve yet. */
const REFITS = (p: IRPhase): string | undefined =>
  p.refits?.length
    ? `closed-form refits during training (${p.refits
        .map((r) => `node '${r.node}' every ${r.every === 'epoch' ? 'epoch' : `${r.every} steps`}`)
        .join('; ')})`
    : undefined;

/** Score-weighted or fractional epochs: no exporter prints the sampler yet. */
const sampled = (p: IRPhase): string | undefined =>
  p.data?.weights
    ? `epochs drawn by score from store '${p.data.weights.store}' (data.weights)`
    : p.data?.fractions
      ? 'a data size per epoch (data.fractions)'
      : undefined;

/** The node a fit or refresh phase's refusal names (its first fit node, or the refreshed-from node). */
const fitNode = (p: IRPhase): string | undefined =>
  p.kind === 'fit'
    ? p.fit?.[0]
    : p.kind === 'refresh'
      ? p.refresh?.from
      : p.refreshes?.length
        ? p.refreshes[0]!.from.split(':')[0]
        : p.refits?.length
          ? p.refits[0]!.node
          : undefined;

/** What in a phase the exporters cannot print (undefined when it is a plain stage). */
function unsupported(p: IRPhase, t: IRTraining, earlierIds: ReadonlySet<string>): string | undefined {
  if (p.kind === 'fit') return FIT(p);
  if (p.kind === 'refresh') return REFRESH(p);
  if (REFRESHES(p)) return REFRESHES(p);
  if (REFITS(p)) return REFITS(p);
  if (sampled(p)) return sampled(p);
  if (p.kind === 'copy') return `a weight copy (group '${p.copy?.from}' onto '${p.copy?.to}')`;
  if (p.copies?.length)
    return `EMA copies after every step (onto ${p.copies.map((c) => `'${c.to}'`).join(', ')})`;
  if (p.heads) return 'active heads';
  if (p.overrides) return 'runtime overrides';
  if (p.lossWeights) return 'loss-weight schedules';
  if (p.reinit) return 're-initialisation';
  if (p.data?.dataset || p.data?.subset || p.data?.sizes) return 'its own data view';
  if (p.data?.batchSize !== undefined && p.data.batchSize !== t.batchSize) return 'its own batch size';
  if (p.optimizers.length !== 1) return 'several optimizer groups';
  const g = p.optimizers[0]!;
  if (g.groups.length) return 'an optimizer group over named groups';
  if (g.clipNorm !== undefined) return 'gradient clipping';
  if (g.lrScale !== undefined) return 'learning-rate scaling';
  if (earlierIds.has(g.id)) return `optimizer state kept from an earlier phase (id '${g.id}')`;
  if (g.type !== t.optimizer.type || !sameBesidesRate(g.config, t.optimizer.config))
    return 'an optimizer other than the graph’s';
  return undefined;
}

/**
 * The training-row range [from, to) of a phase's `data.subset` when its binding declares it as
 * `rows` (what the exporter prints); undefined for no subset or one of classes / a field value.
 */
export function subsetRowRange(p: IRPhase, t: IRTraining): readonly [number, number] | undefined {
  const name = p.data?.subset;
  if (name === undefined) return undefined;
  const s = ((p.data?.dataset ?? t.dataset).subsets ?? []).find((x) => x.name === name);
  const rows = s?.rows;
  return Array.isArray(rows) && rows.length === 2 ? [Number(rows[0]), Number(rows[1])] : undefined;
}

/** Why the TypeScript exporter's full-phase train() cannot print a phase (undefined when it can). */
function unprintablePhase(p: IRPhase, t: IRTraining): string | undefined {
  if (p.kind === 'fit') return FIT(p);
  if (p.kind === 'refresh') return REFRESH(p);
  if (REFRESHES(p)) return REFRESHES(p);
  if (REFITS(p)) return REFITS(p);
  if (sampled(p)) return sampled(p);
  if (p.data?.subset !== undefined && !subsetRowRange(p, t))
    return `data subset '${p.data.subset}', which selects rows by class or field value (only rows: [from, to] subsets are printed)`;
  for (const g of p.optimizers)
    if (g.type !== t.optimizer.type || !sameBesidesRate(g.config, t.optimizer.config))
      return `an optimizer other than the graph’s (group '${g.id}')`;
  return undefined;
}

/** The procedure the TypeScript exporter prints: stages when every phase is one, else full phases. */
export type ExportProcedure =
  | { readonly kind: 'stages'; readonly stages: ExportStage[] }
  | { readonly kind: 'phases'; readonly phases: readonly IRPhase[] };

export function exportProcedure(t: IRTraining): ExportProcedure {
  const ids = new Set<string>();
  const stageLike = t.phases.every((p) => {
    const why = unsupported(p, t, ids);
    for (const g of p.optimizers) ids.add(g.id);
    return why === undefined;
  });
  if (stageLike) return { kind: 'stages', stages: exportStages(t, 'TypeScript') };
  for (const p of t.phases) {
    const why = unprintablePhase(p, t);
    if (why)
      throw new PhaseRefusal(
        `export/unsupported: phase '${p.name}' uses ${why}; the TypeScript exporter prints phases whose optimizer groups share the graph's optimizer type and whose data subsets are row ranges. Train it in the app or with 'netwright train'.`,
        fitNode(p),
      );
  }
  return { kind: 'phases', phases: t.phases };
}

/** Learning rate of an optimizer config (tfjs's default 0.001 when absent). */
export const exportedRate = lrOf;

/**
 * The procedure as stages, or a PhaseRefusal (a CodegenError) `export/unsupported: phase '<name>' uses <what>`.
 * `target` names the exporter in the message.
 */
export function exportStages(t: IRTraining, target: string): ExportStage[] {
  const ids = new Set<string>();
  return t.phases.map((p) => {
    const why = unsupported(p, t, ids);
    if (why)
      throw new PhaseRefusal(
        `export/unsupported: phase '${p.name}' uses ${why}; the ${target} exporter prints phases of epochs, trained groups and one fresh optimizer each. Train it in the app or with 'netwright train'.`,
        fitNode(p),
      );
    for (const g of p.optimizers) ids.add(g.id);
    return { name: p.name, epochs: p.epochs, groups: p.groups, learningRate: lrOf(p.optimizers[0]!.config) };
  });
}
