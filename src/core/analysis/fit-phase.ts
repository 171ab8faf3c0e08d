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
  for (const f of ['optimizers', 'lossWeights', 'groups', 'overrides', 'reinit'] as const)
    if (phase[f] !== undefined)
      bad(
        'train/fit-field',
        f,
        `'${f}' does not apply to a fit phase (it sets weights by a closed-form solve); remove it.`,
      );
}
