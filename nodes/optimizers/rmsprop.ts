import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { epsilon, learningRate, noPorts } from './_shared.ts';

export default defineNode({
  type: 'optimizers.rmsprop',
  version: 1,
  kind: 'optimizer',
  title: 'RMSProp',
  docs: {
    summary:
      'Divides each step by a running root-mean-square of recent gradients; `centered` also subtracts the running mean gradient (estimating the variance).',
    formula:
      'ms ← ρ·ms + (1−ρ)·g²;  a ← μ·a + lr·g/√(ms + ε);  w ← w − a  (centered: mg ← ρ·mg + (1−ρ)·g and ms − mg² in place of ms)',
    paper: {
      title: 'Lecture 6.5 — RMSProp: divide the gradient by a running average of its recent magnitude',
      authors: 'Tieleman, Hinton',
      year: 2012,
      url: 'https://www.cs.toronto.edu/~tijmen/csc321/slides/lecture_slides_lec6.pdf',
    },
  },
  // Beware tfjs 4.22's centered branch: it computes √(ms − mg² − ε) (ε subtracted, not added), which is
  // NaN whenever ms − mg² < ε, e.g. for tiny or constant gradients. The trainer should guard or reimplement it.
  params: {
    learningRate: learningRate(0.001),
    decay: p.float({ default: 0.9, min: 0, max: 0.9999, doc: 'Decay ρ of the running mean square.' }),
    momentum: p.float({ default: 0, min: 0, max: 0.9999, doc: 'Momentum μ.' }),
    epsilon,
    centered: p.bool({
      default: false,
      doc: 'Normalise by the estimated variance instead of the raw second moment.',
    }),
  },
  ...noPorts,
  optimizer: {
    algorithm: 'rmsprop',
    config: (params) => ({ ...params }),
  },
});
