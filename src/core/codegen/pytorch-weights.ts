// tfjs weights → the exported PyTorch model's state_dict entries: each node's weights in tfjs's
// order, renamed to `<attribute>.<key>` and transposed where torch stores the axes differently
// (Linear [out, in], Conv2d [out, in, kh, kw]). Pure: takes plain arrays, no tfjs.

import type { NpyArray } from '../archive/npy.ts';
import { CodegenError } from './print.ts';
import type { NodeWeights } from './pytorch-model.ts';

export interface TfWeight {
  /** The weight's name within its layer (tfjs names it `<layer>/<name>`; either is accepted). */
  readonly name: string;
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
    const byName = new Map(tf.map((w) => [w.name.slice(w.name.lastIndexOf('/') + 1), w]));
    if (tf.length !== n.weights.length)
      throw new CodegenError(
        `the trained model has ${tf.length} weight(s) for this node, the PyTorch model ${n.weights.length}`,
        n.nodeId,
      );
    for (const m of n.weights) {
      const w = byName.get(m.tfName);
      if (!w)
        throw new CodegenError(
          `the trained model has no weight '${m.tfName}' for this node (it has ${[...byName.keys()].join(', ')})`,
          n.nodeId,
        );
      const size = w.shape.reduce((a, b) => a * b, 1);
      if (size !== w.data.length)
        throw new CodegenError(
          `weight '${m.tfName}' holds ${w.data.length} values, not its shape's ${size}`,
          n.nodeId,
        );
      const moved = m.perm ? transposeArray(w.data, w.shape, m.perm) : { data: w.data, shape: w.shape };
      out[`${n.attr}.${m.key}`] = m.shape ? { data: moved.data, shape: m.shape } : moved;
    }
  }
  return out;
}
