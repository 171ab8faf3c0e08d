// Double-click on the canvas: a search box that adds the picked node where the user clicked.
import { useMemo, useState } from 'react';
import type { Point } from '../app/commands.ts';
import type { Registry } from '../core/registry.ts';
import { searchNodes, usableIn } from './search.ts';

export function QuickAdd({
  registry,
  at,
  onPick,
  onClose,
  inGroup,
}: {
  registry: Registry;
  inGroup: boolean;
  at: Point;
  onPick: (type: string) => void;
  onClose: () => void;
}) {
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  const defs = useMemo(() => registry.all().filter((d) => usableIn(d, inGroup)), [registry, inGroup]);
  const hits = useMemo(() => searchNodes(defs, query).slice(0, 8), [defs, query]);
  const pick = hits[Math.min(active, hits.length - 1)];
  return (
    <div className="quick-add nodrag" style={{ left: at.x, top: at.y }} data-testid="quick-add">
      <input
        // biome-ignore lint/a11y/noAutofocus: the box exists to be typed into right away
        autoFocus
        type="search"
        data-testid="quick-add-search"
        placeholder="Add node…"
        value={query}
        onChange={(e) => {
          setQuery(e.currentTarget.value);
          setActive(0);
        }}
        onBlur={() => window.setTimeout(onClose, 150)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') onClose();
          else if (e.key === 'ArrowDown') setActive((a) => Math.min(a + 1, hits.length - 1));
          else if (e.key === 'ArrowUp') setActive((a) => Math.max(a - 1, 0));
          else if (e.key === 'Enter' && pick) onPick(pick.type);
        }}
      />
      <ul>
        {hits.map((d) => (
          <li key={d.type} className={d === pick ? 'active' : undefined}>
            <button type="button" onMouseDown={(e) => e.preventDefault()} onClick={() => onPick(d.type)}>
              {d.title} <code>{d.type}</code>
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
