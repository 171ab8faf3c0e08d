// FLOPs estimate vs closed-form counts written by hand (2 FLOPs per multiply-add).
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyse } from '../core/analysis/analyse.ts';
import { formatFlops } from '../core/analysis/flops.ts';
import { parseGraphText } from '../core/doc/parse.ts';
import type { Registry } from '../core/registry.ts';
import { loadRegistry } from '../node/discover-nodes.ts';

let registry: Registry;
beforeAll(async () => {
  registry = await loadRegistry();
});

const template = (id: string) =>
  parseGraphText(readFileSync(new URL(`../../templates/${id}.graph.json`, import.meta.url), 'utf8')).doc!;

describe('FLOPs estimate', () => {
  it('mlp-mnist ≈ 2·(784·128 + 128·10) within 1 %', () => {
    const macs = 784 * 128 + 128 * 10;
    const a = analyse(template('mlp-mnist'), registry);
    expect(a.totalFlops / (2 * macs)).toBeGreaterThan(1);
    expect(a.totalFlops / (2 * macs)).toBeLessThan(1.01);
  });

  it('lenet-5 ≈ 2 × its multiply-adds (convolutions at every output position) within 5 %', () => {
    const macs =
      28 * 28 * 6 * (5 * 5 * 1) + // c1, same padding
      10 * 10 * 16 * (5 * 5 * 6) + // c3, valid
      400 * 120 +
      120 * 84 +
      84 * 10;
    const a = analyse(template('lenet-5'), registry);
    const ratio = a.totalFlops / (2 * macs);
    expect(ratio).toBeGreaterThan(1);
    expect(ratio).toBeLessThan(1.05);
    // The conv layer alone: weights applied at all 28×28 positions.
    expect(a.nodes.get('c1')!.flops).toBeGreaterThan(2 * 28 * 28 * 6 * 25);
  });

  it('attention counts the N² score matmuls', () => {
    const a = analyse(template('vit-fourier-karat'), registry);
    const mha = [...a.nodes.values()].find((n) => n.def?.type === 'attention.transformerEncoder');
    expect(mha).toBeDefined();
    const n = mha!.inputs.x!.shape[1] as number;
    const d = mha!.inputs.x!.shape[2] as number;
    expect(mha!.flops).toBeGreaterThan(4 * n * n * d);
  });

  it('formats with SI prefixes', () => {
    expect(formatFlops(203_540)).toBe('204 kFLOPs');
    expect(formatFlops(1_234_567)).toBe('1.23 MFLOPs');
    expect(formatFlops(12)).toBe('12 FLOPs');
  });
});
