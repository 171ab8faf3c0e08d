// Connect mode (key C, Shift+C): wire the selected node to another node by name, without the mouse.
// Type part of a node's id or title; each hit shows the port pair that would be used (the first that
// fits, src/core/connect.ts findConnection) or why none does. Enter connects the highlighted hit.
import { useMemo } from 'react';
import type { ConnectResult } from '../core/connect.ts';
import { findConnection } from '../core/connect.ts';
import type { GraphDoc } from '../core/doc/schema.ts';
import { scopeAt } from '../core/groups.ts';
import type { Registry } from '../core/registry.ts';
import { useKeyboardList } from './use-keyboard-list.ts';

export type ConnectDirection = 'out' | 'in';

interface Hit {
  readonly id: string;
  readonly title: string;
  readonly result: ConnectResult;
}

function rank(id: string, title: string, q: string): number {
  const a = id.toLowerCase();
  const b = title.toLowerCase();
  if (q === '') return 1;
  if (a === q || b === q) return 4;
  if (a.startsWith(q) || b.startsWith(q)) return 3;
  if (a.includes(q) || b.includes(q)) return 2;
  return 0;
}

export function ConnectBox({
  doc,
  path,
  registry,
  node,
  direction,
  onConnect,
  onClose,
}: {
  doc: GraphDoc;
  path: readonly string[];
  registry: Registry;
  /** The selected node: the source ('out') or the target ('in') of the new edge. */
  node: string;
  direction: ConnectDirection;
  onConnect: (res: Extract<ConnectResult, { ok: true }>) => void;
  onClose: () => void;
}) {
  const { query, list } = useKeyboardList();
  const hits = useMemo((): Hit[] => {
    const scope = scopeAt(doc, path);
    if (!scope) return [];
    const q = query.trim().toLowerCase();
    return Object.entries(scope.nodes)
      .filter(([id]) => id !== node)
      .map(([id, rec]) => ({ id, title: registry.get(rec.type)?.title ?? rec.type, r: 0 }))
      .map((h) => ({ ...h, r: rank(h.id, h.title, q) }))
      .filter((h) => h.r > 0)
      .sort((a, b) => b.r - a.r || a.id.localeCompare(b.id))
      .slice(0, 8)
      .map(({ id, title }) => ({
        id,
        title,
        result:
          direction === 'out'
            ? findConnection(doc, registry, node, id, path)
            : findConnection(doc, registry, id, node, path),
      }));
  }, [doc, path, registry, node, direction, query]);
  const { pick, inputProps } = list(hits, {
    onChoose: (h) => {
      if (h.result.ok) onConnect(h.result);
    },
    onClose,
  });
  const label = direction === 'out' ? `Connect ${node} → …` : `Connect … → ${node}`;

  return (
    <div className="quick-add connect-box nodrag" data-testid="connect-box" role="dialog" aria-label={label}>
      <input
        // biome-ignore lint/a11y/noAutofocus: the box opens from a key press to be typed into
        autoFocus
        type="search"
        data-testid="connect-search"
        placeholder={`${label} (type a node, Enter connects, Esc closes)`}
        {...inputProps}
      />
      <ul>
        {hits.map((h) => (
          <li key={h.id} className={h === pick ? 'active' : undefined} data-testid={`connect-hit-${h.id}`}>
            <button
              type="button"
              disabled={!h.result.ok}
              onMouseDown={(e) => e.preventDefault()}
              onClick={() => h.result.ok && onConnect(h.result)}
            >
              <strong>{h.id}</strong> <span className="muted">{h.title}</span>{' '}
              {h.result.ok ? (
                <code>
                  {h.result.from.node}.{h.result.from.port} → {h.result.to.node}.{h.result.to.port}
                </code>
              ) : (
                <span className="connect-why">{h.result.reason}</span>
              )}
            </button>
          </li>
        ))}
        {hits.length === 0 ? <li className="muted">No other node matches “{query}”.</li> : null}
      </ul>
    </div>
  );
}
