// P18's hybrid multi-label loss: class-weighted BCE + a label-correlation term + a multi-label
// supervised contrastive term on the sample embeddings. Class weights (and the 'matrix'
// correlation target) come from the training split's label statistics (ctx.stats).
import { reject } from '../../src/core/diagnostics.ts';
import { checkSameShape, lossWeight, scalarOut } from '../../src/core/heads.ts';
import { type DataStats, defineNode } from '../../src/core/node-def.ts';
import type { Ops } from '../../src/core/ops.ts';
import { p } from '../../src/core/params.ts';
import { formatShape, tensor } from '../../src/core/tensor-type.ts';

/** −mean_{b,l}[w⁺_l·y·log σ(z) + (1−y)·log(1−σ(z))], with −log σ(z) = softplus(−z) (stable). */
function weightedBce<T>(ops: Ops<T>, z: T, y: T, posWeight: T | undefined): T {
  const pos = ops.mul(y, ops.softplus(ops.neg(z)));
  const neg = ops.mul(ops.sub(ops.scalar(1), y), ops.softplus(z));
  return ops.mean(ops.add(posWeight ? ops.mul(pos, posWeight) : pos, neg));
}

/** w_l = clip((N − n_l) / n_l, 1, max): rarer labels weigh their positives more. */
function positiveWeights<T>(ops: Ops<T>, stats: DataStats<T>, max: number): T {
  const n = stats.labelCounts;
  return ops.clip(ops.div(ops.sub(stats.count, n), ops.maximum(n, ops.scalar(1))), 1, max);
}

/** SpanEmo's label-correlation-aware term: mean_b Σ_{p∈Y⁻, q∈Y⁺} exp(P_p − P_q) / (|Y⁻||Y⁺|). */
function lcaTerm<T>(ops: Ops<T>, prob: T, y: T): T {
  const notY = ops.sub(ops.scalar(1), y);
  // exp(P_p − P_q) = exp(P_p)·exp(−P_q): the pair sum factorises into two row sums.
  const negSide = ops.sum(ops.mul(ops.exp(prob), notY), [1]);
  const posSide = ops.sum(ops.mul(ops.exp(ops.neg(prob)), y), [1]);
  const pairs = ops.mul(ops.sum(notY, [1]), ops.sum(y, [1]));
  return ops.mean(ops.div(ops.mul(negSide, posSide), ops.maximum(pairs, ops.scalar(1))));
}

/** ‖PᵀP/B − C_emp‖²_F / L², C_emp = YᵀY/N of the training split. */
function matrixTerm<T>(ops: Ops<T>, prob: T, pairs: T, count: T): T {
  const [b, l] = ops.shape(prob) as [number, number];
  const co = ops.div(ops.matMul(prob, prob, true, false), ops.scalar(b));
  const diff = ops.sub(co, ops.div(pairs, count));
  return ops.div(ops.sum(ops.square(diff)), ops.scalar(l * l));
}

/**
 * Multi-label supervised contrastive loss on L2-normalised embeddings: positives of anchor i are
 * the other samples j with Jaccard(y_i, y_j) ≥ θ, weighted by that Jaccard; the softmax runs over
 * every k ≠ i. Averaged over anchors that have a positive.
 */
