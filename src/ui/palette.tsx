// The node palette: every node type usable where the user is, grouped by family, with fuzzy search.
// Enter adds the top hit (after the selected node, see addNodeAfterSelection) and clears the box for
// the next one; Escape clears, then leaves the box. Items drag onto the canvas (or click to add).
import { type RefObject, useId, useMemo, useState } from 'react';
import { type AnyNodeDef, familyOf } from '../core/node-def.ts';
import type { Registry } from '../core/registry.ts';
import { plural } from './format.ts';
import { searchNodes, usableIn } from './search.ts';

export { matchesQuery } from './search.ts';

/** dataTransfer type carrying a node type from the palette to the canvas. */
export const DRAG_MIME = 'application/x-netwright-node';
/** dataTransfer type carrying a published block's id. */
export const DRAG_BLOCK_MIME = 'application/x-netwright-block';

export interface PaletteBlock {
  readonly id: string;
  readonly title: string;
}

export function Palette({
  registry,
  onAdd,
  blocks = [],
  onAddBlock,
  onRemoveBlock,
  inGroup = false,
  searchRef,
}: {
  registry: Registry;
  /** Inside a group: its port nodes are offered too. */
  inGroup?: boolean;
  /** The search box, for the key that focuses it. */
  searchRef?: RefObject<HTMLInputElement | null>;
  onAdd?: (type: string) => void;
  blocks?: readonly PaletteBlock[];
  onAddBlock?: (id: string) => void;
  onRemoveBlock?: (id: string) => void;
}) {
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  const searchId = useId();
  const defs = useMemo(() => registry.all().filter((d) => usableIn(d, inGroup)), [registry, inGroup]);
  const hits = useMemo(() => searchNodes(defs, query), [defs, query]);
  const groups = useMemo(() => {
    if (query.trim()) return [['Best matches', hits] as [string, AnyNodeDef[]]];
    const out = new Map<string, AnyNodeDef[]>();
    for (const d of hits) out.set(familyOf(d.type), [...(out.get(familyOf(d.type)) ?? []), d]);
    return [...out];
  }, [hits, query]);
  const top = query.trim() ? hits[Math.min(active, hits.length - 1)] : undefined;
  const q = query.trim().toLowerCase();
  const shownBlocks = blocks.filter((b) => q === '' || b.title.toLowerCase().includes(q));

  return (
    <nav className="palette" aria-label="Node palette">
      <label htmlFor={searchId} className="palette-label">
        Nodes <span className="muted">({plural(defs.length, 'type')})</span>
      </label>
      <input
        id={searchId}
        ref={searchRef}
        data-testid="palette-search"
        type="search"
        placeholder="Search nodes… (Enter adds)"
        autoComplete="off"
        value={query}
        onChange={(e) => {
          setQuery(e.currentTarget.value);
          setActive(0);
        }}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown') {
            e.preventDefault();
            setActive((a) => Math.min(a + 1, hits.length - 1));
          } else if (e.key === 'ArrowUp') {
            e.preventDefault();
            setActive((a) => Math.max(a - 1, 0));
          } else if (e.key === 'Enter' && top && onAdd) {
            e.preventDefault();
            onAdd(top.type);
            setQuery('');
            setActive(0);
          } else if (e.key === 'Escape') {
            // The first Escape clears the search, the next one hands the keys back to the canvas.
            if (query === '') e.currentTarget.blur();
            else setQuery('');
          }
        }}
      />
      {shownBlocks.length > 0 && (
        <section className="palette-family" data-testid="my-blocks">
          <h3>My blocks</h3>
          <ul>
            {shownBlocks.map((b) => (
              <li
                key={b.id}
                data-testid={`palette-block-${b.title}`}
                title="A group you published (drag onto the canvas, or click to add)"
                draggable
                onDragStart={(e) => {
                  e.dataTransfer.setData(DRAG_BLOCK_MIME, b.id);
                  e.dataTransfer.effectAllowed = 'copy';
                }}
                onClick={() => onAddBlock?.(b.id)}
                onKeyDown={(e) => {
                  if (e.key === 'Enter') onAddBlock?.(b.id);
                }}
              >
                <span className="palette-title">{b.title}</span>
                {onRemoveBlock && (
                  <button
                    type="button"
                    className="link palette-remove"
                    aria-label={`Delete block ${b.title}`}
                    onClick={(e) => {
                      e.stopPropagation();
                      onRemoveBlock(b.id);
                    }}
                  >
                    ×
                  </button>
                )}
              </li>
            ))}
          </ul>
        </section>
      )}
      {hits.length === 0 && <p className="muted">No node type matches “{query}”.</p>}
      {groups.map(([family, list]) => (
        <section key={family} className="palette-family">
          <h3>{family}</h3>
          <ul>
            {list.map((def) => (
              <li
                key={def.type}
                data-testid={`palette-item-${def.type}`}
                className={def === top ? 'active' : undefined}
                title={`${def.docs.summary}\n(drag onto the canvas, or click to add)`}
                draggable
                onDragStart={(e) => {
                  e.dataTransfer.setData(DRAG_MIME, def.type);
                  e.dataTransfer.setData('text/plain', def.type);
                  e.dataTransfer.effectAllowed = 'copy';
                }}
                onClick={() => onAdd?.(def.type)}
                onKeyDown={(e) => {
                  if (e.key === 'Enter') onAdd?.(def.type);
                }}
              >
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
