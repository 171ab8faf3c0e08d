// Each transform against its definition, computed independently here (counts by brute force,
// pixels by hand), plus seeded determinism.
import { describe, expect, it } from 'vitest';
import type { DataBinding } from '../../node-def.ts';
import { createRng } from '../../rng.ts';
import type { LoadedDataset, Split } from '../dataset-def.ts';
import { rotateImage } from './image.ts';
import { applyTransforms, describeTransforms, type TransformDecl } from './index.ts';
import { longTailCounts } from './long-tail.ts';

const C = 4;
/** A class dataset: row i has class `classOf(i)` and features [i, i, …] (so rows are traceable). */
function dataset(perClassCounts: number[], featureShape: number[] = [2]): LoadedDataset {
  const dim = featureShape.reduce((a, b) => a * b, 1);
  const split = (offset: number): Split => {
    const y = Int32Array.from(perClassCounts.flatMap((n, c) => Array<number>(n).fill(c)));
    const x = new Float32Array(y.length * dim);
    for (let i = 0; i < y.length; i++) x.fill(offset + i, i * dim, (i + 1) * dim);
    return { x, y, count: y.length };
  };
  const binding: DataBinding = {
    name: 'toy',
    featureShape,
    labels: { kind: 'class', numClasses: perClassCounts.length },
  };
  return { binding, train: split(0), val: split(1000) };
}
const run = (ds: LoadedDataset, decls: TransformDecl[], seed = 1) =>
  applyTransforms(ds, decls, createRng(seed));
const counts = (y: ArrayLike<number>, c = C) => {
  const out = new Array<number>(c).fill(0);
  for (let i = 0; i < y.length; i++) out[y[i]!]!++;
  return out;
};

describe('labelNoise', () => {
  it('flips exactly round(p·n) training labels, each to a different class, and keeps the clean label', () => {
    const ds = dataset([25, 25, 25, 25]);
    const out = run(ds, [{ type: 'labelNoise', p: 0.3 }]);
    const clean = out.train.fields!.cleanLabel!;
    let flipped = 0;
    for (let i = 0; i < out.train.count; i++) {
      expect(clean[i]).toBe(ds.train.y[i]);
      if (out.train.y[i] !== clean[i]) flipped++;
    }
    expect(flipped).toBe(Math.round(0.3 * 100));
    expect(Array.from(out.val.y)).toEqual(Array.from(ds.val.y)); // val untouched by default
    expect(out.binding.fields?.cleanLabel?.dtype).toBe('int32');
  });
  it('is deterministic for a seed and differs across seeds', () => {
    const ds = dataset([25, 25, 25, 25]);
    const a = run(ds, [{ type: 'labelNoise', p: 0.5 }], 7).train.y;
    expect(Array.from(run(ds, [{ type: 'labelNoise', p: 0.5 }], 7).train.y)).toEqual(Array.from(a));
    expect(Array.from(run(ds, [{ type: 'labelNoise', p: 0.5 }], 8).train.y)).not.toEqual(Array.from(a));
  });
});

describe('longTail', () => {
  it('keeps floor(m·ρ^(−c/(C−1))) rows of class c (m = the smallest class), rows from the original', () => {
    const ds = dataset([40, 50, 45, 60]);
    const out = run(ds, [{ type: 'longTail', ratio: 10 }]);
    const expected = [0, 1, 2, 3].map((c) => Math.floor(40 * 10 ** (-c / 3)));
    expect(expected).toEqual([40, 18, 8, 4]);
    expect(counts(out.train.y)).toEqual(expected);
    expect(longTailCounts([40, 50, 45, 60], 10)).toEqual(expected);
    for (let i = 0; i < out.train.count; i++) expect(ds.train.y[out.train.x[i * 2]!]).toBe(out.train.y[i]);
  });
});

