// The `images` dataset: a folder of images the user picks in the Train panel, one sub-folder per
// class (`cats/…`, `dogs/…`). The browser decodes and resizes the images on the device; the graph
// records only the shape contract (size, channels, class count), like the `csv` dataset.
import type { DataBinding } from '../node-def.ts';
import { type ParamValues, p } from '../params.ts';
import type { Rng } from '../rng.ts';
import { defineDataset, type LoadedDataset } from './dataset-def.ts';
import { classSplit, stratifiedSplit } from './split.ts';

const params = {
  height: p.int({ default: 28, min: 1, max: 512, doc: 'Image height after resizing (pixels).' }),
  width: p.int({ default: 28, min: 1, max: 512, doc: 'Image width after resizing (pixels).' }),
  channels: p.int({ default: 1, min: 1, max: 3, doc: '1 for greyscale, 3 for RGB.' }),
  classes: p.int({ default: 2, min: 2, max: 10_000, doc: 'Number of classes (sub-folders).' }),
  folder: p.string({ default: '', maxLength: 260, doc: 'Name of the chosen folder (for display only).' }),
};

const bindingOf = (v: ParamValues<typeof params>): DataBinding => ({
  name: 'images',
  featureShape: [v.height, v.width, v.channels],
  labels: { kind: 'class', numClasses: v.classes },
});

export const imageFolder = defineDataset({
  name: 'images',
  title: 'Image folder',
  doc: 'A folder you choose in the Train panel with one sub-folder per class; the sub-folder names are the labels. Images are decoded and resized on your device (pixel values in [0, 1]) and never uploaded.',
  params,
  describe: bindingOf,
  load: (v) =>
    Promise.reject(
      new Error(
        `the images${v.folder ? ` of folder '${v.folder}'` : ''} are not stored in the graph: choose the folder again in the Train panel`,
      ),
    ),
});

export class ImageFolderError extends Error {}

/**
 * The class of an image from its path inside the chosen folder: the name of the folder that holds
 * it (`pets/cats/a.png` → `cats`). Undefined for a file directly in the chosen folder.
 */
export function labelFromPath(relativePath: string): string | undefined {
  const parts = relativePath.split(/[\\/]/).filter(Boolean);
  return parts.length >= 3 ? parts[parts.length - 2] : undefined;
}

export interface DecodedImage {
  readonly path: string;
  readonly label: string;
  /** Row-major height × width × channels values in [0, 1]. */
  readonly pixels: Float32Array;
}

/**
 * Decoded images → a LoadedDataset: classes are the sorted sub-folder names, and each class gives
 * `round(n_c · valFraction)` images to validation (stratified, seeded).
 */
export function imageFolderDataset(
  images: readonly DecodedImage[],
  shape: { height: number; width: number; channels: number },
  valFraction: number,
  rng: Rng,
): LoadedDataset {
  const dim = shape.height * shape.width * shape.channels;
  const wrong = images.find((im) => im.pixels.length !== dim);
  if (wrong)
    throw new ImageFolderError(
      `'${wrong.path}' decoded to ${wrong.pixels.length} values, expected ${shape.height}×${shape.width}×${shape.channels} = ${dim}`,
    );
  const classNames = [...new Set(images.map((im) => im.label))].sort();
  if (classNames.length < 2)
    throw new ImageFolderError(
      `found ${classNames.length === 0 ? 'no images in sub-folders' : `only one class ('${classNames[0]}')`}: put each class's images in its own sub-folder`,
    );
  const x = new Float32Array(images.length * dim);
  images.forEach((im, i) => {
    x.set(im.pixels, i * dim);
  });
  const labels = Int32Array.from(images, (im) => classNames.indexOf(im.label));
  const { train, val } = stratifiedSplit(labels, classNames.length, valFraction, rng);
  if (train.length === 0 || val.length === 0)
    throw new ImageFolderError('too few images to split into training and validation');
  return {
    binding: {
      name: 'images',
      featureShape: [shape.height, shape.width, shape.channels],
      labels: { kind: 'class', numClasses: classNames.length },
    },
    train: classSplit(x, dim, labels, train),
    val: classSplit(x, dim, labels, val),
    classNames,
  };
}
