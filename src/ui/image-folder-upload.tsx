// Image folder for the Train panel: pick a folder with one sub-folder per class; the images are
// decoded and resized here on the device (createImageBitmap + a canvas), never uploaded. The
// decoded dataset goes to the trainer and its shape contract into the graph (the `images` dataset).
import { useState } from 'react';
import type { LoadedDataset } from '../core/datasets/dataset-def.ts';
import {
  type DecodedImage,
  ImageFolderError,
  imageFolderDataset,
  labelFromPath,
} from '../core/datasets/image-folder.ts';
import { VAL_FRACTION } from '../core/datasets/split.ts';
import { createRng } from '../core/rng.ts';

/** More images than this are refused before decoding (the data lives in memory twice). */
const MAX_IMAGES = 20_000;
const IMAGE_FILE = /\.(png|jpe?g|gif|bmp|webp)$/i;

export interface ImageFolderChoice {
  readonly folder: string;
  readonly dataset: LoadedDataset;
  readonly shape: { height: number; width: number; channels: number };
}

/** Decodes one image file to `height × width × channels` values in [0, 1] (stretched to that size). */
async function decode(file: File, shape: ImageFolderChoice['shape']): Promise<Float32Array> {
  const bitmap = await createImageBitmap(file);
  try {
    const canvas = new OffscreenCanvas(shape.width, shape.height);
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('no 2D canvas');
    ctx.drawImage(bitmap, 0, 0, shape.width, shape.height);
    const rgba = ctx.getImageData(0, 0, shape.width, shape.height).data;
    const n = shape.width * shape.height;
    const out = new Float32Array(n * shape.channels);
    for (let i = 0; i < n; i++) {
      const [r, g, b] = [rgba[4 * i]!, rgba[4 * i + 1]!, rgba[4 * i + 2]!];
      if (shape.channels === 1) out[i] = (0.299 * r + 0.587 * g + 0.114 * b) / 255;
      else for (let c = 0; c < shape.channels; c++) out[i * shape.channels + c] = [r, g, b][c]! / 255;
    }
    return out;
  } finally {
    bitmap.close();
  }
}

const sizeField = (label: string, value: number, max: number, set: (v: number) => void, testId: string) => (
  <label>
    {label}
    <input
      type="number"
      min={1}
      max={max}
      value={value}
      data-testid={testId}
      onChange={(e) => {
        const v = Math.round(Number(e.currentTarget.value));
        if (v >= 1 && v <= max) set(v);
      }}
    />
  </label>
);

export function ImageFolderUpload({
  seed,
  onDataset,
}: {
  seed: number;
  onDataset: (c: ImageFolderChoice) => void;
}) {
  const [files, setFiles] = useState<File[]>([]);
  const [height, setHeight] = useState(28);
  const [width, setWidth] = useState(28);
  const [channels, setChannels] = useState(1);
  const [valFraction, setValFraction] = useState<number>(VAL_FRACTION.default);
  const [status, setStatus] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const images = files.flatMap((f) => {
    const label = labelFromPath(f.webkitRelativePath || f.name);
    return IMAGE_FILE.test(f.name) && label !== undefined ? [{ file: f, label }] : [];
  });
  const classes = [...new Set(images.map((i) => i.label))].sort();
  const folder = (files[0]?.webkitRelativePath ?? '').split('/')[0] ?? '';

  const use = async () => {
    setError('');
    if (images.length > MAX_IMAGES) {
      setError(`The folder holds ${images.length} images; at most ${MAX_IMAGES} can be used in the browser.`);
      return;
    }
    const shape = { height, width, channels };
    setBusy(true);
    try {
      const decoded: DecodedImage[] = [];
      for (const [i, { file, label }] of images.entries()) {
        const path = file.webkitRelativePath || file.name;
        try {
          decoded.push({ path, label, pixels: await decode(file, shape) });
        } catch {
          throw new ImageFolderError(`'${path}' could not be decoded as an image`);
        }
        if (i % 50 === 0) setStatus(`Decoding ${i + 1} / ${images.length}…`);
      }
      const dataset = imageFolderDataset(decoded, shape, valFraction, createRng(seed));
      setStatus(`${dataset.train.count} training and ${dataset.val.count} validation images.`);
      onDataset({ folder, dataset, shape });
    } catch (e) {
      setStatus('');
      setError(
        e instanceof ImageFolderError ? e.message : `Could not read the images: ${(e as Error).message}`,
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <fieldset className="image-folder-upload">
      <legend>Image folder (one sub-folder per class; stays on this device)</legend>
      <input
        type="file"
        multiple
        data-testid="image-folder-input"
        // Chromium, Firefox and Safari pick a whole folder with this (non-standard) attribute.
        {...{ webkitdirectory: '' }}
        onChange={(e) => {
          setFiles([...(e.target.files ?? [])]);
          setStatus('');
          setError('');
        }}
      />
      {files.length > 0 ? (
        <>
          <p data-testid="image-folder-summary">
            {images.length} images in {classes.length} classes
            {classes.length ? ` (${classes.slice(0, 8).join(', ')}${classes.length > 8 ? ', …' : ''})` : ''}
          </p>
          <div className="train-settings">
            {sizeField('Height', height, 512, setHeight, 'image-folder-height')}
            {sizeField('Width', width, 512, setWidth, 'image-folder-width')}
            <label>
              Colour
              <select value={channels} onChange={(e) => setChannels(Number(e.currentTarget.value))}>
                <option value={1}>greyscale</option>
                <option value={3}>RGB</option>
              </select>
            </label>
            <label>
              Validation share
              <input
                type="number"
                min={VAL_FRACTION.min}
                max={VAL_FRACTION.max}
                step={VAL_FRACTION.step}
                value={valFraction}
                onChange={(e) => setValFraction(Number(e.currentTarget.value))}
              />
            </label>
          </div>
          <button
            type="button"
            data-testid="image-folder-use"
            disabled={busy || images.length === 0}
            onClick={() => void use()}
          >
            Use these images
          </button>
        </>
      ) : null}
      {status ? <p data-testid="image-folder-status">{status}</p> : null}
      {error ? (
        <p role="alert" className="csv-error" data-testid="image-folder-error">
          {error}
        </p>
      ) : null}
    </fieldset>
  );
}
