import { reject } from '../../src/core/diagnostics.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { formatShape, tensor } from '../../src/core/tensor-type.ts';

export default defineNode({
  type: 'primitives.viewMiner',
  version: 1,
  kind: 'layer',
  title: 'View miner',
  docs: {
    summary:
      'MYOW’s mined view: for each sample (query row), the k nearest other samples of a pool (keys rows) by cosine distance D = 2 − 2·cos, one of them picked at random while training (the nearest at inference); returns that pool sample’s row of values (e.g. its target projection). With the pool being the batch itself, a sample never mines itself (the diagonal is excluded). No gradient flows through the choice; the values are gathered (put a Stop gradient after it for a target).',
    formula:
      'D_ij = 2 − 2·⟨q_i/‖q_i‖, k_j/‖k_j‖⟩ (D_ii = +∞ when excludeSelf);  N_i = argtopk_j(−D_ij, k);  m_i = values[u_i],  u_i ~ Uniform(N_i) (training), nearest (inference)',
    paper: {
      title: 'Mine Your Own vieW: Self-Supervised Learning Through Across-Sample Prediction',
      authors: 'Azabou, Azar, Liu, Lin, Bhaskaran, Gheshlaghi Azar, Dyer',
      year: 2021,
      arxiv: '2102.10106',
    },
  },
  params: {
    k: p.int({
      default: 1,
      min: 1,
      max: 64,
      doc: 'Candidates per sample; one is picked at random (the reference trainer uses 4).',
    }),
    excludeSelf: p.bool({
      default: true,
      doc: 'The pool is the batch itself: a sample may not mine itself (needs as many keys as queries).',
    }),
  },
  inputs: {
    query: { doc: 'Representations of the samples that mine [B, d].' },
    keys: { doc: 'Representations of the pool [P, d] (same space as query).' },
    values: { doc: 'What is returned for the picked pool sample [P, e].' },
  },
  outputs: { mined: { doc: 'values of each sample’s mined neighbour [B, e].' } },
  infer({ inputs, params, nodeId }) {
    const q = inputs.query!.shape;
    const k = inputs.keys!.shape;
    const v = inputs.values!.shape;
    if (q.length !== 2 || k.length !== 2 || q[1] !== k[1])
      reject(
        'shape/rank-mismatch',
        `query ${formatShape(q)} and keys ${formatShape(k)} must be [B, d] and [P, d].`,
        {
          port: 'keys',
        },
      );
    if (v.length !== 2)
      reject('shape/rank-mismatch', `values ${formatShape(v)} must be [P, e]: flatten them first.`, {
        port: 'values',
      });
    if (typeof k[0] === 'number' && typeof v[0] === 'number' && k[0] !== v[0])
      reject('shape/rank-mismatch', `values ${formatShape(v)} need one row per key (${k[0]}).`, {
        port: 'values',
      });
    const pool = typeof k[0] === 'number' ? k[0] : undefined;
    if (pool !== undefined && params.k > pool - (params.excludeSelf ? 1 : 0))
      reject('param/out-of-range', `k = ${params.k} exceeds the pool of ${pool} samples.`, {
        field: 'k',
        fix: { kind: 'set-param', nodeId, field: 'k', value: 1 },
      });
    return { mined: tensor([q[0] ?? null, ...v.slice(1)]) };
  },
  paramCount: () => 0,
  lower: ({ params }) => ({ kind: 'kernel', config: { k: params.k, excludeSelf: params.excludeSelf } }),
  kernel: {
    call: (ops, [query, keys, values], _w, params, ctx) => {
      const unit = (x: NonNullable<typeof query>) =>
        ops.mul(x, ops.rsqrt(ops.maximum(ops.sum(ops.square(x), [-1], true), ops.scalar(1e-12))));
      const sim = ops.stopGradient(ops.matMul(unit(query!), unit(keys!), false, true)); // cos = 1 − D/2
      // With the pool being the batch, each row's nearest is itself (cos 1): take k + 1, drop the first.
      // A batch smaller than k + 1 mines among what it has (at least one other row).
      const pool = ops.shape(keys!)[0]!;
      const k = Math.max(1, Math.min(params.k, pool - (params.excludeSelf ? 1 : 0)));
      const top = ops.topKIndices(sim, Math.min(pool, k + (params.excludeSelf ? 1 : 0)));
      const idx = params.excludeSelf ? ops.slice(top, [0, 1], [-1, k]) : top; // [B, k], nearest first
      const range = ops.constant(
        Array.from({ length: k }, (_, i) => i),
        [1, k],
      );
      // Which of the k: uniform while training, the nearest at inference (1/0 with a zero gradient).
      const chosen =
        ctx.training && k > 1
          ? ops.sum(
              ops.mul(
                idx,
                ops.step(
                  ops.sub(
                    ops.scalar(0.5),
                    ops.abs(
                      ops.sub(
                        ops.floor(
                          ops.mul(ops.randomUniform([ops.shape(query!)[0]!, 1]), ops.scalar(params.k)),
                        ),
                        range,
                      ),
                    ),
                  ),
                ),
              ),
              [-1],
            )
          : ops.reshape(ops.slice(idx, [0, 0], [-1, 1]), [-1]);
      // A one-hot selection S [B, P] (no gradient to the indices); mined = S·values keeps the gradient to values.
      return ops.matMul(ops.oneHot(chosen, pool), values!);
    },
  },
  examples: [
    {
      inputs: { query: { shape: [4, 3] }, keys: { shape: [4, 3] }, values: { shape: [4, 2] } },
      params: { k: 2 },
    },
  ],
});