describe('imbalance, perClass, classes, hideClasses', () => {
  it('imbalance keeps round(f·n_c) of the listed classes only', () => {
    const out = run(dataset([20, 30, 10, 40]), [{ type: 'imbalance', classes: [1, 3], fraction: 0.25 }]);
    expect(counts(out.train.y)).toEqual([20, 8, 10, 10]);
  });
  it('perClass keeps min(n, n_c) of every class', () => {
    expect(counts(run(dataset([20, 3, 10, 40]), [{ type: 'perClass', n: 5 }]).train.y)).toEqual([5, 3, 5, 5]);
  });
  it('classes keeps the listed classes, renumbered in the listed order, in both splits', () => {
    const ds = dataset([2, 3, 4, 5]);
    const out = run(ds, [{ type: 'classes', keep: [3, 1] }]);
    expect(counts(out.train.y, 2)).toEqual([5, 3]);
    expect(counts(out.val.y, 2)).toEqual([5, 3]);
    expect(out.binding.labels).toEqual({ kind: 'class', numClasses: 2 });
    expect(describeTransforms(ds.binding, [{ type: 'classes', keep: [3, 1] }]).labels).toEqual(
      out.binding.labels,
    );
  });
  it('hideClasses removes the classes from training and marks known/novel rows in both splits', () => {
    const out = run(dataset([2, 3, 4, 5]), [{ type: 'hideClasses', classes: [0, 2] }]);
    expect(counts(out.train.y)).toEqual([0, 3, 0, 5]);
    expect(counts(out.val.y)).toEqual([2, 3, 4, 5]);
    const known = out.val.fields!.known!;
    for (let i = 0; i < out.val.count; i++)
      expect(known[i]).toBe(out.val.y[i] === 0 || out.val.y[i] === 2 ? 0 : 1);
  });
  it('hideClasses with keepRows keeps the hidden training rows, marked known = 0', () => {
    const out = run(dataset([2, 3, 4, 5]), [{ type: 'hideClasses', classes: [0, 2], keepRows: true }]);
    expect(out.train.count).toBe(run(dataset([2, 3, 4, 5]), []).train.count);
    const known = out.train.fields!.known!;
    let novel = 0;
    for (let i = 0; i < out.train.count; i++) {
      expect(known[i]).toBe(out.train.y[i] === 0 || out.train.y[i] === 2 ? 0 : 1);
      novel += 1 - known[i]!;
    }
    expect(novel).toBeGreaterThan(0);
  });
  it('standardize: train features get mean 0 and sd 1 (Float64 check); val uses the train statistics', () => {
    const ds = dataset([6, 5, 4]);
    const out = run(ds, [{ type: 'standardize' }]);
    const d = ds.binding.featureShape.reduce((a, b) => a * b, 1);
    const n = ds.train.count;
    for (let j = 0; j < d; j++) {
      let m = 0;
      let v = 0;
      for (let i = 0; i < n; i++) m += ds.train.x[i * d + j]! / n;
      for (let i = 0; i < n; i++) v += (ds.train.x[i * d + j]! - m) ** 2 / n;
      const sd = Math.sqrt(v);
      let m2 = 0;
      for (let i = 0; i < n; i++) m2 += out.train.x[i * d + j]! / n;
      expect(Math.abs(m2)).toBeLessThan(1e-5);
      for (let i = 0; i < ds.val.count; i++)
        expect(out.val.x[i * d + j]!).toBeCloseTo(
          sd > 0 ? (ds.val.x[i * d + j]! - m) / sd : ds.val.x[i * d + j]! - m,
          4,
        );
    }
  });
  it('refuses value targets with an error naming the transform', () => {
    const ds = dataset([2, 2]);
    const values: LoadedDataset = {
      ...ds,
      binding: { ...ds.binding, labels: { kind: 'values', shape: [1] } },
    };
    expect(() => run(values, [{ type: 'perClass', n: 1 }])).toThrow(/perClass.*class labels/);
  });
  it('names an unknown transform and a bad param', () => {
    expect(() => run(dataset([2, 2]), [{ type: 'nope' }])).toThrow(
      /transforms\[0\]: unknown transform 'nope'/,
    );
    expect(() => run(dataset([2, 2]), [{ type: 'labelNoise', p: 2 }])).toThrow(/labelNoise.*'p'/);
  });
});

