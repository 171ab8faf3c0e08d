// The WebGPU adapter this browser offers, as training will see it: its name, whether it is a
// software (fallback) one, and its largest buffer. Used by the backend choice (Worker) and the
// memory budget (page).

interface AdapterLike {
  readonly isFallbackAdapter?: boolean;
  readonly info?: { vendor?: string; architecture?: string; isFallbackAdapter?: boolean };
  readonly limits?: { maxBufferSize?: number };
}

export interface GpuAdapterInfo {
  readonly adapter: string;
  readonly software: boolean;
  readonly maxBufferSize: number | undefined;
}

export async function gpuAdapter(): Promise<GpuAdapterInfo | undefined> {
  const gpu = (globalThis.navigator as { gpu?: { requestAdapter(): Promise<AdapterLike | null> } }).gpu;
  if (!gpu) return undefined;
  const a = await gpu.requestAdapter().catch(() => null);
  if (!a) return undefined;
  const info = a.info ?? {};
  const software =
    a.isFallbackAdapter === true || info.isFallbackAdapter === true || info.architecture === 'swiftshader';
  const name = [info.vendor, info.architecture].filter(Boolean).join(' ') || 'unknown adapter';
  return {
    adapter: `${name}${software ? ' (software)' : ''}`,
    software,
    maxBufferSize: a.limits?.maxBufferSize,
  };
}
