// EvoNorm-B0/S0 and PolyNorm against closed-form numbers for a fixed 2×2×2 input ([B=2, T=2, C=2]),
// computed here with plain arithmetic from the P11/P20 formulas.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { tfOps } from '../compiler/tf-ops.ts';
import { resolveParams } from '../core/params.ts';
import { loadRegistry } from '../node/discover-nodes.ts';

const registry = await loadRegistry();
beforeAll(async () => {
  await tf.setBackend('cpu');
});

// x[b][t][c]
const X = [
  [
    [1, 2],
    [3, -1],
  ],
  [
    [0, -2],
    [2, 4],
  ],
];
const EPS = 1e-5;
const sig = (z: number) => 1 / (1 + Math.exp(-z));
const meanOf = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
const varOf = (a: number[]) => meanOf(a.map((v) => (v - meanOf(a)) ** 2));

function runKernel(
  type: string,
  params: Record<string, unknown>,
  weights: Record<string, number[]>,
  training: boolean,
): { y: number[][][]; assigned: Record<string, number[]> } {
  const def = registry.get(type)!;
  const values = resolveParams(def.params, params).values;
  const assigned: Record<string, number[]> = {};
  const y = tf.tidy(() => {
    const w = Object.fromEntries(Object.entries(weights).map(([k, v]) => [k, tf.tensor1d(v)]));
    const out = def.kernel!.call(tfOps, [tf.tensor3d(X)], w, values, {
      training,
      assign: (name: string, v: tf.Tensor) => {
        assigned[name] = [...v.dataSync()];
      },
    }) as tf.Tensor;
    return out.arraySync() as number[][][];
  });
  return { y, assigned };
}

const gamma = [1.5, -0.5];
const beta = [0.1, 0.2];
const v = [0.7, -1.2];

describe('EvoNorm-S0 (closed form, groups = 1 and 2)', () => {
  for (const groups of [1, 2]) {
    it(`groups = ${groups}`, () => {
      const { y } = runKernel('normAct.evonormS0', { groups, epsilon: EPS }, { gamma, beta, v }, true);
      for (let b = 0; b < 2; b++)
        for (let t = 0; t < 2; t++)
          for (let c = 0; c < 2; c++) {
            const members = groups === 1 ? [0, 1] : [c];
            const group = [0, 1].flatMap((tt) => members.map((cc) => X[b]![tt]![cc]!));
            const x = X[b]![t]![c]!;
            const want = ((x * sig(v[c]! * x)) / Math.sqrt(varOf(group) + EPS)) * gamma[c]! + beta[c]!;
            expect(y[b]![t]![c]!).toBeCloseTo(want, 5);
          }
    });
  }
});

describe('EvoNorm-B0 (closed form)', () => {
  const running = [0.5, 2];
  const batchVar = [0, 1].map((c) => varOf(X.flatMap((r) => r.map((p) => p[c]!))));
  const expected = (variance: number[]) =>
    X.map((r, b) =>
      r.map((p, t) =>
        p.map((x, c) => {
          const inst = Math.sqrt(varOf([X[b]![0]![c]!, X[b]![1]![c]!]) + EPS);
          const den = Math.max(Math.sqrt(variance[c]! + EPS), v[c]! * x + inst);
          return (x / den) * gamma[c]! + beta[c]! + 0 * t;
        }),
      ),
    );

  it('training: batch variance, and running ← m·running + (1 − m)·var·n/(n − 1)', () => {
    const { y, assigned } = runKernel(
      'normAct.evonormB0',
      { epsilon: EPS, momentum: 0.9 },
      { gamma, beta, v, runningVar: running },
      true,
    );
    const want = expected(batchVar);
    y.flat(2).forEach((val, i) => {
      expect(val).toBeCloseTo(want.flat(2)[i]!, 5);
    });
    const n = 4;
    assigned.runningVar!.forEach((val, c) => {
      expect(val).toBeCloseTo(0.9 * running[c]! + 0.1 * batchVar[c]! * (n / (n - 1)), 5);
    });
  });

  it('inference: running variance, no update', () => {
    const { y, assigned } = runKernel(
      'normAct.evonormB0',
      {},
      { gamma, beta, v, runningVar: running },
      false,
    );
    const want = expected(running);
    y.flat(2).forEach((val, i) => {
      expect(val).toBeCloseTo(want.flat(2)[i]!, 5);
    });
    expect(assigned).toEqual({});
  });
});

describe('PolyNorm / PolyReLU (closed form)', () => {
  const w = { w0: [0.2], w1: [-0.3], w2: [0.9], b: [0.05] };
  it('PolyNorm: w0·N(x³) + w1·N(x²) + w2·N(x) + b, N over the last axis', () => {
    const { y } = runKernel('activations.polyNorm', {}, w, false);
    const N = (u: number[], i: number) => u[i]! / Math.sqrt(meanOf(u.map((q) => q * q)) + 1e-6);
    for (const [b, row] of X.entries())
      for (const [t, pair] of row.entries())
        for (let c = 0; c < 2; c++) {
          const want =
            0.2 *
              N(
                pair.map((q) => q ** 3),
                c,
              ) +
            -0.3 *
              N(
                pair.map((q) => q ** 2),
                c,
              ) +
            0.9 * N(pair, c) +
            0.05;
          expect(y[b]![t]![c]!).toBeCloseTo(want, 5);
        }
  });
  it('PolyReLU: w0·relu³ + w1·relu² + w2·relu + b', () => {
    const { y } = runKernel('activations.polyRelu', {}, w, false);
    X.flat(2).forEach((x, i) => {
      const r = Math.max(0, x);
      expect(y.flat(2)[i]!).toBeCloseTo(0.2 * r ** 3 - 0.3 * r ** 2 + 0.9 * r + 0.05, 5);
    });
  });
});