function contrastiveTerm<T>(ops: Ops<T>, h: T, y: T, tau: number, theta: number): T {
  const one = ops.scalar(1);
  const unit = ops.mul(h, ops.rsqrt(ops.maximum(ops.sum(ops.square(h), [1], true), ops.scalar(1e-12))));
  const sim = ops.div(ops.matMul(unit, unit, false, true), ops.scalar(tau)); // [B, B], ≤ 1/τ
  // Self is each row's most similar column (cos = 1); an exact duplicate found first is excluded
  // instead, which leaves the same sum. No constant B×B identity: the batch size is not static.
  const batch = ops.shape(sim)[0]!;
  const self = ops.oneHot(ops.argMax(ops.stopGradient(sim), 1), batch);
  const others = ops.sub(one, self);
  const shift = ops.scalar(1 / tau);
  const den = ops.sum(ops.mul(ops.exp(ops.sub(sim, shift)), others), [1], true);
  const logProb = ops.sub(sim, ops.add(ops.log(ops.maximum(den, ops.scalar(1e-30))), shift));
  // Jaccard of label sets: |y_i ∩ y_j| / |y_i ∪ y_j| (0 when both are empty).
  const inter = ops.matMul(y, y, false, true);
  const size = ops.sum(y, [1], true);
  const union = ops.sub(ops.add(size, ops.transpose(size, [1, 0])), inter);
  const jac = ops.div(inter, ops.maximum(union, ops.scalar(1)));
  // step (zero gradient) rather than greater: the masks sit on the embedding's gradient path.
  const positive = ops.mul(ops.step(ops.sub(jac, ops.scalar(theta - 1e-6))), others);
  const nPos = ops.sum(positive, [1]);
  const perAnchor = ops.div(
    ops.neg(ops.sum(ops.mul(ops.mul(positive, jac), logProb), [1])),
    ops.maximum(nPos, one),
  );
  const anchors = ops.sum(ops.step(ops.sub(nPos, ops.scalar(0.5))));
  return ops.div(ops.sum(perAnchor), ops.maximum(anchors, one));
}

