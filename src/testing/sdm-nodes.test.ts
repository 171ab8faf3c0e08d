// SDM verification nodes (P31) against independent Float64 references: the SDM activation
// (2+q)^{d z̃} / Σ (2+q)^{d z̃} and its log base (2+q), the log-SDM NLL, and the selective
// accuracy / coverage of the admitted set counted by hand.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { tfOps } from '../compiler/tf-ops.ts';
import { createRng } from '../core/rng.ts';
import { loadRegistry } from '../node/discover-nodes.ts';

const registry = await loadRegistry();
beforeAll(async () => {
  await tf.setBackend('cpu');
});

const rng = createRng(31);
const rows = (n: number, d: number, s = 1) =>
  Array.from({ length: n }, () => Array.from({ length: d }, () => s * rng.normal()));
/** Float64 SDM: (2+q)^{d_i z̃_i} / Σ_j (2+q)^{d_j z̃_j}, z̃ = z − max z, literally with powers. */
const sdm64 = (z: number[], q: number, d: number[]) => {
  const m = Math.max(...z);
  const e = z.map((v, i) => (2 + q) ** (d[i]! * (v - m)));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
};
const softmax64 = (v: number[]) =>
  sdm64(
    v,
    Math.E - 2,
    v.map(() => 1),
  );
const closeRows = (got: number[][], want: number[][], digits = 5) => {
  for (const [i, r] of want.entries())
    for (const [j, v] of r.entries()) expect(got[i]![j]!).toBeCloseTo(v, digits);
};

