// numpy's .npy format (version 1.0, little-endian, C order) and .npz (a zip of .npy files), for
// float32 and int32 arrays: what the PyTorch export writes for datasets and weights. Pure.

import { zipStored } from './zip.ts';

export interface NpyArray {
  readonly data: Float32Array | Int32Array;
  readonly shape: readonly number[];
}

/** One .npy file. Throws when the shape does not hold the data. */
export function npy(a: NpyArray): Uint8Array {
  const size = a.shape.reduce((t, d) => t * d, 1);
  if (size !== a.data.length || a.shape.some((d) => !Number.isInteger(d) || d < 0))
    throw new Error(`npy: shape [${a.shape.join(', ')}] does not hold ${a.data.length} values`);
  const descr = a.data instanceof Float32Array ? '<f4' : '<i4';
  const shape = a.shape.length === 1 ? `(${a.shape[0]},)` : `(${a.shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  // Magic (6) + version (2) + header length (2) + header, padded with spaces to 64 bytes, ends in \n.
  const pad = 64 - ((10 + header.length + 1) % 64);
  header = `${header}${' '.repeat(pad % 64)}\n`;
  const out = new Uint8Array(10 + header.length + a.data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  // Typed arrays are little-endian on every platform JS runs on that matters; written byte by
  // byte through a DataView so the file is little-endian regardless.
  const view = new DataView(out.buffer, 10 + header.length);
  const float = a.data instanceof Float32Array;
  for (let i = 0; i < a.data.length; i++)
    if (float) view.setFloat32(i * 4, a.data[i]!, true);
    else view.setInt32(i * 4, a.data[i]!, true);
  return out;
}

/** An .npz archive: `name` → `name.npy`, stored uncompressed (np.load reads it). */
export function npz(arrays: Readonly<Record<string, NpyArray>>): Uint8Array {
  return zipStored(Object.entries(arrays).map(([name, a]) => ({ name: `${name}.npy`, data: npy(a) })));
}
