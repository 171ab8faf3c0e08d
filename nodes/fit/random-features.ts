import { reject } from '../../src/core/diagnostics.ts';
import { type FeatureActivation, featureMean, toFloat32 } from '../../src/core/fits.ts';
import { defineNode } from '../../src/core/node-def.ts';
import type { Ops } from '../../src/core/ops.ts';
import { p } from '../../src/core/params.ts';
import { tensor } from '../../src/core/tensor-type.ts';
import { flatFeatures, P16_PAPER } from './_shared.ts';

const ACTS = ['relu', 'tanh', 'sigmoid', 'linear'] as const;

function act<T>(ops: Ops<T>, a: FeatureActivation, x: T): T {
  if (a === 'relu') return ops.relu(x);
  if (a === 'tanh') return ops.tanh(x);
  if (a === 'sigmoid') return ops.sigmoid(x);
  return x;
}

export default defineNode({
  type: 'fit.randomFeatures',
  version: 1,
  kind: 'layer',
  title: 'Random features (frozen, centred by a fit)',
  docs: {
    summary:
      'A random-feature layer: frozen Gaussian weights W ~ N(0, 1/d) drawn when the model is built (seeded), an activation, and — when centred — minus the training-set mean of those features. The mean is a non-trainable weight set by a fit phase (one inference pass over the phase’s rows); before that fit it is 0. The first layer of P16’s three-layer network and of its two-layer random-feature baseline.',
    formula:
      'F(x) = σ(xW) − μ,  W_{ij} ~ N(0, 1/d) frozen;  fit: μ = (1/n) Σ_i σ(x_i W) over the phase’s rows (μ = 0 when not centred)',
    paper: P16_PAPER,
  },
  params: {
    units: p.int({ default: 400, min: 1, max: 65536, doc: 'm random features.' }),
    activation: p.enum(ACTS, 'relu', 'Activation σ applied to xW.'),
    center: p.bool({ default: true, doc: 'Subtract the training-set mean μ (set by a fit phase).' }),
  },
  inputs: { x: { doc: 'Flat inputs [B, d].' } },
  outputs: { y: { doc: '[B, units]: σ(xW) − μ.' } },
  infer({ inputs, params }) {
    flatFeatures(inputs.x!, 'Random features');
    return { y: tensor([inputs.x!.shape[0]!, params.units]) };
  },
  paramCount: ({ inputs, params }) => (inputs.x!.shape[1] as number) * params.units + params.units,
  lower: ({ params }) => ({
    kind: 'kernel',
    config: { units: params.units, activation: params.activation, center: params.center },
  }),
  kernel: {
    weights: (params, [shape]) => [
      {
        name: 'kernel',
        shape: [shape![1] as number, params.units],
        init: { varianceScaling: { scale: 1, mode: 'fanIn' } },
        trainable: false,
      },
      { name: 'mean', shape: [params.units], init: 'zeros', trainable: false },
    ],
    call: (ops, [x], w, params) => {
      const h = act(ops, params.activation, ops.matMul(x!, w.kernel!));
      return params.center ? ops.sub(h, w.mean!) : h;
    },
  },
  fit: {
    collect: 'rows',
    labels: 'none',
    readsWeights: true,
    solve(data, params) {
      const w = data.weights?.kernel;
      const d = data.x.cols;
      if (!w || w.length !== d * params.units)
        reject(
          'train/fit-shape',
          `Random features needs its frozen kernel [${d}, ${params.units}] to compute the centring mean; the fit got none.`,
          { field: 'units' },
        );
      const mean = params.center
        ? featureMean(data.x, w!, params.units, params.activation)
        : new Float64Array(params.units);
      return { mean: toFloat32(mean) };
    },
  },
  examples: [
    { inputs: { x: { shape: [3, 4] } }, params: { units: 5, activation: 'tanh' } },
    { inputs: { x: { shape: [2, 3] } }, params: { units: 4, activation: 'sigmoid', center: false } },
  ],
});
