import { describe, expect, it } from 'vitest';
import { createRng } from '../rng.ts';
import {
  type DecodedImage,
  ImageFolderError,
  imageFolder,
  imageFolderDataset,
  labelFromPath,
} from './image-folder.ts';

const shape = { height: 2, width: 2, channels: 1 };
/** An image whose 4 pixels all hold `v` (so each image is recognisable after the split). */
const img = (label: string, i: number, v: number): DecodedImage => ({
  path: `pets/${label}/${i}.png`,
  label,
  pixels: new Float32Array(4).fill(v),
});

describe('image folder dataset', () => {
  it('takes the label from the sub-folder holding each file', () => {
    expect(labelFromPath('pets/cats/a.png')).toBe('cats');
    expect(labelFromPath('pets/train/dogs/b.jpg')).toBe('dogs');
    expect(labelFromPath('pets\\cats\\c.png')).toBe('cats');
    // A file directly in the chosen folder has no class.
    expect(labelFromPath('pets/readme.png')).toBeUndefined();
  });

  it('sorts classes by name, splits each class by the validation share, and keeps every image once', () => {
    const images = [
      ...Array.from({ length: 10 }, (_, i) => img('dogs', i, 100 + i)),
      ...Array.from({ length: 5 }, (_, i) => img('cats', i, 200 + i)),
    ];
    const ds = imageFolderDataset(images, shape, 0.2, createRng(1));
    expect(ds.classNames).toEqual(['cats', 'dogs']);
    expect(ds.binding).toEqual({
      name: 'images',
      featureShape: [2, 2, 1],
      labels: { kind: 'class', numClasses: 2 },
    });
    // Stratified: round(10·0.2) = 2 dogs and round(5·0.2) = 1 cat in validation.
    expect(ds.val.count).toBe(3);
    expect(ds.train.count).toBe(12);
    const labelsOf = (split: typeof ds.train) => {
      const out: [number, number][] = [];
      for (let i = 0; i < split.count; i++) out.push([split.x[i * 4]!, split.y[i]!]);
      return out;
    };
    const all = [...labelsOf(ds.train), ...labelsOf(ds.val)].sort((a, b) => a[0] - b[0]);
    // Each image appears once, with its own folder's class index (cats = 0, dogs = 1).
    expect(all).toEqual([
      ...Array.from({ length: 10 }, (_, i) => [100 + i, 1]),
      ...Array.from({ length: 5 }, (_, i) => [200 + i, 0]),
    ]);
    expect([...labelsOf(ds.val)].filter(([, c]) => c === 1)).toHaveLength(2);
  });

  it('refuses one class, and an image of the wrong size, naming the file', () => {
    expect(() =>
      imageFolderDataset([img('cats', 0, 1), img('cats', 1, 1)], shape, 0.2, createRng(1)),
    ).toThrow(/only one class \('cats'\)/);
    const bad = { ...img('dogs', 9, 1), pixels: new Float32Array(3) };
    expect(() => imageFolderDataset([img('cats', 0, 1), bad], shape, 0.2, createRng(1))).toThrow(
      ImageFolderError,
    );
    expect(() => imageFolderDataset([img('cats', 0, 1), bad], shape, 0.2, createRng(1))).toThrow(
      /dogs\/9\.png/,
    );
  });

  it('describes its shapes from params without loading, and asks for the folder again on load', async () => {
    const v = { height: 32, width: 24, channels: 3, classes: 5, folder: 'pets' };
    expect(imageFolder.describe(v).featureShape).toEqual([32, 24, 3]);
    await expect(
      imageFolder.load(v, createRng(1), { mnistDigit: () => Promise.reject(new Error('x')) }),
    ).rejects.toThrow(/folder 'pets'.*choose the folder again/);
  });
});