describe('activations.sdmActivation', () => {
  const def = registry.get('activations.sdmActivation')!;
  const run = (z: number[][], q: number[], d: number[][], output: string) =>
    tf.tidy(
      () =>
        (
          def.kernel!.call(
            tfOps,
            [tf.tensor2d(z), tf.tensor2d(q, [q.length, 1]), tf.tensor2d(d)],
            {},
            { output } as never,
            { training: true },
          ) as tf.Tensor
        ).arraySync() as number[][],
    );

  it('gives (2+q)^{d z̃} / Σ (2+q)^{d z̃} and its log base 2+q (Float64, per-class d), no leaks', () => {
    const before = tf.memory().numTensors;
    const z = rows(5, 4, 2);
    const q = [0, 1, 3, 7.5, 20];
    const d = z.map((r) => r.map(() => rng.next()));
    const want = z.map((r, b) => sdm64(r, q[b]!, d[b]!));
    closeRows(run(z, q, d, 'probability'), want);
    const wantLog = want.map((r, b) => r.map((p) => Math.log(p) / Math.log(2 + q[b]!)));
    closeRows(run(z, q, d, 'logSdm'), wantLog, 4);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('is softmax at q = e − 2, d = 1; uniform at d = 0; sharper with larger q at the same argmax', () => {
    const z = rows(4, 5, 3);
    const ones = z.map((r) => r.map(() => 1));
    closeRows(
      run(
        z,
        z.map(() => Math.E - 2),
        ones,
        'probability',
      ),
      z.map((r) => softmax64(r)),
    );
    const zeros = z.map((r) => r.map(() => 0));
    closeRows(
      run(z, [1, 2, 3, 4], zeros, 'probability'),
      z.map((r) => r.map(() => 1 / 5)),
    );
    // A per-sample d (the same for every class) keeps the argmax; the top probability grows with q.
    const d1 = z.map(() => [0.6]);
    const lo = run(z, [1, 1, 1, 1], d1, 'probability');
    const hi = run(z, [10, 10, 10, 10], d1, 'probability');
    for (const [b, r] of z.entries()) {
      const arg = r.indexOf(Math.max(...r));
      expect(lo[b]!.indexOf(Math.max(...lo[b]!))).toBe(arg);
      expect(Math.max(...hi[b]!)).toBeGreaterThan(Math.max(...lo[b]!));
      closeRows(
        [lo[b]!],
        [
          sdm64(
            r,
            1,
            r.map(() => 0.6),
          ),
        ],
      );
    }
  });

  it('rejects q that is not [B, 1] and d of another width, naming the port', () => {
    const t = (shape: number[]) => ({ shape, dtype: 'float32' as const });
    const infer = (q: number[], d: number[]) =>
      def.infer({ inputs: { z: t([2, 3]), q: t(q), d: t(d) }, params: { output: 'probability' } } as never);
    expect(infer([2, 1], [2, 1]).y!.shape).toEqual([2, 3]);
    expect(infer([2, 1], [2, 3]).y!.shape).toEqual([2, 3]);
    expect(() => infer([2, 3], [2, 1])).toThrow(/q .*\[B, 1\]/);
    expect(() => infer([2, 1], [2, 2])).toThrow(/Distance quantile d/);
  });
});

describe('losses.logSdmNll', () => {
  const def = registry.get('losses.logSdmNll')!;
  const value = (z: number[][], q: number[], d: number[][], labels: number[]) =>
    tf.tidy(
      () =>
        (
          def.loss!.call!(
            tfOps,
            {
              pred: tf.tensor2d(z),
              q: tf.tensor2d(q, [q.length, 1]),
              d: tf.tensor2d(d),
              target: tf.oneHot(tf.tensor1d(labels, 'int32'), z[0]!.length),
            },
            {} as never,
            {} as never,
          ) as tf.Tensor
        ).dataSync()[0]!,
    );
  const labels = [0, 2, 1, 2, 0, 1];

  it('equals −mean_b log_{2+q_b} sdm(z_b)_{y_b} (Float64), no leaks', () => {
    const before = tf.memory().numTensors;
    const z = rows(6, 3, 2);
    const q = [0.5, 1, 2, 3, 5, 9];
    const d = z.map(() => [0.2 + 0.8 * rng.next()]);
    const want =
      -z.reduce((s, r, b) => {
        const p = sdm64(
          r,
          q[b]!,
          r.map(() => d[b]![0]!),
        );
        return s + Math.log(p[labels[b]!]!) / Math.log(2 + q[b]!);
      }, 0) / 6;
    const got = value(z, q, d, labels);
    expect(Math.abs(got - want) / want).toBeLessThan(1e-5);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('is the softmax cross-entropy at q = e − 2, d = 1', () => {
    const z = rows(6, 3);
    const want = -z.reduce((s, r, b) => s + Math.log(softmax64(r)[labels[b]!]!), 0) / 6;
    const got = value(
      z,
      z.map(() => Math.E - 2),
      z.map(() => [1]),
      labels,
    );
    expect(got).toBeCloseTo(want, 5);
  });

  it('has ∂L/∂z equal to central differences of the Float64 reference', () => {
    const z = rows(6, 3);
    const q = [1, 2, 3, 4, 5, 6];
    const d = z.map(() => [0.3, 0.7, 1]);
    const ref = (zz: number[][]) =>
      -zz.reduce((s, r, b) => s + Math.log(sdm64(r, q[b]!, d[b]!)[labels[b]!]!) / Math.log(2 + q[b]!), 0) / 6;
    const grad = tf.tidy(() =>
      tf
        .grad(
          (x: tf.Tensor) =>
            def.loss!.call!(
              tfOps,
              {
                pred: x,
                q: tf.tensor2d(q, [6, 1]),
                d: tf.tensor2d(d),
                target: tf.oneHot(tf.tensor1d(labels, 'int32'), 3),
              },
              {} as never,
              {} as never,
            ) as tf.Scalar,
        )(tf.tensor2d(z))
        .arraySync(),
    ) as number[][];
    const h = 1e-5;
    for (const [b, r] of z.entries())
      for (const c of r.keys()) {
        const up = z.map((x) => [...x]);
        const dn = z.map((x) => [...x]);
        up[b]![c]! += h;
        dn[b]![c]! -= h;
        expect(grad[b]![c]!).toBeCloseTo((ref(up) - ref(dn)) / (2 * h), 4);
      }
  });
});

describe('metrics.selectiveAccuracy', () => {
  const def = registry.get('metrics.selectiveAccuracy')!;
  const probs = [
    [0.95, 0.03, 0.02], // admitted by p, correct (y 0), q 3
    [0.05, 0.92, 0.03], // admitted by p, wrong (y 2), q 2
    [0.5, 0.3, 0.2], // not admitted (p), correct
    [0.01, 0.01, 0.98], // admitted by p, correct, but q 1 < 2
    [0.91, 0.05, 0.04], // admitted by p, wrong (y 1), q 0
  ];
  const y = [0, 2, 0, 2, 1];
  const q = [3, 2, 5, 1, 0];
  const stats = (from: number, size: number, params: object, withQ: boolean) =>
    tf.tidy(() =>
      Array.from(
        def
          .metric!.split!.stats(
            tfOps,
            {
              pred: tf.tensor2d(probs.slice(from, from + size)),
              target: tf.tensor1d(y.slice(from, from + size), 'int32'),
              ...(withQ ? { q: tf.tensor2d(q.slice(from, from + size), [size, 1]) } : {}),
            },
            params as never,
          )
          .dataSync(),
      ),
    );

  it('counts the admitted set by hand: p > τ alone, then p > τ ∧ q ≥ minQ, over split parts', () => {
    const before = tf.memory().numTensors;
    const acc = { threshold: 0.9, minQ: 2, report: 'accuracy' };
    const cov = { ...acc, report: 'coverage' };
    const f = def.metric!.split!.finalize;
    // p only: admitted {0, 1, 3, 4}, correct {0, 3}.
    const noQ = stats(0, 5, acc, false);
    expect(noQ).toEqual([4, 2, 5]);
    expect(f(noQ, acc as never)).toBeCloseTo(2 / 4, 6);
    expect(f(noQ, cov as never)).toBeCloseTo(4 / 5, 6);
    // with q ≥ 2: admitted {0, 1}, correct {0}.
    const parts = [stats(0, 2, acc, true), stats(2, 3, acc, true)];
    const sums = parts[0]!.map((v, i) => v + parts[1]![i]!);
    expect(sums).toEqual(stats(0, 5, acc, true));
    expect(sums).toEqual([2, 1, 5]);
    expect(f(sums, acc as never)).toBeCloseTo(1 / 2, 6);
    expect(f(sums, cov as never)).toBeCloseTo(2 / 5, 6);
    // finalizeOps prints the same numbers; nothing admitted → accuracy 0, not NaN.
    for (const params of [acc, cov]) {
      const got = tf.tidy(
        () => def.metric!.split!.finalizeOps!(tfOps, tf.tensor1d(sums), params as never).dataSync()[0]!,
      );
      expect(got).toBeCloseTo(f(sums, params as never), 6);
    }
    expect(f([0, 0, 5], acc as never)).toBe(0);
    // The batch value via call() with q equals finalize of the sums.
    const batch = tf.tidy(
      () =>
        def.metric!.call!(
          tfOps,
          { pred: tf.tensor2d(probs), target: tf.tensor1d(y, 'int32'), q: tf.tensor2d(q, [5, 1]) },
          acc as never,
        ).dataSync()[0]!,
    );
    expect(batch).toBeCloseTo(0.5, 6);
    expect(tf.memory().numTensors).toBe(before);
  });
});
