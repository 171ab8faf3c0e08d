// The node palette: every registered node type, grouped by family, with a search box.
import { useId, useMemo, useState } from 'react';
import { type AnyNodeDef, familyOf } from '../core/node-def.ts';
import type { Registry } from '../core/registry.ts';
import { plural } from './format.ts';

/** True when every whitespace-separated term occurs in the node's type, title, family or summary. */
export function matchesQuery(def: AnyNodeDef, query: string): boolean {
  const terms = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (terms.length === 0) return true;
  const hay = `${def.type} ${def.title} ${familyOf(def.type)} ${def.docs.summary}`.toLowerCase();
  return terms.every((t) => hay.includes(t));
}

export function Palette({ registry }: { registry: Registry }) {
  const [query, setQuery] = useState('');
  const searchId = useId();
  const groups = useMemo(() => {
    const out: [string, AnyNodeDef[]][] = [];
    for (const [family, defs] of registry.families()) {
      const hits = defs.filter((d) => matchesQuery(d, query));
      if (hits.length > 0) out.push([family, hits]);
    }
    return out;
  }, [registry, query]);
  const shown = groups.reduce((n, [, defs]) => n + defs.length, 0);

  return (
    <nav className="palette" aria-label="Node palette">
      <label htmlFor={searchId} className="palette-label">
        Nodes <span className="muted">({plural(registry.size, 'type')})</span>
      </label>
      <input
        id={searchId}
        data-testid="palette-search"
        type="search"
        placeholder="Search nodes…"
        autoComplete="off"
        value={query}
        onChange={(e) => setQuery(e.currentTarget.value)}
      />
      {shown === 0 && <p className="muted">No node type matches “{query}”.</p>}
      {groups.map(([family, defs]) => (
        <section key={family} className="palette-family">
          <h3>{family}</h3>
          <ul>
            {defs.map((def) => (
              <li key={def.type} data-testid={`palette-item-${def.type}`} title={def.docs.summary}>
                <span className="palette-title">{def.title}</span>
                <code className="palette-type">{def.type}</code>
              </li>
            ))}
          </ul>
        </section>
      ))}
    </nav>
  );
}
