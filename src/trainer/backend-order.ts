// Which backends to try, in order, and why (pure: unit-tested without a browser).
import type { BackendName } from './protocol.ts';

export interface GpuProbe {
  /** A WebGPU adapter exists… */
  readonly present: boolean;
  /** …and it is a software (fallback) adapter such as SwiftShader. */
  readonly software: boolean;
}

/**
 * webgpu on a real GPU adapter; else wasm (≈14× faster than software WebGPU on GPU-less machines),
 * webgl, cpu. A forced backend goes first. Backends in `exclude` (failed at run time) are skipped.
 */
export function backendOrder(
  gpu: GpuProbe,
  forced: BackendName | undefined,
  exclude: readonly BackendName[] = [],
): [BackendName, string][] {
  const order: [BackendName, string][] = [];
  if (forced) order.push([forced, `forced by ?backend=${forced}`]);
  if (gpu.present && !gpu.software) order.push(['webgpu', 'GPU adapter available']);
  const wasmWhy = exclude.length
    ? `${exclude.join(', ')} failed at run time`
    : gpu.software
      ? 'WebGPU adapter is software; wasm is faster here'
      : gpu.present
        ? 'WebGPU failed'
        : 'no WebGPU adapter';
  order.push(['wasm', wasmWhy], ['webgl', 'wasm unavailable'], ['cpu', 'no accelerated backend']);
  const seen = new Set<BackendName>(exclude);
  return order.filter(([b]) => {
    if (seen.has(b)) return false;
    seen.add(b);
    return true;
  });
}