export default defineNode({
  type: 'losses.hybridMultiLabel',
  version: 1,
  kind: 'loss',
  title: 'Hybrid multi-label loss',
  docs: {
    summary:
      'Multi-label loss on logits: BCE with each label’s positives weighted by its negative/positive ratio in the training split, plus a label-correlation term and a supervised contrastive term that pulls together embeddings of samples with similar label sets. Ports: pred (logits), target (0/1 labels), embedding (a sample vector, e.g. the pooled BiLSTM state).',
    formula:
      'p = σ(z);  L = λ_w·BCE_w + λ_corr·L_corr + λ_con·L_con;  ' +
      'BCE_w = −mean_{b,l}[w_l·y·log p + (1−y)·log(1−p)],  w_l = clip((N − n_l)/n_l, 1, w_max) from the training split (1 with posWeight none);  ' +
      "L_corr ('lca') = mean_b Σ_{a∈Y⁻, c∈Y⁺} exp(p_a − p_c) / (|Y⁻||Y⁺|),  ('matrix') = ‖PᵀP/B − YᵀY/N‖²_F / L²;  " +
      'L_con = mean_{i: P_i≠∅} −(1/|P_i|) Σ_{j∈P_i} J_ij·log(exp(ĥ_i·ĥ_j/τ) / Σ_{k≠i} exp(ĥ_i·ĥ_k/τ)),  P_i = {j ≠ i: J_ij ≥ θ},  J = Jaccard(y_i, y_j),  ĥ = h/‖h‖',
    paper: {
      title:
        'Improving Arabic Multi-Label Emotion Classification using Stacked Embeddings and Hybrid Loss Function',
      authors: 'Aslam et al.',
      year: 2024,
      arxiv: '2410.03979',
    },
  },
  params: {
    lambdaW: p.float({ default: 1, min: 0, doc: 'λ_w: weight of the class-weighted BCE.' }),
    lambdaCorr: p.float({ default: 0.1, min: 0, doc: 'λ_corr: weight of the label-correlation term.' }),
    lambdaCon: p.float({
      default: 0.1,
      min: 0,
      doc: 'λ_con: weight of the contrastive term (needs the embedding port).',
    }),
    posWeight: p.enum(
      ['neg/pos', 'none'],
      'neg/pos',
      'neg/pos: w_l = (N − n_l)/n_l clipped to [1, maxPosWeight] from the training labels; none: plain BCE.',
    ),
    maxPosWeight: p.float({ default: 50, min: 1, doc: 'Upper clip of the positive weights.' }),
    correlation: p.enum(
      ['lca', 'matrix'],
      'lca',
      "lca: SpanEmo's pairwise exp(p_neg − p_pos); matrix: distance of the batch's prediction co-occurrence to the training labels' co-occurrence.",
    ),
    tau: p.float({
      default: 0.1,
      min: 0,
      exclusiveMin: true,
      doc: 'τ: temperature of the contrastive softmax.',
    }),
    positiveJaccard: p.float({
      default: 0.5,
      min: 0,
      max: 1,
      doc: 'θ: samples whose label sets have Jaccard ≥ θ are positives of each other.',
    }),
    weight: lossWeight,
  },
  inputs: {
    pred: { doc: 'Logits z [B, L] (no sigmoid).' },
    target: {
      doc: 'Multi-label targets [B, L] of 0/1; the dataset labels when unconnected.',
      optional: true,
    },
    embedding: {
      doc: 'Sample embeddings h [B, D] for the contrastive term; unconnected only when λ_con = 0.',
      optional: true,
    },
  },
  outputs: scalarOut,
  infer({ inputs, params }) {
    checkSameShape(inputs.pred!, inputs.target!);
    if (inputs.pred!.shape.length !== 2)
      reject(
        'shape/loss-target-mismatch',
        `The prediction ${formatShape(inputs.pred!.shape)} must be logits [B, labels].`,
        { port: 'pred' },
      );
    const h = inputs.embedding;
    if (!h && params.lambdaCon > 0)
      reject(
        'port/unconnected',
        "Input 'embedding' is not connected but λ_con > 0. Connect a sample embedding [B, D] (e.g. the pooled encoder output), or set lambdaCon to 0.",
        { port: 'embedding' },
      );
    if (h && h.shape.length !== 2)
      reject(
        'shape/loss-target-mismatch',
        `The embedding ${formatShape(h.shape)} must be one vector per sample [B, D]: add a pooling or Flatten before it.`,
        { port: 'embedding' },
      );
    return { loss: tensor([]) };
  },
  lower: ({ params }) => ({
    kind: 'loss',
    config: {
      lambdaW: params.lambdaW,
      lambdaCorr: params.lambdaCorr,
      lambdaCon: params.lambdaCon,
      posWeight: params.posWeight,
      maxPosWeight: params.maxPosWeight,
      correlation: params.correlation,
      tau: params.tau,
      positiveJaccard: params.positiveJaccard,
    },
    weight: params.weight,
  }),
  loss: {
    target: 'onehot',
    labels: 'multiLabel',
    stats: true,
    fn() {
      throw new Error('the hybrid multi-label loss has three ports: the trainer calls call()');
    },
    call(ops, { pred, target, embedding }, params, ctx) {
      const stats = ctx?.stats;
      const z = pred!;
      const y = ops.cast(target!, 'float32');
      const prob = ops.sigmoid(z);
      const posWeight =
        params.posWeight === 'neg/pos' ? positiveWeights(ops, stats!, params.maxPosWeight) : undefined;
      let total = ops.mul(ops.scalar(params.lambdaW), weightedBce(ops, z, y, posWeight));
      if (params.lambdaCorr > 0) {
        const corr =
          params.correlation === 'matrix'
            ? matrixTerm(ops, prob, stats!.labelPairs, stats!.count)
            : lcaTerm(ops, prob, y);
        total = ops.add(total, ops.mul(ops.scalar(params.lambdaCorr), corr));
      }
      if (params.lambdaCon > 0 && embedding) {
        const con = contrastiveTerm(ops, embedding, y, params.tau, params.positiveJaccard);
        total = ops.add(total, ops.mul(ops.scalar(params.lambdaCon), con));
      }
      return total;
    },
  },
  examples: [
    {
      inputs: {
        pred: { shape: [6, 4] },
        target: { shape: [6, 4], range: [0, 2], dtype: 'int32' },
        embedding: { shape: [6, 3] },
      },
    },
    {
      inputs: { pred: { shape: [5, 3] }, target: { shape: [5, 3], range: [0, 2], dtype: 'int32' } },
      params: { correlation: 'matrix', lambdaCon: 0 },
    },
  ],
});
