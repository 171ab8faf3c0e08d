// The node registry: built from the node modules that discovery finds (fs in Node,
// import.meta.glob in the browser). Nothing else is edited to add a node type.

import { setCompositeLookup } from './composite.ts';
import { type AnyNodeDef, familyOf } from './node-def.ts';

const TYPE_PATTERN = /^[a-z][a-zA-Z0-9]*\.[a-z][a-zA-Z0-9]*$/;

export class Registry {
  private readonly byType = new Map<string, AnyNodeDef>();

  constructor(defs: Iterable<AnyNodeDef>) {
    for (const def of defs) {
      if (!TYPE_PATTERN.test(def.type))
        throw new Error(`node type '${def.type}' must look like '<family>.<name>' in camelCase`);
      if (this.byType.has(def.type)) throw new Error(`node type '${def.type}' is defined twice`);
      this.byType.set(def.type, def);
    }
    // Composite (group) kernels resolve their inner node types here.
    setCompositeLookup((type) => this.byType.get(type));
  }

  get(type: string): AnyNodeDef | undefined {
    return this.byType.get(type);
  }

  has(type: string): boolean {
    return this.byType.has(type);
  }

  all(): AnyNodeDef[] {
    return [...this.byType.values()].sort((a, b) => a.type.localeCompare(b.type));
  }

  families(): Map<string, AnyNodeDef[]> {
    const out = new Map<string, AnyNodeDef[]>();
    for (const def of this.all()) {
      const fam = familyOf(def.type);
      out.set(fam, [...(out.get(fam) ?? []), def]);
    }
    return out;
  }

  get size(): number {
    return this.byType.size;
  }
}

/** Builds a registry from module namespaces whose default export is a NodeDef. */
export function registryFromModules(modules: Iterable<[path: string, mod: unknown]>): Registry {
  const defs: AnyNodeDef[] = [];
  for (const [path, mod] of modules) {
    const def = (mod as { default?: AnyNodeDef }).default;
    if (!def || typeof def.type !== 'string')
      throw new Error(`${path} must default-export defineNode({...})`);
    const expected = typeFromPath(path);
    if (expected && def.type !== expected)
      throw new Error(`${path} defines '${def.type}' but its path says '${expected}'`);
    defs.push(def);
  }
  return new Registry(defs);
}

/** `nodes/layers/conv2d-transpose.ts` → `layers.conv2dTranspose` (kebab-case files, camelCase ids). */
export function typeFromPath(path: string): string | undefined {
  const m = path.replace(/\\/g, '/').match(/nodes\/([^/]+)\/([^/]+)\.ts$/);
  if (!m) return undefined;
  const camel = (s: string) => s.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  return `${camel(m[1]!)}.${camel(m[2]!)}`;
}
