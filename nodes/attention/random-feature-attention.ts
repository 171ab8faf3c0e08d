import { tokens } from '../../src/core/attention/shared.ts';
import { reject } from '../../src/core/diagnostics.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { tensor } from '../../src/core/tensor-type.ts';

export default defineNode({
  type: 'attention.randomFeatureAttention',
  version: 1,
  kind: 'layer',
  title: 'Random-feature attention',
  docs: {
    summary:
      'Random-feature multi-head attention (RFMHA): token 0 is the query x₀, tokens 1…N the keys. Each of M heads has a frozen random query-key matrix W_m (non-trainable weight, never updated) and a trainable value vector v_m, so the layer is linear in its trainable parameters. meanScale c > 0 samples W_m around c·I (biased sampling).',
    formula:
      'f(x_{0:N}) = (1/M)·Σ_m (1/N)·Σ_{i=1..N} relu(x₀ᵀ(W_m + c·I)x_i)·⟨v_m, x_i⟩,  W_m entries uniform with variance 1/d (frozen), v_m ∈ R^d trainable.  Params M·d² (frozen) + M·d (trainable)',
    paper: {
      title: 'What can a Single Attention Layer Learn? A Study Through the Random Features Lens',
      authors: 'Fu, Guo, Bai, Mei',
      year: 2023,
      arxiv: '2307.11353',
    },
  },
  params: {
    heads: p.int({ default: 64, min: 1, max: 4096, doc: 'M: number of random heads.' }),
    meanScale: p.float({ default: 0, min: -10, max: 10, step: 0.1, doc: 'c: W_m = W̄ + G_m with W̄ = c·I.' }),
  },
  inputs: { x: { doc: 'Tokens [B, N + 1, d]: the query first, then N keys.' } },
  outputs: { y: { doc: '[B, 1]' } },
  infer({ inputs }) {
    const [n] = tokens(inputs.x!, 'Random-feature attention', true);
    if ((n as number) < 2)
      reject(
        'shape/too-small',
        'Random-feature attention needs a query and at least one key (N + 1 ≥ 2 tokens).',
        {
          port: 'x',
        },
      );
    return { y: tensor([inputs.x!.shape[0]!, 1]) };
  },
  paramCount({ inputs, params }) {
    const [, d] = tokens(inputs.x!, 'Random-feature attention');
    return params.heads * d * d + params.heads * d;
  },
  kernel: {
    weights(params, [shape]) {
      const d = shape![2] as number;
      const a = Math.sqrt(3 / d);
      return [
        { name: 'qk', shape: [d, params.heads * d], init: { uniform: [-a, a] }, trainable: false },
        { name: 'values', shape: [d, params.heads], init: 'glorotUniform' },
      ];
    },
    call(ops, [x], w, params) {
      const [, t, d] = ops.shape(x!) as [number, number, number];
      const n = t - 1;
      const m = params.heads;
      const x0 = ops.reshape(ops.slice(x!, [0, 0, 0], [-1, 1, d]), [-1, d]);
      const keys = ops.slice(x!, [0, 1, 0], [-1, n, d]);
      let q = ops.reshape(ops.matMul(x0, w.qk!), [-1, m, d]); // x₀ᵀW_m
      if (params.meanScale !== 0)
        q = ops.add(q, ops.mul(ops.reshape(x0, [-1, 1, d]), ops.scalar(params.meanScale)));
      const s = ops.relu(ops.matMul(q, keys, false, true)); // [B, M, N]
      const v = ops.transpose(
        ops.reshape(ops.matMul(ops.reshape(keys, [-1, d]), w.values!), [-1, n, m]),
        [0, 2, 1],
      );
      return ops.reshape(ops.mul(ops.sum(ops.mul(s, v), [1, 2]), ops.scalar(1 / (n * m))), [-1, 1]);
    },
  },
  lower: ({ params }) => ({ kind: 'kernel', config: { ...params } }),
  examples: [
    { inputs: { x: { shape: [3, 4, 3] } }, params: { heads: 5 } },
    { inputs: { x: { shape: [3, 3, 2] } }, params: { heads: 4, meanScale: 1 } },
  ],
});
