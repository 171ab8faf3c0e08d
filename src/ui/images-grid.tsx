// A grid of small images (an analysis tool's ImagesView: ppgnSampler's samples) drawn with the
// canvas 2D API only. Greyscale for one channel, RGB for three; values clamped to [0, 1]. A
// streaming tool redraws it per frame: data-frame counts the views drawn, data-sum is the sum of all
// pixels (a cheap fingerprint e2e tests compare between frames).
//
// Test ids: explain-images (data-frame, data-sum, data-title).
import { useEffect, useMemo, useRef } from 'react';
import type { ImagesView } from '../explain/views.ts';

/** Images per grid row. */
const COLS = 16;

/** The RGBA pixels of the whole grid at 1 screen pixel per image pixel (1 px gaps). */
export function gridPixels(view: ImagesView, cols = COLS): { rgba: Uint8ClampedArray; w: number; h: number } {
  const n = view.images.length;
  const c = Math.max(1, Math.min(cols, n));
  const rows = Math.ceil(n / c);
  const w = c * (view.width + 1);
  const h = rows * (view.height + 1);
  const rgba = new Uint8ClampedArray(w * h * 4);
  const ch = view.channels;
  view.images.forEach((img, k) => {
    const x0 = (k % c) * (view.width + 1);
    const y0 = Math.floor(k / c) * (view.height + 1);
    for (let r = 0; r < view.height; r++)
      for (let q = 0; q < view.width; q++) {
        const src = (r * view.width + q) * ch;
        const dst = ((y0 + r) * w + x0 + q) * 4;
        const v = (i: number) => 255 * Math.min(1, Math.max(0, img[src + i] ?? 0));
        rgba[dst] = v(0);
        rgba[dst + 1] = v(ch >= 3 ? 1 : 0);
        rgba[dst + 2] = v(ch >= 3 ? 2 : 0);
        rgba[dst + 3] = 255;
      }
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
  const ref = useRef<HTMLCanvasElement>(null);
  const px = useMemo(() => gridPixels(view), [view]);
  const sum = useMemo(() => view.images.reduce((s, a) => s + a.reduce((t, v) => t + v, 0), 0), [view]);
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    const W = px.w * scale;
    const img = ctx.createImageData(W, px.h * scale);
    const out = new Uint32Array(img.data.buffer);
    const src = new Uint32Array(px.rgba.buffer);
    for (let r = 0; r < px.h; r++)
      for (let dy = 0; dy < scale; dy++) {
        const row = (r * scale + dy) * W;
        for (let c = 0; c < px.w; c++) out.fill(src[r * px.w + c]!, row + c * scale, row + (c + 1) * scale);
      }
    ctx.putImageData(img, 0, 0);
  }, [px, scale]);
  return (
    <figure className="explain-images">
      <canvas
        ref={ref}
        width={px.w * scale}
        height={px.h * scale}
        role="img"
        aria-label={view.title}
        data-testid="explain-images"
        data-frame={frame}
        data-sum={sum.toFixed(4)}
        data-title={view.title}
      />
      <figcaption>{view.title}</figcaption>
    </figure>
  );
}
