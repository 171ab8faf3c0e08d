// A search box over a short list of hits, driven from the keyboard: typing filters (and goes back
// to the first hit), ↑/↓ move the highlight, Enter chooses it, Escape or leaving the box closes.
// Shared by the quick-add box and connect mode.
import { type InputHTMLAttributes, type KeyboardEvent, useState } from 'react';

export interface KeyboardList<T> {
  /** The highlighted hit (the last one when the highlight is past the end). */
  readonly pick: T | undefined;
  /** Spread onto the search <input>. */
  readonly inputProps: Pick<
    InputHTMLAttributes<HTMLInputElement>,
    'value' | 'onChange' | 'onBlur' | 'onKeyDown'
  >;
}

/** The query typed so far, and `list(hits, …)` to bind the box to the hits found for it. */
export function useKeyboardList() {
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  const list = <T>(
    hits: readonly T[],
    { onChoose, onClose }: { onChoose: (hit: T) => void; onClose: () => void },
  ): KeyboardList<T> => {
    const pick = hits[Math.min(active, hits.length - 1)];
    return {
      pick,
      inputProps: {
        value: query,
        onChange: (e) => {
          setQuery(e.currentTarget.value);
          setActive(0);
        },
        // Later than a click on a hit (which keeps focus with preventDefault on mousedown).
        onBlur: () => window.setTimeout(onClose, 150),
        onKeyDown: (e: KeyboardEvent<HTMLInputElement>) => {
          if (e.key === 'Escape') onClose();
          else if (e.key === 'ArrowDown') setActive((a) => Math.min(a + 1, hits.length - 1));
          else if (e.key === 'ArrowUp') setActive((a) => Math.max(a - 1, 0));
          else if (e.key === 'Enter' && pick !== undefined) onChoose(pick);
          else return;
          // Handled here: the canvas's own shortcuts must not see it.
          e.preventDefault();
          e.stopPropagation();
        },
      },
    };
  };
  return { query, list };
}