describe('rotate and pool', () => {
  const g = { h: 3, w: 3, c: 1 };
  const img = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  it('a quarter turn counter-clockwise moves the top row to the left column', () => {
    // 1 2 3      3 6 9
    // 4 5 6  →   2 5 8
    // 7 8 9      1 4 7
    expect(Array.from(rotateImage(img, g, 90))).toEqual([3, 6, 9, 2, 5, 8, 1, 4, 7]);
  });
  it('90° twice = 180°, four times = identity; an interpolated 90° agrees with the exact one', () => {
    const twice = rotateImage(rotateImage(img, g, 90), g, 90);
    expect(Array.from(twice)).toEqual(Array.from(rotateImage(img, g, 180)));
    expect(Array.from(twice)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1]);
    let four: Float32Array = img;
    for (let k = 0; k < 4; k++) four = rotateImage(four, g, 90);
    expect(Array.from(four)).toEqual(Array.from(img));
    const bilinear = rotateImage(img, g, 90 + 1e-7);
    const exact = rotateImage(img, g, 90);
    for (const [i, v] of bilinear.entries()) expect(v).toBeCloseTo(exact[i]!, 4);
  });
  it('the rotate transform turns every image of both splits (flat square features)', () => {
    const ds = dataset([1, 1], [9]);
    const out = run(ds, [{ type: 'rotate', degrees: 180 }]);
    expect(Array.from(out.val.x.subarray(0, 9))).toEqual(Array.from(ds.val.x.subarray(0, 9)).reverse());
  });
  it('rotate with fraction turns round(fraction·n) seeded rows of each split and leaves the others as they were', () => {
    // 3×3 images whose 9 pixels differ (row r: 100r + 0…8), so a 180° turn is the reversed row.
    const rows = 40;
    const split = (off: number): Split => ({
      x: Float32Array.from({ length: rows * 9 }, (_, k) => off + 100 * Math.floor(k / 9) + (k % 9)),
      y: Int32Array.from({ length: rows }, (_, i) => i % 2),
      count: rows,
    });
    const ds: LoadedDataset = {
      binding: { name: 'toy', featureShape: [9], labels: { kind: 'class', numClasses: 2 } },
      train: split(0),
      val: split(1e5),
    };
    const turned = (out: Split, orig: Split) => {
      const set: number[] = [];
      for (let r = 0; r < rows; r++) {
        const a = Array.from(orig.x.subarray(r * 9, (r + 1) * 9));
        const b = Array.from(out.x.subarray(r * 9, (r + 1) * 9));
        if (b.join() === [...a].reverse().join()) set.push(r);
        else expect(b, `row ${r} is either turned or untouched`).toEqual(a);
      }
      return set;
    };
    for (const fraction of [0.25, 0.5]) {
      const a = run(ds, [{ type: 'rotate', degrees: 180, fraction }], 7);
      expect(turned(a.train, ds.train)).toHaveLength(Math.round(fraction * rows));
      expect(turned(a.val, ds.val)).toHaveLength(Math.round(fraction * rows));
      // Seeded: the same seed turns the same rows, another seed other rows.
      const again = run(ds, [{ type: 'rotate', degrees: 180, fraction }], 7);
      expect(turned(again.train, ds.train)).toEqual(turned(a.train, ds.train));
      const other = run(ds, [{ type: 'rotate', degrees: 180, fraction }], 8);
      expect(turned(other.train, ds.train)).not.toEqual(turned(a.train, ds.train));
    }
    // split: 'train' leaves the validation rows alone; fraction 1 (the default) turns every row.
    const trainOnly = run(ds, [{ type: 'rotate', degrees: 180, fraction: 0.5, split: 'train' }]);
    expect(Array.from(trainOnly.val.x)).toEqual(Array.from(ds.val.x));
    expect(turned(run(ds, [{ type: 'rotate', degrees: 180 }]).train, ds.train)).toHaveLength(rows);
    expect(() => run(ds, [{ type: 'rotate', degrees: 45, fraction: 1.5 }])).toThrow(/rotate.*'fraction'/);
  });
  it('pool averages size×size blocks per channel and shrinks the feature shape', () => {
    const x = Float32Array.from({ length: 4 * 4 * 2 }, (_, i) => i);
    const ds: LoadedDataset = {
      binding: { name: 't', featureShape: [4, 4, 2], labels: { kind: 'class', numClasses: 1 } },
      train: { x, y: Int32Array.from([0]), count: 1 },
      val: { x, y: Int32Array.from([0]), count: 1 },
    };
    const out = run(ds, [{ type: 'pool', size: 2 }]);
    expect(out.binding.featureShape).toEqual([2, 2, 2]);
    const brute: number[] = [];
    for (let bi = 0; bi < 2; bi++)
      for (let bj = 0; bj < 2; bj++)
        for (let k = 0; k < 2; k++) {
          let s = 0;
          for (let i = 0; i < 2; i++)
            for (let j = 0; j < 2; j++) s += x[((2 * bi + i) * 4 + 2 * bj + j) * 2 + k]!;
          brute.push(s / 4);
        }
    expect(Array.from(out.train.x)).toEqual(brute);
    expect(() => run(ds, [{ type: 'pool', size: 3 }])).toThrow(/size 3 does not divide/);
  });
});

