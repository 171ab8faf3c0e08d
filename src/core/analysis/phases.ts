// Checks a document's training phases against its graph: every name a phase uses (variable groups,
// heads, nodes, optimizers, datasets, runtime params) must exist, so a typo is an error naming the
// phase and field with the fix rather than a phase that silently trains nothing.

import { describeBinding, subsetNames } from '../datasets/binding.ts';
import { findDataset } from '../datasets/index.ts';
import { type Diagnostic, errorDiagnostic as error, warningDiagnostic as warning } from '../diagnostics.ts';
import type { GraphDoc, PhaseRecord } from '../doc/schema.ts';
import type { DataBinding } from '../node-def.ts';
import { checkParam, resolveParams, runtimeParamNames } from '../params.ts';
import { optimizerSettings } from '../phases.ts';
import type { Registry } from '../registry.ts';
import type { NodeAnalysis } from './analyse.ts';
import { checkCopies } from './copies.ts';
import { checkFitPhase, checkRefits } from './fit-phase.ts';
import { checkPhaseStores, checkStoreDecls } from './stores.ts';

/**
 * The data binding each head reads its labels from when a phase with its own dataset lists it in
 * `heads`: a head that only runs on that phase's data (a new 2-class head after a 10-class source
 * phase) is checked against that dataset's labels, not the document's. Heads of no such phase read
 * the document's dataset. The first phase that lists a head decides; a later phase listing it with
 * another class count is reported by phaseDiagnostics.
 */
export function headDatasets(doc: GraphDoc): Map<string, DataBinding> {
  const out = new Map<string, DataBinding>();
  for (const phase of doc.training?.phases ?? []) {
    const spec = phase.data?.dataset;
    if (!spec || !phase.heads) continue;
    const binding = describeBinding(spec).binding;
    if (!binding) continue;
    for (const h of phase.heads) if (!out.has(h)) out.set(h, binding);
  }
  return out;
}

const classesOf = (b: DataBinding | undefined) =>
  b?.labels.kind === 'class' ? b.labels.numClasses : undefined;

/** Every variable group of the graph (groups' insides included; 'main' by default) → holds weights. */
function variableGroups(
  nodes: ReadonlyMap<string, NodeAnalysis>,
  inherited: string | undefined,
  out: Map<string, boolean>,
): Map<string, boolean> {
  for (const n of nodes.values()) {
    const g = n.record.group ?? inherited ?? 'main';
    if (n.inner) variableGroups(n.inner.nodes, n.record.group ?? inherited, out);
    else out.set(g, (out.get(g) ?? false) || n.paramCount > 0);
  }
  return out;
}

const list = (xs: Iterable<string>) => [...xs].map((x) => `'${x}'`).join(', ') || 'none';

