// Checks a procedure's weight copies (src/core/copies.ts): copy phases and gradient phases' EMA
// copies name existing variable groups, the target is not trained by the phase (its weights would
// move twice), and the two groups' layers pair up in node order with equal parameter counts
// (train/copy-mismatch; the trainer checks exact shapes again when it binds the weights).

import { trainedGroups } from '../copies.ts';
import type { PhaseRecord } from '../doc/schema.ts';
import type { NodeAnalysis } from './analyse.ts';

type Report = (code: string, field: string, message: string) => void;

/** Nodes holding weights, by variable group, in node order (groups' insides included). */
export function weightedNodesByGroup(
  nodes: ReadonlyMap<string, NodeAnalysis>,
  inherited: string | undefined = undefined,
  out: Map<string, NodeAnalysis[]> = new Map(),
): Map<string, NodeAnalysis[]> {
  for (const n of nodes.values()) {
    const g = n.record.group ?? inherited ?? 'main';
    if (n.inner) weightedNodesByGroup(n.inner.nodes, n.record.group ?? inherited, out);
    else if (n.paramCount > 0) out.set(g, [...(out.get(g) ?? []), n]);
  }
  return out;
}

const list = (xs: Iterable<string>) => [...xs].map((x) => `'${x}'`).join(', ') || 'none';

function checkPair(
  from: string,
  to: string,
  byGroup: ReadonlyMap<string, NodeAnalysis[]>,
  field: string,
  bad: Report,
): void {
  const known = [...byGroup.keys()];
  for (const [g, f] of [
    [from, `${field}.from`],
    [to, `${field}.to`],
  ] as const)
    if (!byGroup.has(g)) {
      bad(
        'train/unknown-group',
        f,
        `no node with weights is in variable group '${g}' (groups: ${list(known)}).`,
      );
      return;
    }
  if (from === to) {
    bad(
      'train/copy-mismatch',
      `${field}.to`,
      `copies group '${from}' onto itself; name another group as 'to'.`,
    );
    return;
  }
  const a = byGroup.get(from)!;
  const b = byGroup.get(to)!;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++)
    if (a[i]!.paramCount !== b[i]!.paramCount) {
      bad(
        'train/copy-mismatch',
        field,
        `node '${a[i]!.id}' of group '${from}' (${a[i]!.paramCount} weights) does not match node '${b[i]!.id}' of group '${to}' (${b[i]!.paramCount} weights); the groups' layers must pair up in node order with equal shapes.`,
      );
      return;
    }
  if (a.length !== b.length)
    bad(
      'train/copy-mismatch',
      field,
      `group '${from}' has ${a.length} layers with weights (${list(a.map((x) => x.id))}) and group '${to}' has ${b.length} (${list(b.map((x) => x.id))}); give both the same layers in the same order.`,
    );
}

export function checkCopies(phase: PhaseRecord, nodes: ReadonlyMap<string, NodeAnalysis>, bad: Report): void {
  const byGroup = weightedNodesByGroup(nodes);
  if (phase.kind === 'copy') {
    if (phase.from && phase.to) checkPair(phase.from, phase.to, byGroup, 'from', bad);
    return;
  }
  const trained = trainedGroups(phase, [...byGroup.keys()]);
  (phase.copies ?? []).forEach((c, j) => {
    const field = `copies.${j}`;
    checkPair(c.from, c.to, byGroup, field, bad);
    if (trained.has(c.to))
      bad(
        'train/copy-target-trained',
        `${field}.to`,
        `EMA target group '${c.to}' is also trained by this phase (its groups/optimizers${phase.groups?.length ? '' : ': all groups when none are listed'}); list only the online groups in 'groups' so '${c.to}' moves by the EMA alone.`,
      );
    const taus = typeof c.tau === 'number' ? [c.tau] : [c.tau.from, c.tau.to];
    if (taus.some((t) => t < 0 || t > 1))
      bad(
        'train/copy-tau',
        `${field}.tau`,
        `τ must lie in [0, 1] (1 keeps the target, 0 copies the online weights); got ${taus.join(', ')}.`,
      );
  });
}
