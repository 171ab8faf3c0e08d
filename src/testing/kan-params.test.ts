// KAN-family parameter counts against the spec formulas (papers 2, 6, 10), through analysis.
import { describe, expect, it } from 'vitest';
import { analyse } from '../core/analysis/analyse.ts';
import { loadRegistry } from '../node/discover-nodes.ts';
import { oneNodeGraph } from './harness.ts';

const registry = await loadRegistry();
const count = (type: string, shape: number[], params: Record<string, unknown>): number => {
  const a = analyse(oneNodeGraph(registry.get(type)!, { inputs: { x: { shape } }, params }), registry);
  expect(a.diagnostics).toEqual([]);
  return a.totalParams;
};

describe('KAN parameter counts = spec formulas', () => {
  it('kanLayer (B-spline G = 5, k = 3): D·out·(G + k + 1)', () => {
    expect(count('kan.kanLayer', [1, 2], { units: 5 })).toBe(2 * 5 * 9);
    expect(count('kan.kanLayer', [1, 64], { units: 16 })).toBe(64 * 16 * 9);
  });
  it('kanLayer other bases: M = 2G (fourier), G (grbf, mexhat), G + 1 (chebyshev)', () => {
    expect(count('kan.kanLayer', [1, 3], { units: 4, basis: 'fourier', gridSize: 4 })).toBe(3 * 4 * 9);
    expect(count('kan.kanLayer', [1, 3], { units: 4, basis: 'grbf', gridSize: 4 })).toBe(3 * 4 * 5);
    expect(count('kan.kanLayer', [1, 3], { units: 4, basis: 'chebyshev', gridSize: 4 })).toBe(3 * 4 * 6);
  });
  it('sKan (pool of 5, G = 5, k = 3): out·D·(Σ M_s + |pool| + 1)', () => {
    const sum = 8 + 10 + 5 + 6 + 5;
    expect(count('kan.sKan', [1, 2], { units: 5 })).toBe(5 * 2 * (sum + 5 + 1));
    expect(count('kan.sKan', [1, 2], { units: 5, selectBy: 'node' })).toBe(5 * 2 * (sum + 1) + 5 * 5);
  });
  it('reluKan: in·(g+k)·out + out + 2·in·(g+k) + 2·in', () => {
    expect(count('kan.reluKan', [1, 784], { units: 64, gridSize: 5, order: 3 })).toBe(
      784 * 8 * 64 + 64 + 2 * 784 * 8 + 2 * 784,
    );
  });
  it('afKan: out·in + (g+k+1) + 1 + 2·in + 2·(g+k)', () => {
    expect(count('kan.afKan', [1, 784], { units: 64 })).toBe(64 * 784 + 7 + 1 + 2 * 784 + 12);
  });
  it('convKan: k²·C·filters·(M + 1)', () => {
    expect(count('kan.convKan', [1, 8, 8, 2], { filters: 4, kernelSize: 3 })).toBe(9 * 2 * 4 * 9);
  });
});
