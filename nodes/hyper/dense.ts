import { reject } from '../../src/core/diagnostics.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { formatShape, tensor } from '../../src/core/tensor-type.ts';
import { MIP_PAPER } from './_mip.ts';

export default defineNode({
  type: 'hyper.dense',
  version: 1,
  kind: 'layer',
  title: 'Hyper dense',
  docs: {
    summary:
      'A Dense layer of a primary network whose weights come from a port, not from its own variables: it reads its kernel and bias from θ (a Hypernetwork output) starting at `offset`, one set per sample, so gradients flow into the hypernetwork. Chain several with offsets that follow each other (kernel, then bias, layer by layer).',
    formula:
      'W_b = reshape(θ_b[o : o + n·u], [n, u]),  c_b = θ_b[o + n·u : o + n·u + u];  y_b = x_b·W_b + c_b  (x_b: [M, n], per sample b; no own parameters)',
    paper: MIP_PAPER,
  },
  params: {
    units: p.int({ default: 32, min: 1, max: 4096, doc: 'Output features u.' }),
    offset: p.int({ default: 0, min: 0, doc: 'Index in θ where this layer’s kernel starts.' }),
  },
  inputs: {
    x: { doc: 'Primary activations [B, …, n] (e.g. [B, points, 1]).' },
    theta: { doc: 'Weights θ [B, P] from a Hypernetwork output.' },
  },
  outputs: { y: { doc: '[B, …, units].' } },
  infer({ inputs, params }) {
    const x = inputs.x!.shape;
    const t = inputs.theta!.shape;
    if (x.length < 2)
      reject('shape/rank-mismatch', `The activations ${formatShape(x)} need a feature axis: [B, …, n].`, {
        port: 'x',
      });
    if (t.length !== 2)
      reject('shape/rank-mismatch', `θ ${formatShape(t)} must be [B, P] (a Hypernetwork output).`, {
        port: 'theta',
      });
    const n = x[x.length - 1];
    const size = t[1];
    if (typeof n === 'number' && typeof size === 'number') {
      const end = params.offset + n * params.units + params.units;
      if (end > size)
        reject(
          'param/out-of-range',
          `This layer reads θ[${params.offset} : ${end}] (kernel ${n}×${params.units} + bias ${params.units}) but θ has ${size} entries: lower the offset or widen the Hypernetwork output's primary widths.`,
          { port: 'theta' },
        );
    }
    return { y: tensor([...x.slice(0, -1), params.units]) };
  },
  paramCount: () => 0,
  lower: ({ params }) => ({ kind: 'kernel', config: { units: params.units, offset: params.offset } }),
  kernel: {
    call: (ops, [x, theta], _w, params) => {
      const s = ops.shape(x!);
      const n = s[s.length - 1]!;
      const mid = s.slice(1, -1);
      const u = params.units;
      const m = mid.reduce((a, b) => a * b, 1);
      const w = ops.reshape(ops.slice(theta!, [0, params.offset], [-1, n * u]), [-1, n, u]);
      const c = ops.reshape(ops.slice(theta!, [0, params.offset + n * u], [-1, u]), [-1, 1, u]);
      const y = ops.add(ops.matMul(ops.reshape(x!, [-1, m, n]), w), c); // [B, M, u]
      return ops.reshape(y, [-1, ...mid, u]);
    },
  },
  examples: [
    { inputs: { x: { shape: [2, 5, 1] }, theta: { shape: [2, 10] } }, params: { units: 3, offset: 4 } },
    { inputs: { x: { shape: [3, 2] }, theta: { shape: [3, 9] } }, params: { units: 3, offset: 0 } },
  ],
});
