// P42 IEMF: the inverse-effectiveness coefficient κ from the fused and the two unimodal responses on a
// batch. As the lr multiplier of the fusion optimizer group (lrScale { metric }) it makes the fusion
// module learn faster when the unimodal cues are weak relative to the fused response.
import { reject } from '../../src/core/diagnostics.ts';
import { defineNode } from '../../src/core/node-def.ts';
import type { Ops } from '../../src/core/ops.ts';
import { p } from '../../src/core/params.ts';
import { formatShape, type TensorType, tensor } from '../../src/core/tensor-type.ts';
import { IEMF_PAPER } from '../fusion/_paper.ts';

/** Cue strength s = mean_b p(y_b | o_b), p = softmax(o) (or o itself when probabilities). */
export function cueStrength<T>(ops: Ops<T>, o: T, target: T, fromLogits: boolean): T {
  const prob = fromLogits ? ops.softmax(o) : o;
  const classes = ops.shape(o).at(-1) as number;
  const onehot = ops.oneHot(ops.cast(ops.reshape(target, [-1]), 'int32'), classes);
  return ops.mean(ops.sum(ops.mul(prob, onehot), [1]));
}

export default defineNode({
  type: 'metrics.iemfKappa',
  version: 1,
  kind: 'metric',
  title: 'IEMF κ (inverse effectiveness)',
  docs: {
    summary:
      'Inverse-effectiveness coefficient of IEMF (He et al. 2025): the cue strengths s = mean over the batch of the probability of the true class, for the fused response and the two unimodal ones (the same head with the other modality zeroed: Modality drop → head → Modality split); the multisensory enhancement ME (Stein & Meredith’s index) compares the fused strength with the stronger unimodal one; κ = clip(1 + ME) is large when the unimodal cues are weak relative to the fused response. Use it as lrScale { metric } of the fusion optimizer group. The paper’s exact coefficient is not public (spec [VERIFY]): this is the spec’s default, with the ratio to the unimodal mean as the alternative; report "enhancement" gives ME itself (for the inverse-effectiveness curve). No gradient is meant to flow through it (a metric).',
    formula:
      's_M = mean_b softmax(o_M)_{b, y_b} (M ∈ {AV, A, V});  ME = (s_AV − max(s_A, s_V)) / max(s_A, s_V);  ' +
      "κ = clip(1 + ME, κ_min, κ_max) ('enhancementIndex', default κ_min 0.5, κ_max 3) or clip(s_AV / ((s_A + s_V)/2), κ_min, κ_max) ('ratioToMean')",
    paper: IEMF_PAPER,
  },
  params: {
    formula: p.enum(
      ['enhancementIndex', 'ratioToMean'],
      'enhancementIndex',
      'enhancementIndex: κ = 1 + ME (the spec’s default); ratioToMean: κ = s_AV / mean(s_A, s_V).',
    ),
    report: p.enum(
      ['kappa', 'enhancement'],
      'kappa',
      'kappa: the clipped coefficient; enhancement: ME (not clipped).',
    ),
    kappaMin: p.float({ default: 0.5, min: 0, doc: 'κ_min: lower clip of κ.' }),
    kappaMax: p.float({ default: 3, min: 0, exclusiveMin: true, doc: 'κ_max: upper clip of κ.' }),
    fromLogits: p.bool({
      default: true,
      doc: 'The responses are logits (softmax applied inside); off: probabilities.',
    }),
  },
  inputs: {
    fused: { doc: 'Fused response o_AV [B, C] (logits).' },
    a: { doc: 'Response with modality v zeroed, o_A [B, C].' },
    v: { doc: 'Response with modality a zeroed, o_V [B, C].' },
    target: { doc: 'Class indices [B]; the dataset labels when unconnected.', optional: true },
  },
  outputs: { value: { doc: 'Scalar: κ (or ME).' } },
  infer({ inputs, params, nodeId }) {
    const fused = inputs.fused!;
    for (const port of ['fused', 'a', 'v'] as const) {
      const t: TensorType = inputs[port]!;
      if (t.shape.length !== 2)
        reject(
          'shape/rank-mismatch',
          `IEMF κ reads class scores [B, C] on '${port}', got ${formatShape(t.shape)}.`,
          { port },
        );
      if (t.shape[1] !== fused.shape[1])
        reject(
          'shape/mismatch',
          `IEMF κ compares the same classes: '${port}' has ${t.shape[1]} and 'fused' ${fused.shape[1]}. Feed the three outputs of one Modality split.`,
          { port },
        );
    }
    if (params.kappaMin > params.kappaMax)
      reject('param/out-of-range', `κ_min ${params.kappaMin} is above κ_max ${params.kappaMax}.`, {
        field: 'kappaMin',
        fix: { kind: 'set-param', nodeId, field: 'kappaMin', value: params.kappaMax },
      });
    return { value: tensor([]) };
  },
  lower: ({ params }) => ({
    kind: 'metric',
    config: {
      formula: params.formula,
      report: params.report,
      kappaMin: params.kappaMin,
      kappaMax: params.kappaMax,
      fromLogits: params.fromLogits,
    },
  }),
  metric: {
    target: 'index',
    fn() {
      throw new Error('IEMF κ has four ports (fused, a, v, target): the trainer calls call()');
    },
    call(ops, { fused, a, v, target }, params) {
      const s = (o: typeof fused) => cueStrength(ops, ops.stopGradient(o!), target!, params.fromLogits);
      const sAV = s(fused);
      const sA = s(a);
      const sV = s(v);
      const best = ops.maximum(sA, sV);
      if (params.report === 'enhancement') return ops.div(ops.sub(sAV, best), best);
      const raw =
        params.formula === 'ratioToMean'
          ? ops.div(sAV, ops.mul(ops.add(sA, sV), ops.scalar(0.5)))
          : ops.add(ops.scalar(1), ops.div(ops.sub(sAV, best), best));
      return ops.clip(raw, params.kappaMin, params.kappaMax);
    },
  },
  examples: [
    {
      inputs: {
        fused: { shape: [4, 3] },
        a: { shape: [4, 3] },
        v: { shape: [4, 3] },
        target: { shape: [4, 1], dtype: 'int32', range: [0, 3] },
      },
    },
    {
      inputs: {
        fused: { shape: [4, 3] },
        a: { shape: [4, 3] },
        v: { shape: [4, 3] },
        target: { shape: [4, 1], dtype: 'int32', range: [0, 3] },
      },
      params: { report: 'enhancement' },
    },
  ],
});
