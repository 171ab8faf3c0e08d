// IEMF's unimodal responses inside one forward pass: the batch is stacked three times — both
// modalities, audio alone (visual features zeroed), vision alone (audio features zeroed) — so one
// fusion head (its weights shared by construction) gives o_AV, o_A and o_V; Modality split undoes
// the stacking after the head.
import { reject } from '../../src/core/diagnostics.ts';
import { defineNode } from '../../src/core/node-def.ts';
import type { Ops } from '../../src/core/ops.ts';
import { formatShape, tensor } from '../../src/core/tensor-type.ts';
import { IEMF_PAPER } from './_paper.ts';

/** [a; a; 0] and [v; 0; v] along the batch. */
const stack = <T>(ops: Ops<T>, a: T, v: T) => {
  const zero = ops.scalar(0);
  return {
    aOut: ops.concat([a, a, ops.mul(a, zero)], 0),
    vOut: ops.concat([v, ops.mul(v, zero), v], 0),
  };
};

export default defineNode({
  type: 'fusion.modalityDrop',
  version: 1,
  kind: 'layer',
  title: 'Modality drop (unimodal copies)',
  docs: {
    summary:
      'Stacks the batch three times along the batch axis so that the fusion head after it computes the fused and both unimodal responses in one pass, with the same weights: rows 1..B carry both modalities, rows B+1..2B modality a with v’s features zeroed, rows 2B+1..3B modality v with a’s zeroed (the OGM-GE/IEMF way to read unimodal outputs from a fusion model without extra parameters). Follow the head with Modality split. A zeroed modality is a constant, so no gradient reaches its encoder from those rows; connect losses to the fused rows only and the unimodal copies train nothing (they feed metrics such as IEMF’s κ).',
    formula:
      'a′ = [a; a; 0],  v′ = [v; 0; v]  (along the batch: [3B, …]);  ∂/∂a sums the rows where a is kept',
    paper: IEMF_PAPER,
  },
  params: {},
  inputs: {
    a: { doc: 'First modality’s features [B, …] (e.g. audio).' },
    v: { doc: 'Second modality’s features [B, …] (e.g. vision).' },
  },
  outputs: {
    aOut: { doc: '[3B, …]: a, a, 0.' },
    vOut: { doc: '[3B, …]: v, 0, v.' },
  },
  infer({ inputs }) {
    const a = inputs.a!;
    const v = inputs.v!;
    for (const [port, t] of [
      ['a', a],
      ['v', v],
    ] as const)
      if (t.shape.length < 2)
        reject(
          'shape/rank-mismatch',
          `Modality drop needs batched features [B, …], got ${formatShape(t.shape)}.`,
          { port },
        );
    return {
      aOut: tensor([null, ...a.shape.slice(1)], a.dtype),
      vOut: tensor([null, ...v.shape.slice(1)], v.dtype),
    };
  },
  paramCount: () => 0,
  lower: () => ({ kind: 'kernel', config: {} }),
  kernel: {
    call: (ops, [a, v]) => stack(ops, a!, v!).aOut,
    callPorts: (ops, [a, v]) => stack(ops, a!, v!),
  },
  examples: [{ inputs: { a: { shape: [2, 3] }, v: { shape: [2, 4] } }, outputBatch: 6 }],
});
