// Browser-side registry discovery: Vite bundles every nodes/<family>/<name>.ts file (the same set
// src/node/discover-nodes.ts finds on disk: tests and `_`-prefixed helpers excluded).
import { type Registry, registryFromModules } from '../core/registry.ts';

const NODE_MODULES: Record<string, unknown> = import.meta.glob(
  ['/nodes/*/*.ts', '!/nodes/*/*.test.ts', '!/nodes/*/_*.ts', '!/nodes/_*/*.ts'],
  { eager: true },
);

let cached: Registry | undefined;

/** The registry of every bundled node type (built once). */
export function browserRegistry(): Registry {
  cached ??= registryFromModules(Object.entries(NODE_MODULES).sort(([a], [b]) => a.localeCompare(b)));
  return cached;
}

/** Paths of the bundled node files, e.g. `/nodes/layers/dense.ts` (for tests). */
export const bundledNodePaths = (): string[] => Object.keys(NODE_MODULES).sort();
