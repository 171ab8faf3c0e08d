import { flattenLeading, layerNormLast } from '../../src/core/kan/basis.ts';
import { lastDim } from '../../src/core/kan/kan.ts';
import { defineNode } from '../../src/core/node-def.ts';
import type { Ops } from '../../src/core/ops.ts';
import { p } from '../../src/core/params.ts';
import { tensor } from '../../src/core/tensor-type.ts';

const FUNCS = ['quad1', 'quad2', 'sum', 'prod', 'sum_prod', 'cubic1', 'cubic2'] as const;
const ACTS = ['silu', 'relu', 'gelu', 'tanh'] as const;

function act<T>(ops: Ops<T>, name: (typeof ACTS)[number], x: T): T {
  switch (name) {
    case 'silu':
      return ops.mul(x, ops.sigmoid(x));
    case 'relu':
      return ops.relu(x);
    case 'tanh':
      return ops.tanh(x);
    case 'gelu':
      return ops.mul(
        ops.mul(x, ops.scalar(0.5)),
        ops.add(ops.scalar(1), ops.erf(ops.mul(x, ops.scalar(Math.SQRT1_2)))),
      );
  }
}

function combine<T>(ops: Ops<T>, f: (typeof FUNCS)[number], a: T, b: T): T {
  const ab = ops.mul(a, b);
  switch (f) {
    case 'quad1':
      return ops.square(ab);
    case 'quad2':
      return ops.add(ab, ops.add(ops.square(a), ops.square(b)));
    case 'sum':
      return ops.add(a, b);
    case 'prod':
      return ab;
    case 'sum_prod':
      return ops.add(ops.add(a, b), ab);
    case 'cubic1':
      return ops.mul(ops.add(a, b), ops.add(ops.square(a), ops.square(b)));
    case 'cubic2':
      return ops.mul(ops.square(ab), ab);
  }
}

export default defineNode({
  type: 'kan.afKan',
  version: 1,
  kind: 'layer',
  title: 'AF-KAN layer',
  docs: {
    summary:
      'AF-KAN: ReLU-KAN-style bumps built from any activation and a combining function (quad1 = (x₁x₂)² by default), min-max normalised, reduced per input by a global attention over the input features, layer-normalised and mapped by a bias-free linear layer. Follows the All-KAN reference code (global_attn reduction).',
    formula:
      'x₁ = act(x_i − low_j), x₂ = act(high_j − x_i) (low init arange(−k, g)/g, high = low + (k+1)/g, learnable [g+k]);  A_ij = func(x₁, x₂) (quad1: (x₁x₂)²);  A ← minmax(A) (per sample, or over the batch for l2mm);  s_i = A_i·u + c,  w = softmax(s / max(T, 1)) over i (T init √in);  x̃_i = w_i·Σ_j A_ij;  y = act(LayerNorm(x̃))·W.  Params units·in + (g+k+1) + 1 + 2·in + 2·(g+k)',
    paper: {
      title:
        'AF-KAN: Activation Function-Based Kolmogorov-Arnold Networks for Efficient Representation Learning',
      authors: 'Ta, Tran',
      year: 2025,
    },
  },
  params: {
    units: p.int({ default: 8, min: 1, max: 4096, doc: 'Number of output features.' }),
    gridSize: p.int({ default: 3, min: 1, max: 64, doc: 'g: grid intervals.' }),
    order: p.int({ default: 3, min: 0, max: 8, doc: 'k: bump width (k + 1)/g.' }),
    activation: p.enum(ACTS, 'silu', 'Activation in the bumps and before the output map.'),
    func: p.enum(FUNCS, 'quad1', 'How the two activated halves combine into a bump.'),
    funcNorm: p.enum(
      ['l2mm_sample', 'l2mm', 'none'] as const,
      'l2mm_sample',
      'Min-max normalisation of the bump tensor (after an L2 scaling it makes redundant): per sample, or over the whole batch as in the reference code (l2mm, batch-dependent).',
    ),
  },
  inputs: { x: { doc: 'Features [B, D].' } },
  outputs: { y: { doc: '[B, units]' } },
  infer({ inputs, params }) {
    lastDim(inputs.x!, 'AF-KAN');
    return { y: tensor([...inputs.x!.shape.slice(0, -1), params.units]) };
  },
  paramCount({ inputs, params }) {
    const d = lastDim(inputs.x!, 'AF-KAN');
    const m = params.gridSize + params.order;
    return params.units * d + (m + 1) + 1 + 2 * d + 2 * m;
  },
  kernel: {
    weights(params, [shape]) {
      const d = shape![shape!.length - 1] as number;
      const m = params.gridSize + params.order;
      return [
        { name: 'low', shape: [m], init: 'zeros' },
        { name: 'high', shape: [m], init: 'zeros' },
        { name: 'attn_u', shape: [m, 1], init: 'glorotUniform' },
        { name: 'attn_c', shape: [1], init: 'zeros' },
        { name: 'temperature', shape: [1], init: { constant: Math.sqrt(d) } },
        { name: 'gamma', shape: [d], init: 'ones' },
        { name: 'beta', shape: [d], init: 'zeros' },
        { name: 'kernel', shape: [d, params.units], init: 'glorotUniform' },
      ];
    },
    call(ops, [x], w, params) {
      const { x2, lead, d } = flattenLeading(ops, x!);
      const [g, k] = [params.gridSize, params.order];
      const m = g + k;
      const a0 = Array.from({ length: m }, (_, j) => (j - k) / g);
      const low = ops.add(w.low!, ops.constant(a0, [m]));
      const high = ops.add(
        w.high!,
        ops.constant(
          a0.map((a) => a + (k + 1) / g),
          [m],
        ),
      );
      const x3 = ops.reshape(x2, [-1, d, 1]);
      let a = combine(
        ops,
        params.func,
        act(ops, params.activation, ops.sub(x3, low)),
        act(ops, params.activation, ops.sub(high, x3)),
      );
      if (params.funcNorm !== 'none') {
        const axes = params.funcNorm === 'l2mm' ? [0, 1, 2] : [1, 2];
        const mx = ops.max(a, axes, true);
        const mn = ops.neg(ops.max(ops.neg(a), axes, true));
        a = ops.div(ops.sub(a, mn), ops.add(ops.sub(mx, mn), ops.scalar(1e-8)));
      }
      const s = ops.add(ops.reshape(ops.matMul(ops.reshape(a, [-1, m]), w.attn_u!), [-1, d]), w.attn_c!);
      const attn = ops.softmax(ops.div(s, ops.maximum(w.temperature!, ops.scalar(1))));
      const xt = ops.mul(ops.sum(a, [2]), attn);
      const h = act(ops, params.activation, layerNormLast(ops, xt, w.gamma!, w.beta!));
      return ops.reshape(ops.matMul(h, w.kernel!), [...lead, params.units]);
    },
  },
  lower: ({ params }) => ({ kind: 'kernel', config: { ...params } }),
  examples: [
    { inputs: { x: { shape: [4, 3] } }, params: { units: 2, gridSize: 2, order: 1 } },
    {
      inputs: { x: { shape: [4, 3] } },
      params: { units: 2, func: 'sum_prod', activation: 'tanh', funcNorm: 'none' },
    },
  ],
});
