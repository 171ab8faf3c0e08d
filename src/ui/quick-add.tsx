// Double-click on the canvas: a search box that adds the picked node where the user clicked.
import { useMemo } from 'react';
import type { Point } from '../app/commands.ts';
import type { Registry } from '../core/registry.ts';
import { searchNodes, usableIn } from './search.ts';
import { useKeyboardList } from './use-keyboard-list.ts';

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
  const { query, list } = useKeyboardList();
  const defs = useMemo(() => registry.all().filter((d) => usableIn(d, inGroup)), [registry, inGroup]);
  const hits = useMemo(() => searchNodes(defs, query).slice(0, 8), [defs, query]);
  const { pick, inputProps } = list(hits, { onChoose: (d) => onPick(d.type), onClose });
  return (
    <div className="quick-add nodrag" style={{ left: at.x, top: at.y }} data-testid="quick-add">
      <input
        // biome-ignore lint/a11y/noAutofocus: the box exists to be typed into right away
        autoFocus
        type="search"
        data-testid="quick-add-search"
        placeholder="Add node…"
        {...inputProps}
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
