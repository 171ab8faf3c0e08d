// tfjs weights → the exported PyTorch model's state_dict entries: each node's weights in tfjs's
// order, renamed to `<attribute>.<key>` and transposed where torch stores the axes differently
// (Linear [out, in], Conv2d [out, in, kh, kw]). Pure: takes plain arrays, no tfjs.

import type { NpyArray } from '../archive/npy.ts';
import { CodegenError } from './print.ts';
import type { NodeWeights } from './pytorch-model.ts';

export interface TfWeight {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** `data` of row-major `shape` with its axes reordered: result axis i is source axis perm[i]. */
export function transposeArray(
  data: Float32Array,
  shape: readonly number[],
  perm: readonly number[],
): NpyArray {
  const outShape = perm.map((p) => shape[p]!);
  const strides = shape.map((_d, i) => shape.slice(i + 1).reduce((t, d) => t * d, 1));
  const out = new Float32Array(data.length);
  const idx = new Array<number>(outShape.length).fill(0);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let i = 0; i < perm.length; i++) src += idx[i]! * strides[perm[i]!]!;
    out[o] = data[src]!;
    for (let i = outShape.length - 1; i >= 0; i--) {
      if (++idx[i]! < outShape[i]!) break;
      idx[i] = 0;
    }
  }
  return { data: out, shape: outShape };
}

/**
 * The state_dict entries for the nodes' tfjs weights (`weightsOf(nodeId)`, in the layer's order).
 * Throws CodegenError naming the node when its weights do not match what the export expects.
 */
export function pytorchStateDict(
  nodes: readonly NodeWeights[],
  weightsOf: (nodeId: string) => readonly TfWeight[] | undefined,
): Record<string, NpyArray> {
  const out: Record<string, NpyArray> = {};
  for (const n of nodes) {
    const tf = weightsOf(n.nodeId) ?? [];
    if (tf.length !== n.weights.length)
      throw new CodegenError(
        `the trained model has ${tf.length} weight(s) for this node, the PyTorch model ${n.weights.length}`,
        n.nodeId,
      );
    n.weights.forEach((m, i) => {
      const w = tf[i]!;
      out[`${n.attr}.${m.key}`] = m.perm
        ? transposeArray(w.data, w.shape, m.perm)
        : { data: w.data, shape: w.shape };
    });
  }
  return out;
}
