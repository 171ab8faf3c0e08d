import { reject } from '../../src/core/diagnostics.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { formatShape, tensor } from '../../src/core/tensor-type.ts';
import { MIP_PAPER } from './_mip.ts';

export default defineNode({
  type: 'hyper.encoding',
  version: 1,
  kind: 'layer',
  title: 'Hypernetwork input encoding',
  docs: {
    summary:
      'MIP input encoding of a hypernetwork’s conditioning z ∈ [0, 1]^k: cos|sin maps it onto a circle per entry, so the encoding has the same norm √k for every z (magnitude invariance) and the hypernetwork’s output scale no longer depends on z. z|1−z is the paper’s other invariant encoding; raw passes z through (the non-MIP baseline).',
    formula:
      'cos|sin: e(z) = [cos(πz/2), sin(πz/2)] ∈ R^{2k}, ‖e‖ = √k;  z|1−z: e(z) = [z, 1 − z];  raw: e(z) = z',
    paper: MIP_PAPER,
  },
  params: {
    mode: p.enum(
      ['cosSin', 'zOneMinusZ', 'raw'],
      'cosSin',
      'cosSin (MIP default), zOneMinusZ, or raw (no encoding).',
    ),
  },
  inputs: { z: { doc: 'Conditioning [B, k], entries in [0, 1].' } },
  outputs: { y: { doc: '[B, 2k] (raw: [B, k]).' } },
  infer({ inputs, params }) {
    const s = inputs.z!.shape;
    if (s.length !== 2)
      reject('shape/rank-mismatch', `The conditioning ${formatShape(s)} must be [B, k].`, { port: 'z' });
    const k = s[1] ?? null;
    return { y: tensor([s[0] ?? null, params.mode === 'raw' || k === null ? k : 2 * k]) };
  },
  paramCount: () => 0,
  lower: ({ params }) => ({ kind: 'kernel', config: { mode: params.mode } }),
  kernel: {
    call: (ops, [z], _w, params) => {
      if (params.mode === 'raw') return z!;
      if (params.mode === 'zOneMinusZ') return ops.concat([z!, ops.sub(ops.scalar(1), z!)], -1);
      const a = ops.mul(z!, ops.scalar(Math.PI / 2));
      return ops.concat([ops.cos(a), ops.sin(a)], -1);
    },
  },
  examples: [
    { inputs: { z: { shape: [3, 1], range: [0, 1] } } },
    { inputs: { z: { shape: [2, 2], range: [0, 1] } }, params: { mode: 'zOneMinusZ' } },
  ],
});
