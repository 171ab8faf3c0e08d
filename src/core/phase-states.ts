// What one phase does to each node of the lowered model, for the canvas's phase view: a node of a
// group the phase does not train is 'frozen' (no updates, inference mode), a loss or metric outside
// the phase's heads is 'inactive', anything else the phase runs is 'trained'. Inputs and outputs
// (data in and out) get no state: a phase never changes them. The trainer reads the same frozen set.

import type { IRNode, IRPhase, ModelIR } from './ir.ts';

export type PhaseNodeState = 'trained' | 'frozen' | 'inactive';

/** Variable groups of these nodes that the phase does not train (none when it trains all). */
export function frozenGroupsOf(nodes: readonly Pick<IRNode, 'group'>[], phase: IRPhase): ReadonlySet<string> {
  if (!phase.groups.length) return new Set();
  const trained = new Set(phase.groups);
  return new Set(nodes.map((n) => n.group).filter((g) => !trained.has(g)));
}

/** Each model, loss and metric node's state in `phase`, by IR id (`group__inner` inside groups). */
export function phaseNodeStates(
  ir: Pick<ModelIR, 'nodes' | 'losses' | 'metrics'>,
  phase: IRPhase,
): Map<string, PhaseNodeState> {
  const states = new Map<string, PhaseNodeState>();
  const frozen = frozenGroupsOf(ir.nodes, phase);
  for (const n of ir.nodes) {
    if (n.op.kind === 'input' || n.op.kind === 'identity') continue;
    states.set(n.id, frozen.has(n.group) ? 'frozen' : 'trained');
  }
  const active = phase.heads ? new Set(phase.heads) : undefined;
  for (const h of [...ir.losses, ...ir.metrics])
    states.set(h.id, !active || active.has(h.id) ? 'trained' : 'inactive');
  return states;
}

/**
 * The state a card shows for IR id `id`: its own, or for a group node (lowered as
 * `<id>__<inner>` nodes) the liveliest of its inner nodes' — trained if any inner node trains,
 * else frozen, else inactive. Undefined when the phase does not touch it.
 */
export function cardPhaseState(
  states: ReadonlyMap<string, PhaseNodeState>,
  id: string,
): PhaseNodeState | undefined {
  const own = states.get(id);
  if (own) return own;
  const prefix = `${id}__`;
  let found: PhaseNodeState | undefined;
  for (const [k, s] of states) {
    if (!k.startsWith(prefix)) continue;
    if (s === 'trained') return s;
    if (s === 'frozen' || !found) found = s;
  }
  return found;
}
