// The WebGPU path is testable here: Debian Chromium with --enable-unsafe-webgpu (playwright.config.ts)
// exposes a WebGPU adapter even without a GPU (SwiftShader; DESIGN §7).
import { expect, test } from '@playwright/test';

interface GpuProbe {
  readonly hasGpu: boolean;
  readonly adapter: { vendor: string; architecture: string; isFallbackAdapter: boolean | undefined } | null;
  readonly doubled: number[] | null;
}

test('navigator.gpu.requestAdapter() returns an adapter that runs a compute shader', async ({ page }) => {
  await page.goto('/');
  const probe = await page.evaluate(async (): Promise<GpuProbe> => {
    // WebGPU types are not in TypeScript's DOM lib; describe the little we use.
    type Buffer = { getMappedRange(): ArrayBuffer; unmap(): void; mapAsync(mode: number): Promise<void> };
    type Gpu = {
      requestAdapter(): Promise<{
        info: { vendor: string; architecture: string; isFallbackAdapter?: boolean };
        // biome-ignore lint/suspicious/noExplicitAny: the device API is large; this probe only touches a few calls
        requestDevice(): Promise<any>;
      } | null>;
    };
    const gpu = (navigator as unknown as { gpu?: Gpu }).gpu;
    if (!gpu) return { hasGpu: false, adapter: null, doubled: null };
    const adapter = await gpu.requestAdapter();
    if (!adapter) return { hasGpu: true, adapter: null, doubled: null };
    const { vendor, architecture, isFallbackAdapter } = adapter.info;
    const device = await adapter.requestDevice();
    const g = globalThis as unknown as {
      GPUBufferUsage: Record<string, number>;
      GPUMapMode: Record<string, number>;
    };
    const U = g.GPUBufferUsage;
    const input = new Float32Array([1, 2, 3, 4]);
    const storage = device.createBuffer({
      size: input.byteLength,
      usage: U.STORAGE! | U.COPY_SRC! | U.COPY_DST!,
    });
    device.queue.writeBuffer(storage, 0, input);
    const read: Buffer = device.createBuffer({ size: input.byteLength, usage: U.MAP_READ! | U.COPY_DST! });
    const module = device.createShaderModule({
      code: `@group(0) @binding(0) var<storage, read_write> v: array<f32>;
             @compute @workgroup_size(4) fn main(@builtin(global_invocation_id) i: vec3<u32>) { v[i.x] = v[i.x] * 2.0; }`,
    });
    const pipeline = device.createComputePipeline({
      layout: 'auto',
      compute: { module, entryPoint: 'main' },
    });
    const bind = device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [{ binding: 0, resource: { buffer: storage } }],
    });
    const enc = device.createCommandEncoder();
    const pass = enc.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bind);
    pass.dispatchWorkgroups(1);
    pass.end();
    enc.copyBufferToBuffer(storage, 0, read, 0, input.byteLength);
    device.queue.submit([enc.finish()]);
    await read.mapAsync(g.GPUMapMode.READ!);
    const doubled = [...new Float32Array(read.getMappedRange().slice(0))];
    read.unmap();
    device.destroy();
    return { hasGpu: true, adapter: { vendor, architecture, isFallbackAdapter }, doubled };
  });
  test.info().annotations.push({ type: 'adapter', description: JSON.stringify(probe.adapter) });
  expect(probe.hasGpu, 'navigator.gpu exists (is --enable-unsafe-webgpu set?)').toBe(true);
  expect(probe.adapter, 'requestAdapter() returned an adapter').not.toBeNull();
  expect(probe.doubled).toEqual([2, 4, 6, 8]);
});
