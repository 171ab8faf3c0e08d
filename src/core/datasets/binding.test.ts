// The dataset binding: transforms change the described shapes exactly as loading does; subsets and
// eval splits are the rows they name; bad declarations come back as messages naming the fix.
import { describe, expect, it } from 'vitest';
import { nodeDatasetIO } from '../../node/dataset-io.ts';
import { createRng } from '../rng.ts';
import { describeBinding, loadBinding } from './binding.ts';

const base = { name: 'digits8', params: { flat: false } };

describe('dataset binding', () => {
  it('describes what it loads (pool + classes + hideClasses)', async () => {
    const decl = {
      ...base,
      transforms: [
        { type: 'pool', size: 2 },
        { type: 'classes', keep: [0, 1, 2] },
        { type: 'hideClasses', classes: [2] },
      ],
    };
    const d = describeBinding(decl);
    expect(d.problems).toEqual([]);
    const ds = await loadBinding(decl, createRng(1), nodeDatasetIO);
    expect(d.binding).toEqual(ds.binding);
    expect(ds.binding.featureShape).toEqual([4, 4, 1]);
    expect(ds.train.x.length).toBe(ds.train.count * 16);
    expect(new Set(ds.train.y)).toEqual(new Set([0, 1]));
  });
  it('builds subsets of the validation rows and transformed eval splits', async () => {
    const decl = {
      ...base,
      transforms: [{ type: 'hideClasses', classes: [9] }],
      subsets: [
        { name: 'novel', field: 'known', equals: 0 },
        { name: 'nines', classes: [9] },
      ],
      evalSplits: [{ name: 'upsideDown', transforms: [{ type: 'rotate', degrees: 180 }] }],
    };
    const ds = await loadBinding(decl, createRng(1), nodeDatasetIO);
    const nines = Array.from(ds.val.y).filter((c) => c === 9).length;
    expect(nines).toBeGreaterThan(0);
    expect(ds.extraSplits!.novel!.count).toBe(nines);
    expect(Array.from(ds.extraSplits!.nines!.y)).toEqual(Array.from(ds.extraSplits!.novel!.y));
    const turned = ds.extraSplits!.upsideDown!;
    expect(turned.count).toBe(ds.val.count);
    expect(Array.from(turned.x.subarray(0, 64))).toEqual(Array.from(ds.val.x.subarray(0, 64)).reverse());
  });
  it('loads a plain binding exactly as the dataset does', async () => {
    const a = await loadBinding(base, createRng(5), nodeDatasetIO);
    const b = await loadBinding({ ...base, transforms: [] }, createRng(5), nodeDatasetIO);
    expect(Array.from(a.train.y)).toEqual(Array.from(b.train.y));
    expect(a.extraSplits).toBeUndefined();
  });
  it('reports bad declarations with the fix', () => {
    expect(describeBinding({ ...base, transforms: [{ type: 'pool', size: 3 }] }).problems[0]).toMatch(
      /size 3 does not divide the 8×8 images/,
    );
    expect(
      describeBinding({ ...base, subsets: [{ name: 'x', field: 'nope', equals: 1 }] }).problems[0],
    ).toMatch(/subset 'x': give classes/);
    expect(describeBinding({ name: 'spirals', params: {}, augment: { flip: true } }).problems[0]).toMatch(
      /needs image features/,
    );
    expect(
      describeBinding({
        ...base,
        subsets: [{ name: 'a', classes: [1] }],
        evalSplits: [{ name: 'a', transforms: [{ type: 'rotate', degrees: 90 }] }],
      }).problems[0],
    ).toMatch(/'a' is used twice/);
  });
});
