// Where the canvas looks when a graph opens: the whole graph when it fits at a readable zoom,
// otherwise a readable zoom on its start (the input, at the left of a left-to-right layout).

export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface Viewport {
  readonly x: number;
  readonly y: number;
  readonly zoom: number;
}

/** Below this a card's 12 px text is under ~7 px on screen: unreadable. */
export const READABLE_ZOOM = 0.6;
/** Zoom used on the input when the whole graph would need less than READABLE_ZOOM. */
export const START_ZOOM = 0.8;
const MAX_ZOOM = 1.1;
const PAD = 40;

/**
 * The viewport (flow → screen: screen = flow × zoom + (x, y)) for `bounds` in a `view`-sized pane.
 * `bottomReserve` px at the bottom stay free of the graph (the minimap sits there).
 */
export function openingViewport(
  bounds: Rect,
  pane: { width: number; height: number },
  bottomReserve = 0,
): Viewport {
  const view = { width: pane.width, height: Math.max(pane.height / 2, pane.height - bottomReserve) };
  const fit = Math.min(
    (view.width - 2 * PAD) / Math.max(1, bounds.width),
    (view.height - 2 * PAD) / Math.max(1, bounds.height),
    MAX_ZOOM,
  );
  if (fit >= READABLE_ZOOM) {
    return {
      zoom: fit,
      x: (view.width - bounds.width * fit) / 2 - bounds.x * fit,
      y: (view.height - bounds.height * fit) / 2 - bounds.y * fit,
    };
  }
  // Too big to read whole: start at the left edge, vertically centred when it fits, else at the top.
  const zoom = Math.max(
    READABLE_ZOOM,
    Math.min(START_ZOOM, (view.height - 2 * PAD) / Math.max(1, bounds.height)),
  );
  const tall = bounds.height * zoom > view.height - 2 * PAD;
  return {
    zoom,
    x: PAD - bounds.x * zoom,
    y: tall ? PAD - bounds.y * zoom : (view.height - bounds.height * zoom) / 2 - bounds.y * zoom,
  };
}
