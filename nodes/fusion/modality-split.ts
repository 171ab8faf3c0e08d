// Undoes Modality drop's stacking after the fusion head: three outputs, fused and unimodal.
import { reject } from '../../src/core/diagnostics.ts';
import { defineNode } from '../../src/core/node-def.ts';
import type { Ops } from '../../src/core/ops.ts';
import { formatShape, tensor } from '../../src/core/tensor-type.ts';
import { IEMF_PAPER } from './_paper.ts';

/** Rows [0, B), [B, 2B), [2B, 3B) of x [3B, …]: reshape to [3, B, …] and take each slice. */
const unstack = <T>(ops: Ops<T>, x: T) => {
  const rest = ops.shape(x).slice(1) as number[];
  const r = ops.reshape(x, [3, -1, ...rest]);
  const part = (k: number) =>
    ops.reshape(ops.slice(r, [k, 0, ...rest.map(() => 0)], [1, -1, ...rest]), [-1, ...rest]);
  return { fused: part(0), a: part(1), v: part(2) };
};

export default defineNode({
  type: 'fusion.modalitySplit',
  version: 1,
  kind: 'layer',
  title: 'Modality split (fused / unimodal)',
  docs: {
    summary:
      'Splits the output of a fusion head run on Modality drop’s stacked batch [3B, …] back into its three responses: fused (both modalities), a alone, v alone — e.g. the logits o_AV, o_A, o_V that IEMF’s κ compares. The batch must be a multiple of 3 (it is, after Modality drop).',
    formula: 'x = [x_AV; x_A; x_V] (each [B, …]) → fused = x_AV, a = x_A, v = x_V',
    paper: IEMF_PAPER,
  },
  params: {},
  inputs: { x: { doc: 'The head’s output on the stacked batch [3B, …] (static feature axes).' } },
  outputs: {
    fused: { doc: '[B, …]: both modalities (connect the loss and the model output here).' },
    a: { doc: '[B, …]: modality a alone (v’s features zeroed).' },
    v: { doc: '[B, …]: modality v alone (a’s features zeroed).' },
  },
  infer({ inputs }) {
    const x = inputs.x!;
    if (x.shape.length < 2 || x.shape.slice(1).some((d) => typeof d !== 'number'))
      reject(
        'shape/rank-mismatch',
        `Modality split needs [3B, …] with known feature axes, got ${formatShape(x.shape)}.`,
        { port: 'x' },
      );
    const t = tensor([null, ...x.shape.slice(1)], x.dtype);
    return { fused: t, a: t, v: t };
  },
  paramCount: () => 0,
  lower: () => ({ kind: 'kernel', config: {} }),
  kernel: {
    call: (ops, [x]) => unstack(ops, x!).fused,
    callPorts: (ops, [x]) => unstack(ops, x!),
  },
  examples: [
    { inputs: { x: { shape: [6, 4] } }, outputBatch: 2 },
    { inputs: { x: { shape: [3, 2, 2] } }, outputBatch: 1 },
  ],
});
