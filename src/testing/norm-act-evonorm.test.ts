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

  it('applyAct off: affine only, y = γ·x + β (timm EvoNorm2dS0 with v = None)', () => {
    const { y } = runKernel('normAct.evonormS0', { groups: 1, applyAct: false }, { gamma, beta }, true);
    for (let b = 0; b < 2; b++)
      for (let t = 0; t < 2; t++)
        for (let c = 0; c < 2; c++)
          expect(y[b]![t]![c]!).toBeCloseTo(X[b]![t]![c]! * gamma[c]! + beta[c]!, 6);
  });
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

// Training-mode gradients of EvoNorm-B0: the batch std [1, 1, 1, C] meets the per-element
// v·x + instance std [B, H, W, C] in a max, and tfjs's Maximum gradient does not reduce over
// broadcast axes (training a B0 network threw). Reference: the same formula in float64 plain
// arithmetic, differentiated by central differences.
describe('EvoNorm-B0 training gradients (finite differences of a float64 closed form)', () => {
  const [B, H, W, C] = [2, 2, 2, 3];
  const n = B * H * W * C;
  // Deterministic, spread-out input; the test asserts every element is well off the max's kink.
  const xs = Array.from({ length: n }, (_, i) => Math.sin(1.7 * i + 0.3) * 2 + 0.25 * (i % 3));
  const vB = [0.8, -0.6, 0.3];
  const gB = [1.2, 0.7, -0.9];
  const bB = [0.1, -0.2, 0.05];
  const wOut = Array.from({ length: n }, (_, i) => Math.cos(0.9 * i + 0.1));
  const at = (b: number, h: number, w: number, c: number) => ((b * H + h) * W + w) * C + c;

  /** Σ wOut ⊙ y and the smallest |left − right| over the elements (float64). */
  function reference(x: number[], v: number[], g: number[]): { value: number; margin: number } {
    let value = 0;
    let margin = Number.POSITIVE_INFINITY;
    for (let c = 0; c < C; c++) {
      const all: number[] = [];
      for (let b = 0; b < B; b++)
        for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) all.push(x[at(b, h, w, c)]!);
      const left = Math.sqrt(varOf(all) + EPS);
      for (let b = 0; b < B; b++) {
        const inst: number[] = [];
        for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) inst.push(x[at(b, h, w, c)]!);
        const s = Math.sqrt(varOf(inst) + EPS);
        for (let h = 0; h < H; h++)
          for (let w = 0; w < W; w++) {
            const i = at(b, h, w, c);
            const right = v[c]! * x[i]! + s;
            margin = Math.min(margin, Math.abs(left - right));
            value += wOut[i]! * ((x[i]! / Math.max(left, right)) * g[c]! + bB[c]!);
          }
      }
    }
    return { value, margin };
  }

  const numeric = (f: (d: number) => number, h = 1e-5) => (f(h) - f(-h)) / (2 * h);

  it('d/dx, d/dv and d/dγ match, with both sides of the max in use', () => {
    const def = registry.get('normAct.evonormB0')!;
    const values = resolveParams(def.params, { epsilon: EPS }).values;
    expect(reference(xs, vB, gB).margin).toBeGreaterThan(0.01); // ≫ the 1e-5 difference step
    const objective = (x: tf.Tensor, v: tf.Tensor, g: tf.Tensor) =>
      tf.sum(
        tf.mul(
          def.kernel!.call(
            tfOps,
            [x],
            { gamma: g, beta: tf.tensor1d(bB), v, runningVar: tf.ones([C]) },
            values,
            { training: true, assign: () => {} },
          ) as tf.Tensor,
          tf.tensor(wOut, [B, H, W, C]),
        ),
      ) as tf.Scalar;
    const [dx, dv, dg] = tf.tidy(() =>
      tf
        .grads(objective)([tf.tensor(xs, [B, H, W, C]), tf.tensor1d(vB), tf.tensor1d(gB)])
        .map((t) => [...t.dataSync()]),
    );
    // Which side of the max each element takes: both must occur, or the test checks only one path.
    const sides = new Set<boolean>();
    for (let c = 0; c < C; c++) {
      const all = xs.filter((_, i) => i % C === c);
      const left = Math.sqrt(varOf(all) + EPS);
      for (let b = 0; b < B; b++) {
        const inst = xs.filter((_, i) => i % C === c && Math.floor(i / (H * W * C)) === b);
        const s = Math.sqrt(varOf(inst) + EPS);
        for (const x of inst) sides.add(left >= vB[c]! * x + s);
      }
    }
    expect(sides.size).toBe(2);
    const close = (a: number, want: number) =>
      expect(Math.abs(a - want)).toBeLessThanOrEqual(2e-3 * Math.max(1, Math.abs(want)));
    xs.forEach((_, i) => {
      close(
        dx![i]!,
        numeric(
          (d) =>
            reference(
              xs.map((q, j) => (j === i ? q + d : q)),
              vB,
              gB,
            ).value,
        ),
      );
    });
    for (let c = 0; c < C; c++) {
      close(
        dv![c]!,
        numeric(
          (d) =>
            reference(
              xs,
              vB.map((q, j) => (j === c ? q + d : q)),
              gB,
            ).value,
        ),
      );
      close(
        dg![c]!,
        numeric(
          (d) =>
            reference(
              xs,
              vB,
              gB.map((q, j) => (j === c ? q + d : q)),
            ).value,
        ),
      );
    }
  });
});
