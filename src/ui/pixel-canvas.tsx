// A <canvas> showing an RGBA pixel buffer at its natural size (CSS scales it up): the sample
// images of the evaluation view and the field plots share it. Pixels go in through ImageData only.
import { type CanvasHTMLAttributes, useEffect, useRef } from 'react';

export function PixelCanvas({
  size,
  rgba,
  ...rest
}: { size: readonly [number, number]; rgba: Uint8ClampedArray } & CanvasHTMLAttributes<HTMLCanvasElement> &
  Record<`data-${string}`, string>) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    const img = ctx.createImageData(size[1], size[0]);
    img.data.set(rgba);
    ctx.putImageData(img, 0, 0);
  }, [size, rgba]);
  return <canvas ref={ref} width={size[1]} height={size[0]} {...rest} />;
}
