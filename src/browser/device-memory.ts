// What this browser tells about the device's memory (navigator.deviceMemory, Chromium's
// performance.memory, a hardware WebGPU adapter's buffer limit) → the budget analysis checks a
// model's training state against. The choice itself is pure: browserMemoryBudget in core.
import { browserMemoryBudget, type DeviceMemorySignals, type MemoryBudget } from '../core/analysis/budget.ts';
import { gpuAdapter } from './gpu-adapter.ts';

export async function deviceMemorySignals(): Promise<DeviceMemorySignals> {
  const nav = globalThis.navigator as { deviceMemory?: number } | undefined;
  const perf = globalThis.performance as { memory?: { jsHeapSizeLimit?: number } } | undefined;
  // A software adapter is not used for training (wasm is), so its limits do not apply.
  const gpu = await gpuAdapter().catch(() => undefined);
  const signals: { -readonly [K in keyof DeviceMemorySignals]: DeviceMemorySignals[K] } = {};
  if (typeof nav?.deviceMemory === 'number') signals.deviceMemoryGiB = nav.deviceMemory;
  if (typeof perf?.memory?.jsHeapSizeLimit === 'number')
    signals.jsHeapLimitBytes = perf.memory.jsHeapSizeLimit;
  if (gpu && !gpu.software && gpu.maxBufferSize !== undefined) signals.gpuMaxBufferBytes = gpu.maxBufferSize;
  return signals;
}

export async function deviceMemoryBudget(): Promise<MemoryBudget> {
  return browserMemoryBudget(await deviceMemorySignals());
}
