import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { tensor } from '../../src/core/tensor-type.ts';

export default defineNode({
  type: 'primitives.noise',
  version: 1,
  kind: 'layer',
  title: 'Noise (seeded, training only)',
  docs: {
    summary:
      'Adds seeded Gaussian noise while training and passes x unchanged at inference — the corruption of a denoising autoencoder. With scale `relative` σ is a multiple of the batch’s standard deviation of x (taken without gradient), e.g. the PPGN-h latent DAE’s σ_h = 0.3·std(h). Draws come from the layer’s seeded stream (reproducible from the graph seed).',
    formula:
      'training: y = x + s·ε, ε ~ N(0, I), s = σ (absolute) or σ·std_batch(x) (relative, no gradient);  inference: y = x',
    paper: {
      title: 'Plug & Play Generative Networks: Conditional Iterative Generation of Images in Latent Space',
      authors: 'Nguyen, Clune, Bengio, Dosovitskiy, Yosinski',
      year: 2017,
      arxiv: '1612.00005',
    },
  },
  params: {
    stddev: p.float({
      default: 0.1,
      min: 0,
      doc: 'σ, the noise standard deviation (or its multiple of std(x)).',
    }),
    scale: p.enum(
      ['absolute', 'relative'],
      'absolute',
      'absolute: σ as given; relative: σ·std(x) over the whole batch (no gradient through std).',
    ),
  },
  inputs: { x: { doc: 'Any tensor.' } },
  outputs: { y: { doc: 'x plus noise (training), x (inference).' } },
  infer: ({ inputs }) => ({ y: tensor(inputs.x!.shape, inputs.x!.dtype) }),
  paramCount: () => 0,
  lower: ({ params }) => ({ kind: 'kernel', config: { stddev: params.stddev, scale: params.scale } }),
  kernel: {
    call: (ops, [x], _w, params, ctx) => {
      if (!ctx.training || params.stddev <= 0) return x!;
      const eps = ops.randomNormal(ops.shape(x!));
      if (params.scale === 'absolute') return ops.add(x!, ops.mul(eps, ops.scalar(params.stddev)));
      const xs = ops.stopGradient(x!);
      const std = ops.sqrt(ops.mean(ops.square(ops.sub(xs, ops.mean(xs)))));
      return ops.add(x!, ops.mul(eps, ops.mul(std, ops.scalar(params.stddev))));
    },
  },
  examples: [
    { inputs: { x: { shape: [2, 5] } }, params: { stddev: 0.1 } },
    { inputs: { x: { shape: [3, 4] } }, params: { stddev: 0.3, scale: 'relative' } },
  ],
});
