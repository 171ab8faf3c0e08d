import { reject } from '../../src/core/diagnostics.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { tensor } from '../../src/core/tensor-type.ts';

const P32_PAPER = {
  title: 'Towards Exact Computation of Inductive Bias',
  authors: 'Akhilan Boopathy, William Yue, Jaedong Hwang, Abhiram Iyer, Ila Fiete',
  year: 2024,
  arxiv: '2406.15941',
} as const;

export default defineNode({
  type: 'layers.randomReluFeatures',
  version: 1,
  kind: 'layer',
  title: 'Random ReLU features (frozen, with random bias)',
  docs: {
    summary:
      'A frozen random ReLU layer with a random bias: W_{ij} ~ N(0, σ_w²/d) and b_j ~ N(0, σ_b²), drawn when the model is built (the project’s variance-scaling normal: truncated at ±2 raw σ, rescaled to exactly that variance) (seeded from the graph seed) and never trained. A linear readout on φ(x) is the random-ReLU-feature hypothesis space of P32’s inductive-bias meter (its kernel φ(x)·φ(x′)/M tends to the one-layer ReLU NNGP kernel). The random bias matters: without it, φ is positively homogeneous (φ(x) = ‖x‖·φ(x/‖x‖)) and on low-dimensional inputs its features are nearly linearly dependent.',
    formula: 'φ(x) = ReLU(x·W + b),  W_{ij} ~ N(0, σ_w²/d),  b_j ~ N(0, σ_b²), both frozen',
    paper: P32_PAPER,
  },
  params: {
    units: p.int({ default: 512, min: 1, max: 65536, doc: 'M random features.' }),
    weightVariance: p.float({
      default: 2,
      min: 0,
      exclusiveMin: true,
      max: 100,
      doc: 'σ_w²: W_{ij} ~ N(0, σ_w²/d) (2 = He scaling).',
    }),
    biasVariance: p.float({
      default: 1,
      min: 0,
      max: 100,
      doc: 'σ_b²: b_j ~ N(0, σ_b²) (0 = no bias: homogeneous features).',
    }),
  },
  inputs: { x: { doc: 'Flat inputs [B, d].' } },
  outputs: { y: { doc: '[B, units]: ReLU(xW + b).' } },
  infer({ inputs, params }) {
    const s = inputs.x!.shape;
    if (s.length !== 2 || s[1] === null || s[1] === undefined)
      reject(
        'shape/rank-mismatch',
        `Random ReLU features read flat features [B, d] with d known; got [${s.map((v) => v ?? '?').join(', ')}]. Add a Flatten before it.`,
        { port: 'x' },
      );
    return { y: tensor([s[0]!, params.units]) };
  },
  paramCount: ({ inputs, params }) => (inputs.x!.shape[1] as number) * params.units + params.units,
  lower: ({ params }) => ({
    kind: 'kernel',
    config: {
      units: params.units,
      weightVariance: params.weightVariance,
      biasVariance: params.biasVariance,
    },
  }),
  kernel: {
    weights: (params, [shape]) => [
      {
        name: 'kernel',
        shape: [shape![1] as number, params.units],
        init: { varianceScaling: { scale: params.weightVariance, mode: 'fanIn' } },
        trainable: false,
      },
      {
        name: 'bias',
        shape: [params.units],
        // Fans from [1, units]: fan_in = 1, so Var(b) = σ_b² exactly.
        init:
          params.biasVariance > 0
            ? {
                segments: [
                  {
                    size: params.units,
                    fanShape: [1, params.units],
                    init: { varianceScaling: { scale: params.biasVariance, mode: 'fanIn' } },
                  },
                ],
              }
            : 'zeros',
        trainable: false,
      },
    ],
    call: (ops, [x], w) => ops.relu(ops.add(ops.matMul(x!, w.kernel!), w.bias!)),
  },
  examples: [
    { inputs: { x: { shape: [3, 4] } }, params: { units: 5 } },
    { inputs: { x: { shape: [2, 3] } }, params: { units: 4, weightVariance: 1, biasVariance: 0 } },
  ],
});
