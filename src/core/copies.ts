// Weight copies between variable groups (W3): a copy phase (`kind: 'copy'`, a frozen teacher taken
// once) and EMA copies during a gradient phase (`copies`, BYOL/MYOW target networks). Pure: which
// weights pair up, the checks analysis reports, and the chip text the canvas shows. The trainer
// (src/trainer/copy-runtime.ts) and the TypeScript exporter apply the same pairing.

import type { PhaseRecord } from './doc/schema.ts';
import type { IRSchedule } from './ir.ts';

/** One weight of a group, in node order (the order of the graph's nodes, then of the layer's weights). */
export interface WeightInfo {
  readonly node: string;
  readonly shape: readonly number[];
}

export type Pairing =
  | { readonly ok: true; readonly pairs: readonly (readonly [number, number])[] }
  | { readonly ok: false; readonly message: string };

const shapeText = (s: readonly number[]) => `[${s.join(', ')}]`;
const sameShape = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((d, i) => d === b[i]);

/**
 * Pairs the weights of group `from` with those of group `to`: the i-th weight of one with the i-th
 * of the other, which must have the same shape. The message (train/copy-mismatch) names the first
 * pair of nodes and shapes that differ, or the counts.
 */
export function pairWeights(
  fromGroup: string,
  toGroup: string,
  from: readonly WeightInfo[],
  to: readonly WeightInfo[],
): Pairing {
  const n = Math.min(from.length, to.length);
  for (let i = 0; i < n; i++) {
    const a = from[i]!;
    const b = to[i]!;
    if (!sameShape(a.shape, b.shape))
      return {
        ok: false,
        message: `weight ${i + 1} of group '${fromGroup}' (node '${a.node}', shape ${shapeText(a.shape)}) does not match weight ${i + 1} of group '${toGroup}' (node '${b.node}', shape ${shapeText(b.shape)}); the groups' nodes must pair up in order with equal shapes.`,
      };
  }
  if (from.length !== to.length || from.length === 0)
    return {
      ok: false,
      message: `group '${fromGroup}' has ${from.length} weights (${nodesOf(from)}) and group '${toGroup}' has ${to.length} (${nodesOf(to)}); a copy needs the same layers, in the same order, in both.`,
    };
  return { ok: true, pairs: from.map((_, i) => [i, i] as const) };
}

const nodesOf = (ws: readonly WeightInfo[]) =>
  [...new Set(ws.map((w) => `'${w.node}'`))].join(', ') || 'no nodes';

/** θ_to ← τ θ_to + (1 − τ) θ_from, elementwise (the reference the runtime is tested against). */
export function emaStep(to: Float64Array, from: Float64Array, tau: number): void {
  for (let i = 0; i < to.length; i++) to[i] = tau * to[i]! + (1 - tau) * from[i]!;
}

/** The schedule as the canvas writes it: "0.99", "0.99→1", "0.99→1 (cosine)". */
export function scheduleText(s: IRSchedule): string {
  if (typeof s === 'number') return `${s}`;
  return `${s.from}→${s.to}${s.curve === 'cosine' ? ' (cosine)' : ''}`;
}

/** The chips a target group shows on the canvas, from the document's phases. */
export function copyChips(phases: readonly PhaseRecord[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const add = (g: string, text: string) => out.set(g, [...(out.get(g) ?? []), text]);
  for (const p of phases) {
    if (p.kind === 'copy' && p.from && p.to) add(p.to, `copy of ${p.from} (phase ${p.name})`);
    for (const c of p.copies ?? []) add(c.to, `EMA copy of ${c.from}, τ ${scheduleText(c.tau)}`);
  }
  return out;
}

/** Groups a gradient phase trains with its optimizers (all groups when it names none). */
export function trainedGroups(p: PhaseRecord, all: readonly string[]): Set<string> {
  const own = p.groups?.length ? p.groups : all;
  const set = new Set(own);
  for (const o of p.optimizers ?? []) for (const g of o.groups ?? []) set.add(g);
  return set;
}
