import { reject } from '../../src/core/diagnostics.ts';
import { gaussianRecoveryFit, toFloat32 } from '../../src/core/fits.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { tensor } from '../../src/core/tensor-type.ts';
import { flatFeatures, P24_PAPER } from './_shared.ts';

export default defineNode({
  type: 'fit.gaussianRecovery',
  version: 1,
  kind: 'layer',
  title: 'Gaussian recovery + sampler (RCAL, fit)',
  docs: {
    summary:
      'RCAL’s representation calibration. A fit phase reads the frozen self-supervised features of the training rows and their noisy labels and recovers one Gaussian per class: trimmed of its outliers (the fraction `trim` farthest from the coordinate-wise median), mean μ_k, centred rows X̃_k; a tail class (fewer rows than the threshold) borrows the centred sets of its nearest head classes. The forward pass then SAMPLES features: row i of the output is a draw from class i mod K (seeded, fresh each call), and the `labels` port gives those classes, so a classifier can be trained on the samples with cross-entropy. The covariance is never formed: one matmul of Gaussian coefficients with the stored rows.',
    formula:
      'fit: μ_k = mean of trimmed X_k;  pool(k) = {k} (head) or {k} ∪ N(k) (tail, kNeighbors nearest head μ), w = 1/|pool(k)|;  sample of class k: z = μ_k + Σ_{s∈pool(k)} √(w/(n_s−1))·X̃_sᵀe_s + √α·ε,  e_s ~ N(0, I), ε ~ N(0, I);  Cov z = Σ_s w Σ_s + αI',
    paper: P24_PAPER,
  },
  params: {
    classes: p.int({ default: 10, min: 2, max: 1000, doc: 'K classes (the dataset’s).' }),
    capacity: p.int({
      default: 2048,
      min: 2,
      max: 65536,
      doc: 'Most training rows the fit may store (the stored-rows weight is [capacity, D]).',
    }),
    trim: p.float({
      default: 0.1,
      min: 0,
      max: 0.9,
      doc: 'Fraction of each class dropped as outliers (farthest from the median).',
    }),
    tailThreshold: p.int({
      default: 0,
      min: 0,
      max: 1_000_000,
      doc: 'A class with fewer rows is a tail class (0: the median class size).',
    }),
    kNeighbors: p.int({ default: 2, min: 0, max: 100, doc: 'Head classes a tail class borrows from.' }),
    alpha: p.float({ default: 0.1, min: 0, doc: 'α: isotropic variance added to every sample.' }),
  },
  inputs: { x: { doc: 'Frozen features [B, D] (the fit reads them; the forward pass takes only B).' } },
  outputs: {
    y: { doc: '[B, D] sampled features, row i from class i mod K.' },
    labels: { doc: '[B] the class of each sampled row (i mod K).' },
  },
  infer({ inputs }) {
    const d = flatFeatures(inputs.x!, 'Gaussian recovery');
    const b = inputs.x!.shape[0]!;
    return { y: tensor([b, d]), labels: tensor([b], 'int32') };
  },
  paramCount: ({ inputs, params }) => {
    const d = inputs.x!.shape[1] as number;
    return params.classes * d + params.capacity * d + params.classes * params.capacity;
  },
  lower: ({ params }) => ({
    kind: 'kernel',
    config: {
      classes: params.classes,
      capacity: params.capacity,
      trim: params.trim,
      tailThreshold: params.tailThreshold,
      kNeighbors: params.kNeighbors,
      alpha: params.alpha,
    },
  }),
  kernel: {
    weights: (params, [shape]) => {
      const d = shape![1] as number;
      return [
        { name: 'means', shape: [params.classes, d], init: 'zeros', trainable: false },
        { name: 'rows', shape: [params.capacity, d], init: 'zeros', trainable: false },
        { name: 'coef', shape: [params.classes, params.capacity], init: 'zeros', trainable: false },
      ];
    },
    call: (ops, inputs, w, params, ctx) => sample(ops, inputs[0]!, w, params, ctx.training).y,
    callPorts: (ops, inputs, w, params, ctx) => sample(ops, inputs[0]!, w, params, ctx.training),
  },
  fit: {
    collect: 'rows',
    labels: 'class',
    solve(data, params) {
      if (data.y === undefined || data.numClasses === undefined)
        reject('train/fit-labels', 'Gaussian recovery needs class labels (the noisy training labels).', {
          field: 'classes',
        });
      if (data.numClasses !== params.classes)
        reject(
          'train/fit-shape',
          `Gaussian recovery has classes = ${params.classes} but the dataset has ${data.numClasses}; set classes to ${data.numClasses}.`,
          { field: 'classes' },
        );
      const g = gaussianRecoveryFit(data.x, data.y!, params.classes, params);
      if (g.rowCount > params.capacity)
        reject(
          'train/fit-capacity',
          `Gaussian recovery keeps ${g.rowCount} rows but capacity is ${params.capacity}; set capacity to at least ${g.rowCount}.`,
          { field: 'capacity' },
        );
      const d = data.x.cols;
      const rows = new Float64Array(params.capacity * d);
      rows.set(g.rows);
      const coef = new Float64Array(params.classes * params.capacity);
      for (let c = 0; c < params.classes; c++)
        coef.set(g.coef.subarray(c * g.rowCount, (c + 1) * g.rowCount), c * params.capacity);
      return { means: toFloat32(g.means), rows: toFloat32(rows), coef: toFloat32(coef) };
    },
  },
  examples: [
    {
      inputs: { x: { shape: [4, 3], stopsGradient: true } },
      params: { classes: 2, capacity: 5 },
    },
  ],
});

function sample<T>(
  ops: import('../../src/core/ops.ts').Ops<T>,
  x: T,
  w: Readonly<Record<string, T>>,
  params: { classes: number; capacity: number; alpha: number },
  _training: boolean,
): { y: T; labels: T } {
  const [b, d] = ops.shape(x) as [number, number];
  const cls = Array.from({ length: b }, (_, i) => i % params.classes);
  const idx = ops.constant(cls, [b]);
  // e ⊙ coef_k (per row its class's coefficients) times the stored centred rows, + μ_k + √α ε.
  const e = ops.mul(ops.randomNormal([b, params.capacity]), ops.gather(w.coef!, idx, 0));
  const y = ops.add(
    ops.add(ops.matMul(e, w.rows!), ops.gather(w.means!, idx, 0)),
    ops.mul(ops.randomNormal([b, d]), ops.scalar(Math.sqrt(params.alpha))),
  );
  // x enters only through its batch size: a zero-gradient term keeps y a function of x for autodiff.
  return { y: ops.add(y, ops.mul(ops.stopGradient(x), ops.scalar(0))), labels: ops.cast(idx, 'int32') };
}
