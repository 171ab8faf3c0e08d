// Uploaded data belongs to the file it came from (issue 17): a graph naming another file, or a
// graph restored after a reload (nothing uploaded yet), must not train on — or be listed as — data
// this page does not hold for it.
import { describe, expect, it } from 'vitest';
import type { LoadedDataset } from '../core/datasets/dataset-def.ts';
import { loadedUpload, type Uploads, uploadSource } from '../ui/uploads.ts';

const data = { name: 'csv' } as unknown as LoadedDataset;
const images = { name: 'images' } as unknown as LoadedDataset;
const uploads: Uploads = {
  csv: { source: 'sizes.csv', dataset: data },
  images: { source: 'flowers', dataset: images },
};

describe('uploads', () => {
  it('the graph names its file (CSV) or folder (images)', () => {
    expect(uploadSource({ file: 'a.csv', features: 2 })).toBe('a.csv');
    expect(uploadSource({ folder: 'cats', height: 32 })).toBe('cats');
    expect(uploadSource({ features: 2 })).toBeUndefined();
    expect(uploadSource(undefined)).toBeUndefined();
  });

  it('is used only for the very file the graph names', () => {
    expect(loadedUpload(uploads, { name: 'csv', params: { file: 'sizes.csv' } })).toBe(data);
    expect(loadedUpload(uploads, { name: 'images', params: { folder: 'flowers' } })).toBe(images);
    expect(loadedUpload(uploads, { name: 'csv', params: { file: 'other.csv' } })).toBeUndefined();
    expect(loadedUpload(uploads, { name: 'csv', params: {} })).toBeUndefined();
    // After a reload nothing is loaded; a built-in dataset is never an upload.
    expect(loadedUpload({}, { name: 'csv', params: { file: 'sizes.csv' } })).toBeUndefined();
    expect(loadedUpload(uploads, { name: 'mnist', params: {} })).toBeUndefined();
    expect(loadedUpload(uploads, undefined)).toBeUndefined();
  });
});
