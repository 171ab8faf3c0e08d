// Node-side registry discovery: every nodes/<family>/<name>.ts file (tests and helpers excluded).
import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Registry, registryFromModules } from '../core/registry.ts';

export const NODES_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../nodes');

export function listNodeFiles(dir = NODES_DIR): string[] {
  const files: string[] = [];
  for (const family of readdirSync(dir, { withFileTypes: true })) {
    if (!family.isDirectory() || family.name.startsWith('_')) continue;
    for (const f of readdirSync(join(dir, family.name))) {
      if (f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.startsWith('_'))
        files.push(join(dir, family.name, f));
    }
  }
  return files.sort();
}

let cached: Promise<Registry> | undefined;

/** Loads (once) the registry of every node file on disk. */
export function loadRegistry(): Promise<Registry> {
  cached ??= (async () => {
    const files = listNodeFiles();
    const mods = await Promise.all(
      files.map(async (f) => [f, await import(pathToFileURL(f).href)] as [string, unknown]),
    );
    return registryFromModules(mods);
  })();
  return cached;
}
