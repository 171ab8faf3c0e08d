import { reject } from '../../src/core/diagnostics.ts';
import { gaussianNBFit, gaussianNBWeights, toFloat32 } from '../../src/core/fits.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { tensor } from '../../src/core/tensor-type.ts';
import { flatFeatures, P7_PAPER } from './_shared.ts';

export default defineNode({
  type: 'fit.gaussianNb',
  version: 1,
  kind: 'layer',
  title: 'Gaussian naive Bayes head (fit)',
  docs: {
    summary:
      'A generative classifier head fitted in closed form by a fit phase: per-class feature means, per-feature variances (shared across classes by default, which makes it the generative partner of logistic regression on the same features) plus a floor, class priors. Outputs class log-posteriors, so accuracy and cross-entropy read it like logits.',
    formula:
      'μ_c = mean_{y=c} x;  σ²_j = mean_i (x_ij − μ_{y_i j})² + floor (shared; per class: over class c only);  π_c = n_c/n;  out_c = log π_c − Σ_j [(x_j − μ_cj)²/(2σ²_cj) + ½ log 2πσ²_cj] − logsumexp_c(·)',
    paper: P7_PAPER,
  },
  params: {
    classes: p.int({ default: 10, min: 2, max: 65536, doc: 'Number of classes (the dataset’s).' }),
    sharedVar: p.bool({
      default: true,
      doc: 'One variance per feature pooled over classes (linear decision rule), else one per class and feature.',
    }),
    varFloor: p.float({
      default: 1e-3,
      min: 0,
      exclusiveMin: true,
      doc: 'Added to every variance (like scikit-learn’s var_smoothing, but absolute).',
    }),
    uniformPrior: p.bool({ default: false, doc: 'Priors 1/K instead of class frequencies.' }),
  },
  inputs: { x: { doc: 'Flat features [B, d].' } },
  outputs: { y: { doc: '[B, classes]: log p(c | x).' } },
  infer({ inputs, params }) {
    flatFeatures(inputs.x!, 'Gaussian naive Bayes');
    return { y: tensor([inputs.x!.shape[0]!, params.classes]) };
  },
  paramCount: ({ inputs, params }) => 2 * (inputs.x!.shape[1] as number) * params.classes + params.classes,
  lower: ({ params }) => ({
    kind: 'kernel',
    config: {
      classes: params.classes,
      sharedVar: params.sharedVar,
      varFloor: params.varFloor,
      uniformPrior: params.uniformPrior,
    },
  }),
  kernel: {
    weights: (params, [shape]) => [
      { name: 'quad', shape: [shape![1] as number, params.classes], init: 'zeros', trainable: false },
      { name: 'lin', shape: [shape![1] as number, params.classes], init: 'zeros', trainable: false },
      { name: 'bias', shape: [params.classes], init: 'zeros', trainable: false },
    ],
    call: (ops, [x], w) =>
      ops.logSoftmax(ops.add(ops.add(ops.matMul(ops.square(x!), w.quad!), ops.matMul(x!, w.lin!)), w.bias!)),
  },
  fit: {
    collect: 'rows',
    labels: 'class',
    solve(data, params) {
      if (data.numClasses === undefined || !data.y)
        reject('train/fit-labels', 'Gaussian naive Bayes fits on class labels; this dataset has none.');
      if (data.numClasses !== params.classes)
        reject(
          'train/fit-shape',
          `Gaussian naive Bayes has ${params.classes} classes but the dataset has ${data.numClasses}; set classes to ${data.numClasses}.`,
          { field: 'classes' },
        );
      const d = data.x.cols;
      const nb = gaussianNBFit(data.x, data.y!, params.classes, {
        shared: params.sharedVar,
        floor: params.varFloor,
        uniform: params.uniformPrior,
      });
      const { quad, lin, bias } = gaussianNBWeights(nb, params.classes, d);
      return { quad: toFloat32(quad), lin: toFloat32(lin), bias: toFloat32(bias) };
    },
  },
  examples: [{ inputs: { x: { shape: [3, 4] } }, params: { classes: 3 } }],
});
