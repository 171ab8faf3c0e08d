// Shape checks shared by the EvoNorm nodes (not a node file).
import { reject } from '../../src/core/diagnostics.ts';
import { formatShape, type TensorType } from '../../src/core/tensor-type.ts';

export function channelsOf(x: TensorType, layer: string): number {
  const r = x.shape.length;
  if (r < 3)
    reject(
      'shape/rank-mismatch',
      `${layer} needs a channels-last feature map [B, …, C] with spatial axes (rank ≥ 3), got ${formatShape(x.shape)}.`,
      { port: 'x' },
    );
  const c = x.shape[r - 1];
  if (c === null || c === undefined)
    reject('shape/unknown-dim', `${layer} needs a known channel count.`, { port: 'x' });
  return c as number;
}

/** [C] → [1, …, 1, C] for a rank-r input. */
export const channelShape = (r: number, c: number): number[] => [...new Array<number>(r - 1).fill(1), c];
