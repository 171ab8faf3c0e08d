// Checks of a fit phase (kind 'fit'): it lists nodes, each a node with a closed-form fit (FitSpec),
// at the top level of the graph, with the labels its solve reads; gradient-only fields do not apply.

import type { PhaseRecord } from '../doc/schema.ts';
import type { NodeAnalysis } from './analyse.ts';

type Report = (code: string, field: string, message: string) => void;

/** Node ids (top level) whose type has a closed-form fit. */
export const fitNodeIds = (nodes: ReadonlyMap<string, NodeAnalysis>): string[] =>
  [...nodes.values()].filter((n) => n.def?.fit).map((n) => n.id);

export function checkFitPhase(
  phase: PhaseRecord,
  nodes: ReadonlyMap<string, NodeAnalysis>,
  bad: Report,
): void {
  const fittable = fitNodeIds(nodes);
  const known = fittable.map((id) => `'${id}'`).join(', ') || 'none';
  if (!phase.nodes?.length)
    bad('train/fit-nodes', 'nodes', `a fit phase lists the nodes it fits; add one of ${known}.`);
  for (const id of phase.nodes ?? []) {
    const n = nodes.get(id);
    if (!n)
      bad('train/unknown-node', 'nodes', `there is no node '${id}' to fit (nodes with a fit: ${known}).`);
    else if (!n.def?.fit)
      bad(
        'train/fit-node',
        'nodes',
        `node '${id}' (${n.def?.title ?? n.record.type}) has no closed-form fit; its weights train by gradient in a gradient phase (nodes with a fit: ${known}).`,
      );
  }
  // (overrides apply: a fit reads runtime params, e.g. the SDM index's fitMode.)
  for (const f of ['optimizers', 'lossWeights', 'groups', 'reinit'] as const)
    if (phase[f] !== undefined)
      bad(
        'train/fit-field',
        f,
        `'${f}' does not apply to a fit phase (it sets weights by a closed-form solve); remove it.`,
      );
}

/**
 * A phase's `refits`: gradient phases only; each names a node with a closed-form fit, once, with
 * `every` 'epoch' or a whole number of optimizer steps.
 */
export function checkRefits(phase: PhaseRecord, nodes: ReadonlyMap<string, NodeAnalysis>, bad: Report): void {
  if (!phase.refits?.length) return;
  if (phase.kind === 'fit' || phase.kind === 'copy' || phase.kind === 'refresh') {
    bad(
      'train/fit-field',
      'refits',
      `'refits' re-solve fit nodes during a gradient phase's optimizer steps; a ${phase.kind} phase has none.${phase.kind === 'fit' ? ' List the nodes in nodes instead.' : " Use a fit phase (kind: 'fit') instead."}`,
    );
    return;
  }
  const fittable = fitNodeIds(nodes);
  const known = fittable.map((id) => `'${id}'`).join(', ') || 'none';
  phase.refits.forEach((r, i) => {
    const at = `refits.${i}`;
    const n = nodes.get(r.node);
    if (!n)
      bad(
        'train/unknown-node',
        `${at}.node`,
        `there is no node '${r.node}' to refit (nodes with a fit: ${known}).`,
      );
    else if (!n.def?.fit)
      bad(
        'train/fit-node',
        `${at}.node`,
        `node '${r.node}' (${n.def?.title ?? n.record.type}) has no closed-form fit, so it cannot be refitted (nodes with a fit: ${known}).`,
      );
    const every = r.every ?? 'epoch';
    if (every !== 'epoch' && !(Number.isInteger(every) && every >= 1))
      bad(
        'train/fit-every',
        `${at}.every`,
        `refit of node '${r.node}' has every: ${JSON.stringify(every)}; use 'epoch' or a whole number of optimizer steps N ≥ 1 (refits before steps 0, N, 2N, …).`,
      );
    if (phase.refits!.findIndex((o) => o.node === r.node) !== i)
      bad(
        'train/fit-duplicate',
        `${at}.node`,
        `node '${r.node}' is refitted twice in this phase; keep one refit per node.`,
      );
  });
}
