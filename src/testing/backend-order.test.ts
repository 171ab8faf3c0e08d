import { describe, expect, it } from 'vitest';
import { backendOrder } from '../trainer/backend-order.ts';

const names = (o: [string, string][]) => o.map(([b]) => b);

describe('backendOrder', () => {
  it('real GPU adapter: webgpu first', () => {
    expect(names(backendOrder({ present: true, software: false }, undefined))).toEqual([
      'webgpu',
      'wasm',
      'webgl',
      'cpu',
    ]);
  });
  it('software adapter (SwiftShader): wasm first, and says why', () => {
    const o = backendOrder({ present: true, software: true }, undefined);
    expect(names(o)).toEqual(['wasm', 'webgl', 'cpu']);
    expect(o[0]![1]).toBe('WebGPU adapter is software; wasm is faster here');
  });
  it('no adapter: wasm, webgl, cpu', () => {
    expect(names(backendOrder({ present: false, software: false }, undefined))).toEqual([
      'wasm',
      'webgl',
      'cpu',
    ]);
  });
  it('?backend= forces one first, without duplicates', () => {
    const o = backendOrder({ present: true, software: true }, 'webgpu');
    expect(names(o)).toEqual(['webgpu', 'wasm', 'webgl', 'cpu']);
    expect(o[0]![1]).toBe('forced by ?backend=webgpu');
    expect(names(backendOrder({ present: false, software: false }, 'cpu'))).toEqual(['cpu', 'wasm', 'webgl']);
  });
  it('a backend that failed at run time is skipped, and the reason names it', () => {
    const o = backendOrder({ present: true, software: false }, undefined, ['webgpu']);
    expect(names(o)).toEqual(['wasm', 'webgl', 'cpu']);
    expect(o[0]![1]).toBe('webgpu failed at run time');
  });
});
