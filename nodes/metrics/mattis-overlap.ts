import { reject } from '../../src/core/diagnostics.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { tensor } from '../../src/core/tensor-type.ts';
import { P39_PAPER } from '../fit/_shared.ts';

export default defineNode({
  type: 'metrics.mattisOverlap',
  version: 1,
  kind: 'metric',
  title: 'Mattis overlap',
  docs: {
    summary:
      'The Mattis magnetisation of a network state with one stored pattern: 1 when the state equals it, 0 when unrelated. With diluted patterns, m_μ of a multitasking network shows which patterns it retrieves at once.',
    formula:
      'm_μ = mean_b (1/N) Σ_i ξ^μ_{b,i} σ_{b,i}  (ξ^μ = patterns[:, μ, :]);  absolute: mean_b |m_{μ,b}|;  rank r: mean_b of the r-th largest |m_{ν,b}| over ν',
    paper: P39_PAPER,
  },
  params: {
    pattern: p.int({
      default: 0,
      min: 0,
      max: 65535,
      doc: 'Which pattern μ (0-based) of the patterns input.',
    }),
    rank: p.int({
      default: 0,
      min: 0,
      max: 65535,
      doc: 'r ≥ 1: instead of pattern μ, the r-th largest amplitude |m_ν| over all K patterns of each state (the hierarchy m_(1) ≥ m_(2) ≥ … whichever pattern fills which blanks); 0: off.',
    }),
    absolute: p.bool({
      default: false,
      doc: 'Average |m_μ| per state (the amplitude): the dynamics are symmetric under ξ → −ξ, so a pattern retrieved in the blanks of another appears with either sign.',
    }),
  },
  inputs: {
    pred: { doc: 'Network states σ [B, N].' },
    target: { doc: 'Stored patterns [B, K, N] (a dataset field, the same for every row).' },
  },
  outputs: { value: { doc: 'Scalar in [−1, 1].' } },
  infer({ inputs, params }) {
    const s = inputs.pred!.shape;
    const t = inputs.target!.shape;
    if (s.length !== 2 || t.length !== 3 || t[2] !== s[1])
      reject(
        'shape/mismatch',
        `Mattis overlap reads states [B, N] and patterns [B, K, N]; got [${s.join(', ')}] and [${t.join(', ')}].`,
        { port: 'target' },
      );
    if (t[1] !== null && (params.pattern >= (t[1] as number) || params.rank > (t[1] as number)))
      reject(
        'param/invalid',
        `Mattis overlap: pattern ${params.pattern} (rank ${params.rank}) is beyond the ${t[1]} patterns.`,
        {
          field: 'pattern',
        },
      );
    return { value: tensor([]) };
  },
  lower: ({ params }) => ({
    kind: 'metric',
    config: { pattern: params.pattern, rank: params.rank, absolute: params.absolute },
  }),
  metric: {
    target: 'onehot',
    fn() {
      throw new Error('metrics.mattisOverlap is an n-ary metric (call)');
    },
    call(ops, { pred, target }, params) {
      const [, k, n] = ops.shape(target!) as [number, number, number];
      if (params.rank > 0) {
        // [B, K] overlaps of each state with every pattern, then the rank-th largest amplitude.
        const all = ops.abs(
          ops.div(ops.sum(ops.mul(target!, ops.reshape(pred!, [-1, 1, n])), [2]), ops.scalar(n)),
        );
        const top = ops.topK(all, Math.min(params.rank, k));
        return ops.mean(ops.slice(top, [0, Math.min(params.rank, k) - 1], [-1, 1]));
      }
      const xi = ops.reshape(ops.slice(target!, [0, params.pattern, 0], [-1, 1, -1]), [-1, n]);
      const m = ops.div(ops.sum(ops.mul(xi, pred!), [1]), ops.scalar(n));
      return ops.mean(params.absolute ? ops.abs(m) : m);
    },
  },
  examples: [
    { inputs: { pred: { shape: [2, 5] }, target: { shape: [2, 3, 5] } }, params: { pattern: 1 } },
    { inputs: { pred: { shape: [2, 5] }, target: { shape: [2, 3, 5] } }, params: { rank: 2 } },
  ],
});
