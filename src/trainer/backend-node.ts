// Backends for the Node runner: pure-JS `cpu` and `wasm` (its .wasm files load from disk;
// threads off — they hang under some setups and 2 cores gain little). `webgpu` in Node needs the
// optional `webgpu` package (Dawn) and is not installed by default.
import * as tf from '@tensorflow/tfjs';
import { installKernelPatches } from '../compiler/backend-patches.ts';

export const NODE_BACKENDS = ['cpu', 'wasm', 'webgpu'] as const;
export type NodeBackend = (typeof NODE_BACKENDS)[number];

export class BackendError extends Error {}

export async function selectNodeBackend(name: NodeBackend): Promise<string> {
  if (name === 'wasm') {
    await import('@tensorflow/tfjs-backend-wasm'); // registers the backend and its flags
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  }
  if (name === 'webgpu') {
    throw new BackendError(
      "The webgpu backend runs in the browser (npm start). In Node it needs the optional 'webgpu' (Dawn) package, which is not installed; use --backend wasm or cpu.",
    );
  }
  installKernelPatches();
  const ok = await tf.setBackend(name);
  if (!ok) throw new BackendError(`Backend '${name}' could not be initialised here; try --backend cpu.`);
  await tf.ready();
  return tf.getBackend();
}
