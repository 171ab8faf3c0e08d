// A skip connection (an edge jumping over at least one card, as in a residual block) drawn as an
// arc above the cards it skips, so it reads as a skip instead of a line through the cards.

/** Wider than one layer gap of the stored layouts (≤ 260 px cards, 110 px between layers). */
export const SKIP_MIN_SPAN = 300;
/** How far above the higher handle the arc's control points sit: the arc's peak clears it by
 * ¾ of this, above a card's top (its first handle is 43 px below the top). */
const LIFT = 120;

/** The arc's SVG path and label point, or undefined when the edge is not a forward skip. */
export function skipArcPath(
  sx: number,
  sy: number,
  tx: number,
  ty: number,
): [path: string, labelX: number, labelY: number] | undefined {
  const span = tx - sx;
  if (span < SKIP_MIN_SPAN) return undefined;
  const top = Math.min(sy, ty) - LIFT;
  const reach = Math.min(160, span / 3);
  const path = `M${sx},${sy} C${sx + reach},${top} ${tx - reach},${top} ${tx},${ty}`;
  // The cubic's point at t = ½ (both control points at y = top).
  const labelX = (sx + 3 * (sx + reach) + 3 * (tx - reach) + tx) / 8;
  const labelY = (sy + 6 * top + ty) / 8;
  return [path, labelX, labelY];
}
