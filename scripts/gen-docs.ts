// Regenerates nodes/README.md and templates/README.md from the registry and templates.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodeCatalog, templateTable } from '../src/node/catalogs.ts';
import { loadRegistry, NODES_DIR } from '../src/node/discover-nodes.ts';
import { TEMPLATES_DIR } from '../src/node/templates.ts';

const registry = await loadRegistry();
writeFileSync(join(NODES_DIR, 'README.md'), nodeCatalog(registry));
writeFileSync(join(TEMPLATES_DIR, 'README.md'), templateTable(registry));
console.log(`wrote nodes/README.md (${registry.size} types) and templates/README.md`);