export function phaseDiagnostics(
  doc: GraphDoc,
  nodes: ReadonlyMap<string, NodeAnalysis>,
  registry: Registry,
): Diagnostic[] {
  const t = doc.training;
  if (!t?.phases) return [];
  const out: Diagnostic[] = [];
  const weighted = variableGroups(nodes, undefined, new Map());
  const groups = new Set(weighted.keys());
  const kindOf = (id: string) => nodes.get(id)?.def?.kind;
  const losses = [...nodes.keys()].filter((id) => kindOf(id) === 'loss');
  const seen = new Set<string>();
  const headData = headDatasets(doc);
  checkStoreDecls(doc, (code, field, message) => out.push(error(code, message, { field })));
  const refreshed = new Set<string>();
  t.phases.forEach((phase, i) => {
    const at = `training.phases.${i}`;
    const where = `Phase '${phase.name}'`;
    const bad = (code: string, field: string, message: string) =>
      out.push(error(code, `${where}: ${message}`, { field: `${at}.${field}` }));
    const warn = (code: string, field: string, message: string) =>
      out.push(warning(code, `${where}: ${message}`, { field: `${at}.${field}` }));
    if (seen.has(phase.name))
      bad('train/phase-duplicate', 'name', 'another phase has this name; give each phase its own.');
    seen.add(phase.name);
    checkCopies(phase, nodes, bad);
    checkRefits(phase, nodes, bad);
    checkPhaseStores(phase, doc, nodes, refreshed, bad, warn);
    if (phase.kind === 'refresh' && phase.store) refreshed.add(phase.store);
    for (const r of phase.refreshes ?? []) refreshed.add(r.store);
    if (phase.kind === 'copy' || phase.kind === 'refresh') return;
    for (const g of phase.groups ?? [])
      if (!groups.has(g))
        warn(
          'train/unknown-group',
          'groups',
          `no node is in variable group '${g}', so it trains nothing there (groups: ${list(groups)}).`,
        );
    const heads = new Set(
      phase.heads ?? [...nodes.keys()].filter((id) => kindOf(id) === 'loss' || kindOf(id) === 'metric'),
    );
    for (const h of phase.heads ?? [])
      if (kindOf(h) !== 'loss' && kindOf(h) !== 'metric')
        bad('train/unknown-head', 'heads', `'${h}' is not a loss or metric node (losses: ${list(losses)}).`);
    if (phase.kind === 'fit') checkFitPhase(phase, nodes, bad);
    else if (phase.nodes)
      bad('train/fit-nodes', 'nodes', "only a fit phase lists nodes; set kind 'fit' or remove nodes.");
    if (phase.kind !== 'fit' && phase.heads && !phase.heads.some((h) => kindOf(h) === 'loss'))
      bad('train/phase-no-loss', 'heads', `no active loss; add one of ${list(losses)} to its heads.`);
    for (const id of Object.keys(phase.lossWeights ?? {}))
      if (kindOf(id) !== 'loss')
        bad('train/unknown-head', 'lossWeights', `'${id}' is not a loss node (losses: ${list(losses)}).`);
    for (const id of phase.reinit ?? [])
      if (!nodes.has(id)) bad('train/unknown-node', 'reinit', `there is no node '${id}' to re-initialise.`);
    if (phase.data?.dataset && !findDataset(phase.data.dataset.name))
      bad('data/unknown-dataset', 'data.dataset.name', `unknown dataset '${phase.data.dataset.name}'.`);
    else if (phase.data?.dataset) checkPhaseData(phase, doc, nodes, headData, bad);
    const subset = phase.data?.subset;
    if (subset !== undefined) {
      const binding = phase.data?.dataset ?? t.dataset;
      const known = subsetNames(binding);
      if (!known.includes(subset))
        bad(
          'train/unknown-subset',
          'data.subset',
          `'${subset}' is not a subset of dataset '${binding.name}' (its subsets: ${list(known)}); declare it in the dataset binding's subsets or name one of those.`,
        );
    }
    checkOverrides(phase, nodes, bad);
    if (phase.kind !== 'fit') checkOptimizers(phase, t, registry, weighted, heads, bad);
  });
  return out;
}

type Report = (code: string, field: string, message: string) => void;

/**
 * A phase's own dataset must fit the model's inputs (same feature shape as the document's data),
 * and a head it lists must see the class count the head was checked against.
 */
function checkPhaseData(
  phase: PhaseRecord,
  doc: GraphDoc,
  nodes: ReadonlyMap<string, NodeAnalysis>,
  headData: ReadonlyMap<string, DataBinding>,
  bad: Report,
): void {
  const bound = describeBinding(phase.data!.dataset!);
  if (!bound.binding) {
    bad('data/invalid-binding', 'data.dataset', `dataset binding: ${bound.problems.join('; ')}`);
    return;
  }
  const own = bound.binding;
  const main = doc.training ? describeBinding(doc.training.dataset).binding : undefined;
  const shape = (s: readonly number[]) => s.join('×');
  if (main && shape(own.featureShape) !== shape(main.featureShape))
    bad(
      'data/phase-shape-mismatch',
      'data.dataset',
      `its dataset gives features ${shape(own.featureShape)} but the model's input reads ${shape(main.featureShape)} (training.dataset); transform it to the same shape (e.g. a 'pool' transform).`,
    );
  for (const h of phase.heads ?? []) {
    const want = classesOf(headData.get(h));
    const have = classesOf(own);
    if (nodes.has(h) && want !== undefined && have !== undefined && want !== have)
      bad(
        'shape/class-count-mismatch',
        'heads',
        `head '${h}' was checked against ${want} classes (an earlier phase's dataset) but this phase's dataset has ${have}; give this phase its own head.`,
      );
  }
}

