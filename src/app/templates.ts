// The template gallery's data: every templates/<id>.graph.json bundled by Vite, parsed and analysed.
import { type Analysis, analyse } from '../core/analysis/analyse.ts';
import type { Diagnostic } from '../core/diagnostics.ts';
import { parseGraphValue } from '../core/doc/parse.ts';
import type { GraphMeta } from '../core/doc/schema.ts';
import type { Registry } from '../core/registry.ts';

const TEMPLATE_FILES: Record<string, unknown> = import.meta.glob('/templates/*.graph.json', {
  eager: true,
  import: 'default',
});

export interface TemplateEntry {
  /** File name without `.graph.json` (DESIGN §8). */
  readonly id: string;
  readonly meta: GraphMeta | undefined;
  /** Undefined when the file did not parse (its problems are in `diagnostics`). */
  readonly analysis: Analysis | undefined;
  /** Parse problems, or the analysis's diagnostics. */
  readonly diagnostics: readonly Diagnostic[];
}

/** `/templates/lenet-5.graph.json` → `lenet-5`. */
export function templateIdFromPath(path: string): string {
  return (path.split('/').pop() ?? path).replace(/\.graph\.json$/, '');
}

/** Parses and analyses each template file; never throws (problems become diagnostics). */
export function loadTemplates(files: Record<string, unknown>, registry: Registry): TemplateEntry[] {
  return Object.entries(files)
    .map(([path, raw]): TemplateEntry => {
      const id = templateIdFromPath(path);
      const parsed = parseGraphValue(raw);
      if (!parsed.doc) return { id, meta: undefined, analysis: undefined, diagnostics: parsed.diagnostics };
      const analysis = analyse(parsed.doc, registry);
      return { id, meta: analysis.doc?.meta ?? parsed.doc.meta, analysis, diagnostics: analysis.diagnostics };
    })
    .sort((a, b) => a.id.localeCompare(b.id));
}

let cached: { registry: Registry; entries: TemplateEntry[] } | undefined;

/** Every bundled template, analysed against `registry` (computed once per registry). */
export function bundledTemplates(registry: Registry): TemplateEntry[] {
  if (cached?.registry !== registry) cached = { registry, entries: loadTemplates(TEMPLATE_FILES, registry) };
  return cached.entries;
}
