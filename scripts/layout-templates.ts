// Rewrites the stored layout of every template (templates/*.graph.json): ELK's layered left-to-right
// layout (src/app/template-layout.ts). Deterministic: rerunning it reproduces the files byte for
// byte. Only the top-level "layout" block changes (group interiors and the rest of the file are
// kept as written).
//
//   npx tsx scripts/layout-templates.ts [id ...]

import { writeFileSync } from 'node:fs';
import { templateLayout } from '../src/app/template-layout.ts';
import { analyseText } from '../src/core/analysis/analyse.ts';
import { loadRegistry } from '../src/node/discover-nodes.ts';
import { listTemplateIds, readTemplate, templatePath } from '../src/node/templates.ts';

const LAYOUT_KEY = '\n  "layout": ';

/** The file's text with its top-level layout (the last key, as the templates are written) replaced. */
function withLayout(text: string, layout: Record<string, { x: number; y: number }>): string {
  const at = text.lastIndexOf(LAYOUT_KEY);
  if (at < 0 || !text.trimEnd().endsWith('}')) throw new Error('no top-level "layout" as the last key');
  const body = JSON.stringify(layout, null, 2).replaceAll('\n', '\n  ');
  return `${text.slice(0, at)}${LAYOUT_KEY}${body}\n}\n`;
}

const registry = await loadRegistry();
const ids = process.argv.slice(2).length ? process.argv.slice(2) : listTemplateIds();
for (const id of ids) {
  const text = readTemplate(id);
  const analysis = analyseText(text, registry);
  if (!analysis.doc) throw new Error(`${id}: does not parse`);
  const layout = await templateLayout(analysis.doc, analysis, registry);
  const next = withLayout(text, layout);
  // The rewrite must leave everything but the layout unchanged.
  const before = JSON.parse(text);
  const after = JSON.parse(next);
  if (JSON.stringify({ ...before, layout: 0 }) !== JSON.stringify({ ...after, layout: 0 }))
    throw new Error(`${id}: rewriting the layout changed other content`);
  writeFileSync(templatePath(id)!, next);
  console.log(`${id}: ${Object.keys(layout).length} nodes laid out`);
}
