// A grid of images from an analysis tool's `images` view (activation maximisation facets, sampler
// outputs): each image, in [0, 1] and H × W × C (C = 1 grey, 3 RGB, otherwise the first channel),
// is drawn through ImageData only (PixelCanvas; no HTML strings), scaled up by CSS, with its label
// and value as the caption.
//
// Test ids: explain-images (one per view, data-count), explain-image (each image, data-index).
import { useMemo } from 'react';
import type { ImagesView } from '../explain/views.ts';
import { PixelCanvas } from './pixel-canvas.tsx';

/** RGBA bytes of an H × W × C image in [0, 1] (values clipped). */
export function imageRgba(
  img: Float32Array,
  height: number,
  width: number,
  channels: number,
): Uint8ClampedArray {
  const n = height * width;
  const out = new Uint8ClampedArray(n * 4);
  const byte = (v: number) => Math.round(255 * Math.min(1, Math.max(0, v)));
  for (let i = 0; i < n; i++) {
    const r = byte(img[i * channels]!);
    out[i * 4] = r;
    out[i * 4 + 1] = channels === 3 ? byte(img[i * channels + 1]!) : r;
    out[i * 4 + 2] = channels === 3 ? byte(img[i * channels + 2]!) : r;
    out[i * 4 + 3] = 255;
  }
  return out;
}

function GridImage({ view, index, scale }: { view: ImagesView; index: number; scale: number }) {
  const img = view.images[index]!;
  const rgba = useMemo(
    () => imageRgba(img, view.height, view.width, view.channels),
    [img, view.height, view.width, view.channels],
  );
  const label = view.labels?.[index] ?? `image ${index}`;
  const value = view.values?.[index];
  return (
    <figure className="image-grid-item">
      <PixelCanvas
        size={[view.height, view.width]}
        rgba={rgba}
        role="img"
        aria-label={`${view.title}: ${label}`}
        data-testid="explain-image"
        data-index={String(index)}
        style={{ width: view.width * scale, height: view.height * scale, imageRendering: 'pixelated' }}
      />
      <figcaption>
        {label}
        {value !== undefined && !view.labels ? ` (${value.toFixed(3)})` : ''}
      </figcaption>
    </figure>
  );
}

export function ImageGrid({ view, scale = 4 }: { view: ImagesView; scale?: number }) {
  return (
    <section
      className="image-grid"
      data-testid="explain-images"
      data-count={String(view.images.length)}
      data-title={view.title}
    >
      <h4>{view.title}</h4>
      <div className="image-grid-items">
        {view.images.map((_, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: the images are positional
          <GridImage key={i} view={view} index={i} scale={scale} />
        ))}
      </div>
    </section>
  );
}
