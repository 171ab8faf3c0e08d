// The generated catalogs (node catalog, template table) must match the code: regenerate with
// `npx tsx scripts/gen-docs.ts` after adding a node or template.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeCatalog, templateTable } from '../node/catalogs.ts';
import { loadRegistry, NODES_DIR } from '../node/discover-nodes.ts';
import { TEMPLATES_DIR } from '../node/templates.ts';

const registry = await loadRegistry();

describe('generated docs are current (run `npx tsx scripts/gen-docs.ts`)', () => {
  it('nodes/README.md lists every node type', () => {
    const text = readFileSync(join(NODES_DIR, 'README.md'), 'utf8');
    expect(text).toBe(nodeCatalog(registry));
    for (const d of registry.all()) expect(text).toContain(`\`${d.type}\``);
  });
  it('templates/README.md lists every template', () => {
    expect(readFileSync(join(TEMPLATES_DIR, 'README.md'), 'utf8')).toBe(templateTable(registry));
  });
});
