// The stored layout of a template: ELK's layered left-to-right layout over upper bounds of the
// cards' sizes, so templates open legible and predictable, and keep hand positions once moved.
// scripts/layout-templates.ts writes it into templates/*.graph.json; tests check its invariants.
import type { Analysis } from '../core/analysis/analyse.ts';
import type { GraphScope } from '../core/doc/schema.ts';
import type { Registry } from '../core/registry.ts';
import { cardData } from '../ui/flow-model.ts';
import { cardSizeBound, layoutPositions, type Size } from './auto-layout.ts';
import type { Point } from './commands.ts';

/** Each top-level card's size bound, from what the card will show. */
export function cardSizes(doc: GraphScope, analysis: Analysis, registry: Registry): Map<string, Size> {
  return new Map(
    Object.keys(doc.nodes).map((id) => {
      const c = cardData(id, doc, analysis, registry);
      const size = cardSizeBound({
        portRows: Math.max(c.inputs.length, c.outputs.length),
        keyParams: c.keyParams.length,
        curve: c.preview !== undefined,
      });
      const ports = { inputs: c.inputs.map((p) => p.name), outputs: c.outputs.map((p) => p.name) };
      return [id, { ...size, ports }];
    }),
  );
}

/** The template's layout, with the top-left card at (40, 40). */
export async function templateLayout(
  doc: GraphScope,
  analysis: Analysis,
  registry: Registry,
): Promise<Record<string, Point>> {
  const raw = await layoutPositions(doc, cardSizes(doc, analysis, registry));
  const pts = Object.values(raw);
  const dx = 40 - Math.min(...pts.map((p) => p.x));
  const dy = 40 - Math.min(...pts.map((p) => p.y));
  return Object.fromEntries(Object.entries(raw).map(([id, p]) => [id, { x: p.x + dx, y: p.y + dy }]));
}