describe('corrupt', () => {
  // Many features so the sample moments are tight: 400 rows × 50 features of value 0.5.
  const many = (): LoadedDataset => {
    const ds = dataset([400], [50]);
    return { ...ds, train: { ...ds.train, x: new Float32Array(ds.train.x.length).fill(0.5) } };
  };
  it('noise: mean unchanged, sd = σ (20 000 draws, 5σ bounds); val untouched with split train', () => {
    const ds = many();
    const out = run(ds, [{ type: 'corrupt', noise: 0.35, split: 'train' }]);
    const n = out.train.x.length;
    let m = 0;
    for (const v of out.train.x) m += v / n;
    let s = 0;
    for (const v of out.train.x) s += (v - m) ** 2 / (n - 1);
    expect(Math.abs(m - 0.5)).toBeLessThan((5 * 0.35) / Math.sqrt(n));
    expect(Math.abs(Math.sqrt(s) - 0.35)).toBeLessThan(0.35 * 5 * Math.sqrt(1 / (2 * n)));
    expect(out.val.x).toBe(ds.val.x);
  });
  it('dropout zeroes a fraction p of the features (binomial 5σ bound), keeps the others exactly', () => {
    const out = run(many(), [{ type: 'corrupt', dropout: 0.2, split: 'train' }]);
    const n = out.train.x.length;
    const zeros = out.train.x.filter((v) => v === 0).length;
    expect(Math.abs(zeros / n - 0.2)).toBeLessThan(5 * Math.sqrt((0.2 * 0.8) / n));
    expect(out.train.x.every((v) => v === 0 || v === 0.5)).toBe(true);
  });
  it('replace uniform gives U[0, 1) features (mean 1/2, variance 1/12) whatever the input, labels kept', () => {
    const ds = many();
    const out = run(ds, [{ type: 'corrupt', replace: 'uniform' }]);
    const x = out.val.x;
    const n = x.length;
    let m = 0;
    for (const v of x) m += v / n;
    let s = 0;
    for (const v of x) s += (v - m) ** 2 / n;
    expect(x.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(Math.abs(m - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / n));
    expect(Math.abs(s - 1 / 12)).toBeLessThan(0.005);
    expect(out.val.y).toEqual(ds.val.y);
  });
  it('is seeded: the same seed gives the same split, another seed another one', () => {
    const a = run(many(), [{ type: 'corrupt', noise: 0.1, dropout: 0.1 }], 3);
    const b = run(many(), [{ type: 'corrupt', noise: 0.1, dropout: 0.1 }], 3);
    const c = run(many(), [{ type: 'corrupt', noise: 0.1, dropout: 0.1 }], 4);
    expect(a.train.x).toEqual(b.train.x);
    expect(a.train.x).not.toEqual(c.train.x);
  });
});
