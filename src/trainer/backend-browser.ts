// Backend choice in the browser: webgpu on a real GPU adapter; on a software (fallback) adapter,
// wasm (≈14× faster than SwiftShader-WebGPU on the GPU-less CI machines); then webgl, then cpu.
// `?backend=` forces any of them. Always says which and why.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { gpuAdapter } from '../browser/gpu-adapter.ts';
import { installKernelPatches } from '../compiler/backend-patches.ts';
import { backendOrder } from './backend-order.ts';
import type { BackendInfo, BackendName } from './protocol.ts';

setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmPlain,
  'tfjs-backend-wasm-simd.wasm': wasmSimd,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
});
// Threaded wasm hangs when the page is cross-origin isolated (DESIGN §7); 2 cores gain little.
tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
tf.env().set('PROD', true);

async function trySet(name: BackendName): Promise<boolean> {
  try {
    if (name === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
    const ok = await tf.setBackend(name);
    if (ok) await tf.ready();
    installKernelPatches(); // after the backend package registered its kernels (wasm overrides some)
    return ok && tf.getBackend() === name;
  } catch {
    return false;
  }
}

export async function chooseBackend(
  forced?: BackendName,
  exclude: readonly BackendName[] = [],
): Promise<BackendInfo & { notices: string[] }> {
  const notices: string[] = [];
  const gpu = await gpuAdapter();
  const adapterFor = (b: BackendName) => (b === 'webgpu' ? (gpu?.adapter ?? '') : '');
  for (const [b, reason] of backendOrder(
    { present: !!gpu, software: gpu?.software ?? false },
    forced,
    exclude,
  )) {
    if (await trySet(b)) return { backend: b, adapter: adapterFor(b), reason, notices };
    notices.push(
      b === forced
        ? `Backend '${b}' is not available in this browser; falling back.`
        : `Backend '${b}' failed to start; trying the next one.`,
    );
  }
  throw new Error('no tfjs backend could be initialised');
}
