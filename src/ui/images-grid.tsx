// A grid of small images (an analysis tool's ImagesView: ppgnSampler's samples) in one canvas:
// each image's pixels come from imageRgba (grey for one channel, RGB for three; values clamped to
// [0, 1]) and the grid is drawn at its natural size by PixelCanvas, scaled up by CSS. A streaming
// tool redraws it per frame: data-frame counts the views drawn, data-sum is the sum of all pixels (a
// cheap fingerprint e2e tests compare between frames).
//
// Test ids: explain-images (data-frame, data-sum, data-title).
import { useMemo } from 'react';
import type { ImagesView } from '../explain/views.ts';
import { imageRgba } from './image-grid.tsx';
import { PixelCanvas } from './pixel-canvas.tsx';

/** Images per grid row. */
const COLS = 16;

/** The RGBA pixels of the whole grid at 1 screen pixel per image pixel (1 px transparent gaps). */
export function gridPixels(view: ImagesView, cols = COLS): { rgba: Uint8ClampedArray; w: number; h: number } {
  const n = view.images.length;
  const c = Math.max(1, Math.min(cols, n));
  const rows = Math.ceil(n / c);
  const w = c * (view.width + 1);
  const h = rows * (view.height + 1);
  const rgba = new Uint8ClampedArray(w * h * 4);
  const line = view.width * 4;
  view.images.forEach((img, k) => {
    const x0 = (k % c) * (view.width + 1);
    const y0 = Math.floor(k / c) * (view.height + 1);
    const px = imageRgba(img, view.height, view.width, view.channels);
    for (let r = 0; r < view.height; r++)
      rgba.set(px.subarray(r * line, (r + 1) * line), ((y0 + r) * w + x0) * 4);
  });
  return { rgba, w, h };
}

export function ImagesGrid({
  view,
  frame,
  scale = 4,
}: {
  view: ImagesView;
  /** How many views of this run have been drawn (1 for a finished reply). */
  frame: number;
  scale?: number;
}) {
  const px = useMemo(() => gridPixels(view), [view]);
  const size = useMemo(() => [px.h, px.w] as const, [px]);
  const sum = useMemo(() => view.images.reduce((s, a) => s + a.reduce((t, v) => t + v, 0), 0), [view]);
  return (
    <figure className="explain-images">
      <PixelCanvas
        size={size}
        rgba={px.rgba}
        role="img"
        aria-label={view.title}
        data-testid="explain-images"
        data-frame={String(frame)}
        data-sum={sum.toFixed(4)}
        data-title={view.title}
        style={{ width: px.w * scale, height: px.h * scale, imageRendering: 'pixelated' }}
      />
      <figcaption>{view.title}</figcaption>
    </figure>
  );
}