function checkOverrides(phase: PhaseRecord, nodes: ReadonlyMap<string, NodeAnalysis>, bad: Report): void {
  for (const [id, values] of Object.entries(phase.overrides ?? {})) {
    const def = nodes.get(id)?.def;
    if (!def) {
      bad('train/unknown-node', `overrides.${id}`, `there is no node '${id}' to override.`);
      continue;
    }
    for (const [k, v] of Object.entries(values)) {
      const spec = Object.hasOwn(def.params, k) ? def.params[k] : undefined;
      if (!spec?.runtime || !def.kernel) {
        bad(
          'train/not-runtime',
          `overrides.${id}.${k}`,
          `'${k}' of node '${id}' (${def.title}) cannot change during training; its runtime params: ${runtimeParamNames(def) || 'none'}.`,
        );
        continue;
      }
      const problem = checkParam(spec, v);
      if (problem) bad('param/invalid', `overrides.${id}.${k}`, `node '${id}' '${k}' ${problem}.`);
    }
  }
}

function checkOptimizers(
  phase: PhaseRecord,
  t: NonNullable<GraphDoc['training']>,
  registry: Registry,
  weighted: ReadonlyMap<string, boolean>,
  heads: ReadonlySet<string>,
  bad: Report,
): void {
  const trained = phase.groups?.length ? phase.groups : [...weighted.keys()];
  const owner = new Map<string, string>();
  const ids = new Set<string>();
  (phase.optimizers ?? []).forEach((g, j) => {
    const f = `optimizers.${j}`;
    if (ids.has(g.id)) bad('train/optimizer-duplicate', `${f}.id`, `two optimizer groups have id '${g.id}'.`);
    ids.add(g.id);
    const { type, params } = optimizerSettings(t, g);
    const def = registry.get(type);
    if (def?.kind !== 'optimizer')
      bad('train/unknown-optimizer', `${f}.type`, `unknown optimizer '${type}'.`);
    else
      for (const pr of resolveParams(def.params, params).problems)
        bad('param/invalid', `${f}.params.${pr.field}`, `optimizer '${g.id}': '${pr.field}' ${pr.message}.`);
    for (const vg of g.groups?.length ? g.groups : trained) {
      if (!trained.includes(vg))
        bad(
          'train/optimizer-group',
          `${f}.groups`,
          `optimizer '${g.id}' updates group '${vg}', which the phase does not train (it trains ${list(trained)}).`,
        );
      else if (owner.has(vg))
        bad(
          'train/optimizer-overlap',
          `${f}.groups`,
          `group '${vg}' is in optimizers '${owner.get(vg)}' and '${g.id}'; give each group one optimizer.`,
        );
      else owner.set(vg, g.id);
    }
    const s = g.lrScale;
    if (s !== undefined && typeof s !== 'number') {
      if (!heads.has(s.metric))
        bad(
          'train/unknown-head',
          `${f}.lrScale.metric`,
          `lrScale reads '${s.metric}', which is not an active metric node of this phase.`,
        );
      if (s.min > s.max)
        bad('train/invalid-range', `${f}.lrScale`, `lrScale min ${s.min} is above max ${s.max}.`);
    }
  });
  if (phase.optimizers?.length)
    for (const vg of trained)
      if (!owner.has(vg) && weighted.get(vg))
        bad(
          'train/optimizer-missing',
          'optimizers',
          `group '${vg}' is trained but no optimizer group updates it; add it to one.`,
        );
}
