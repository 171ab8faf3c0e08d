import { kMeans } from '../../src/core/cluster/kmeans.ts';
import { reject } from '../../src/core/diagnostics.ts';
import { toFloat32 } from '../../src/core/fits.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { tensor } from '../../src/core/tensor-type.ts';
import { flatFeatures } from './_shared.ts';

export default defineNode({
  type: 'fit.studentTClustering',
  version: 1,
  kind: 'layer',
  title: 'Student-t clustering layer (k-means fit)',
  docs: {
    summary:
      'The embedded clustering layer of DEC/DCEC/DCEAC: soft assignments q_ij of each embedding z_i to K learnable centroids μ_j by a Student-t kernel. A fit phase sets the centroids by k-means++ (nInit restarts, lowest inertia; src/core/cluster/kmeans.ts) on the node’s input rows; afterwards they are ordinary trainable weights (e.g. refined by a KL(P‖Q) clustering loss).',
    formula:
      'q_ij = (1 + ‖z_i − μ_j‖²/α)^{−(α+1)/2} / Σ_j′ (1 + ‖z_i − μ_j′‖²/α)^{−(α+1)/2};  fit: μ = k-means++(z rows)',
    paper: {
      title:
        'A Novel Self-Learning Framework for Bladder Cancer Grading Using Histopathological Images (DCEAC)',
      authors: 'Gabriel García, Anna Esteve, Adrián Colomer, David Ramos, Valery Naranjo',
      year: 2021,
      arxiv: '2106.13559',
    },
  },
  params: {
    clusters: p.int({ default: 10, min: 2, max: 1024, doc: 'Number of clusters K (centroids).' }),
    alpha: p.float({
      default: 1,
      min: 0,
      exclusiveMin: true,
      doc: 'Degrees of freedom α of the Student-t kernel (DEC uses 1).',
    }),
    nInit: p.int({
      default: 10,
      min: 1,
      max: 100,
      doc: 'k-means++ restarts in the fit (the lowest inertia wins).',
    }),
    maxIter: p.int({ default: 300, min: 1, max: 10000, doc: 'Lloyd rounds per restart in the fit.' }),
  },
  inputs: { x: { doc: 'Embeddings [B, d].' } },
  outputs: { y: { doc: '[B, clusters]: soft assignments q (rows sum to 1).' } },
  infer({ inputs, params }) {
    flatFeatures(inputs.x!, 'Student-t clustering layer');
    return { y: tensor([inputs.x!.shape[0]!, params.clusters]) };
  },
  paramCount: ({ inputs, params }) => (inputs.x!.shape[1] as number) * params.clusters,
  lower: ({ params }) => ({
    kind: 'kernel',
    config: { clusters: params.clusters, alpha: params.alpha, nInit: params.nInit, maxIter: params.maxIter },
  }),
  kernel: {
    weights: (params, [shape]) => [
      // Random until the fit phase writes the k-means++ centroids (then trainable, as in DEC).
      {
        name: 'centroids',
        shape: [params.clusters, shape![1] as number],
        init: 'glorotUniform',
        trainable: true,
      },
    ],
    call: (ops, [x], w, params) => {
      const mu = w.centroids!;
      const x2 = ops.sum(ops.square(x!), [-1], true); // [B, 1]
      const c2 = ops.reshape(ops.sum(ops.square(mu), [-1]), [1, -1]); // [1, K]
      const cross = ops.matMul(x!, mu, false, true); // [B, K]
      const d2 = ops.maximum(ops.sub(ops.add(x2, c2), ops.mul(ops.scalar(2), cross)), ops.scalar(0));
      const a = params.alpha;
      const num = ops.pow(ops.add(ops.scalar(1), ops.div(d2, ops.scalar(a))), ops.scalar(-(a + 1) / 2));
      return ops.div(num, ops.sum(num, [-1], true));
    },
  },
  fit: {
    collect: 'rows',
    labels: 'none',
    solve(data, params, rng) {
      if (data.x.rows < params.clusters)
        reject(
          'train/fit-shape',
          `The Student-t clustering layer needs at least ${params.clusters} rows for ${params.clusters} clusters; the fit phase has ${data.x.rows}. Lower clusters or give the phase more rows.`,
          { field: 'clusters' },
        );
      const r = kMeans(data.x, params.clusters, { rng, nInit: params.nInit, maxIter: params.maxIter });
      return { centroids: toFloat32(r.centroids) };
    },
  },
  examples: [{ inputs: { x: { shape: [3, 4] } }, params: { clusters: 3 } }],
});
