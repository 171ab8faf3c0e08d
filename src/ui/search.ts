// Fuzzy node search for the palette and the double-click quick-add box. Every term must match;
// a term scores by where it matches: exact title > exact type name > prefix > substring > summary >
// letters in order.
import { GROUP_INPUT, GROUP_OUTPUT } from '../core/groups.ts';
import { type AnyNodeDef, familyOf } from '../core/node-def.ts';

/** Node types a user places on the canvas (optimizers live in the training settings). */
export const placeable = (def: AnyNodeDef): boolean => def.kind !== 'optimizer';

/** Placeable where the user is: a group's port nodes only inside a group (outside they are an error). */
export const usableIn = (def: AnyNodeDef, inGroup: boolean): boolean =>
  placeable(def) && (inGroup || (def.type !== GROUP_INPUT && def.type !== GROUP_OUTPUT));

function subsequence(term: string, text: string): boolean {
  let i = 0;
  for (let j = 0; j < text.length && i < term.length; j++) if (text[j] === term[i]) i++;
  return i === term.length;
}

function termScore(term: string, def: AnyNodeDef): number {
  const type = def.type.toLowerCase();
  const name = type.slice(type.indexOf('.') + 1);
  const title = def.title.toLowerCase();
  const family = familyOf(type);
  // "input" is the Input node's title, and only the name of Group input (group.input).
  if (title === term) return 110;
  if (name === term || type === term) return 100;
  if (title.startsWith(term) || name.startsWith(term)) return 80;
  if (title.split(/[\s-]+/).some((w) => w.startsWith(term))) return 70;
  if (type.includes(term) || title.includes(term)) return 60;
  if (family.startsWith(term)) return 40;
  if (def.docs.summary.toLowerCase().includes(term)) return 20;
  if (term.length >= 2 && (subsequence(term, name) || subsequence(term, title.replace(/\s+/g, ''))))
    return 10;
  return 0;
}

/** Score of `def` for `query` (0: no match). An empty query matches everything with score 1. */
export function searchScore(def: AnyNodeDef, query: string): number {
  const terms = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (terms.length === 0) return 1;
  let total = 0;
  for (const t of terms) {
    const s = termScore(t, def);
    if (s === 0) return 0;
    total += s;
  }
  return total;
}

export const matchesQuery = (def: AnyNodeDef, query: string): boolean => searchScore(def, query) > 0;

/** Matching defs, best first (ties: registry order). */
export function searchNodes(defs: readonly AnyNodeDef[], query: string): AnyNodeDef[] {
  return defs
    .map((def, i) => ({ def, i, s: searchScore(def, query) }))
    .filter((x) => x.s > 0)
    .sort((a, b) => b.s - a.s || a.i - b.i)
    .map((x) => x.def);
}
