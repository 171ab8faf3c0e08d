// Activation family: SELU constants, our AlphaDropout's moments (tfjs's is wrong), CRReLU,
// Hermite basis, multi-level plateaus, the generalized convolution vs brute force, LeCun-normal
// initialisation on Dense.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { HERMITE_PRESETS, hermiteNtk } from '../../nodes/activations/hermite.ts';
import {
  ALPHA_PRIME,
  alphaDropoutAffine,
  SELU_ALPHA,
  SELU_LAMBDA,
} from '../../nodes/layers/alpha-dropout.ts';
import { compileIR } from '../compiler/compile.ts';
import { tfOps } from '../compiler/tf-ops.ts';
import { analyse } from '../core/analysis/analyse.ts';
import { lowerGraph } from '../core/lower.ts';
import { resolveParams } from '../core/params.ts';
import { loadRegistry } from '../node/discover-nodes.ts';
import { oneNodeGraph } from './harness.ts';

const registry = await loadRegistry();
beforeAll(async () => {
  await tf.setBackend('cpu');
});

function kernel(type: string, params: Record<string, unknown>, x: tf.Tensor, training = false, weights = {}) {
  const def = registry.get(type)!;
  return def.kernel!.call(tfOps, [x], weights, resolveParams(def.params, params).values, {
    training,
  }) as tf.Tensor;
}

describe('SELU and AlphaDropout (paper 36)', () => {
  it('uses the exact constants', () => {
    expect(SELU_LAMBDA).toBe(1.0507009873554805);
    expect(SELU_ALPHA).toBe(1.6732632423543772);
    expect(ALPHA_PRIME).toBeCloseTo(-1.7580993408473766, 15);
    const y = tf.tidy(() => tf.selu(tf.tensor1d([-1, 1])).dataSync());
    expect(y[1]).toBeCloseTo(SELU_LAMBDA, 6);
    expect(y[0]).toBeCloseTo(SELU_LAMBDA * SELU_ALPHA * (Math.exp(-1) - 1), 6);
  });

  it('keeps mean 0 ± 0.02 and variance 1 ± 0.05 on N(0, 1) input at rate 0.1 (training)', () => {
    const { mean, variance, dropped } = tf.tidy(() => {
      const x = tf.randomNormal([200000], 0, 1, 'float32', 7);
      const y = kernel('layers.alphaDropout', { rate: 0.1 }, x, true);
      const m = tf.moments(y);
      const { a, b } = alphaDropoutAffine(0.1);
      const droppedValue = a * ALPHA_PRIME + b;
      const hits = tf.mean(tf.cast(tf.less(tf.abs(tf.sub(y, droppedValue)), 1e-6), 'float32'));
      return {
        mean: m.mean.dataSync()[0]!,
        variance: m.variance.dataSync()[0]!,
        dropped: hits.dataSync()[0]!,
      };
    });
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
    expect(dropped).toBeGreaterThan(0.09);
    expect(dropped).toBeLessThan(0.11);
  });

  it('is the identity at inference', () => {
    const same = tf.tidy(() => {
      const x = tf.randomNormal([100], 0, 1, 'float32', 3);
      return tf.max(tf.abs(tf.sub(kernel('layers.alphaDropout', { rate: 0.1 }, x, false), x))).dataSync()[0];
    });
    expect(same).toBe(0);
  });

  // tfjs's leCunNormal is varianceScaling(normal) = a normal truncated at 2σ with σ = 1/√fan_in, so
  // its std is 0.88/√fan_in (Keras rescales by 1/0.8796; tfjs does not). Recorded in the template meta.
  it('Dense kernelInitializer leCunNormal has Var = 1/fan_in exactly (std 1/√400, not tfjs’s 0.88/√400)', () => {
    const def = registry.get('layers.dense')!;
    const a = analyse(
      oneNodeGraph(def, {
        inputs: { x: { shape: [1, 400] } },
        params: { units: 100, kernelInitializer: 'leCunNormal' },
      }),
      registry,
    );
    const compiled = compileIR(lowerGraph(a, registry).ir!, registry, { seed: 4 });
    const w = compiled.layers.get('node')!.getWeights()[0]!;
    const std = tf.tidy(() => Math.sqrt(tf.moments(w).variance.dataSync()[0]!));
    expect(std).toBeGreaterThan(0.99 / 20);
    expect(std).toBeLessThan(1.01 / 20);
    compiled.dispose();
  });
});

describe('activation values', () => {
  const xs = [-2, -0.5, 0, 0.7, 3];
  const run = (type: string, params: Record<string, unknown>, weights: Record<string, number[]> = {}) =>
    tf.tidy(() => {
      const w = Object.fromEntries(Object.entries(weights).map(([k, v]) => [k, tf.tensor1d(v)]));
      return [...kernel(type, params, tf.tensor1d(xs), false, w).dataSync()];
    });

  it('CRReLU = relu(x) + ε·x·exp(−x²/2)', () => {
    run('activations.crrelu', {}, { epsilon: [0.3] }).forEach((y, i) => {
      const x = xs[i]!;
      expect(y).toBeCloseTo(Math.max(0, x) + 0.3 * x * Math.exp((-x * x) / 2), 5);
    });
  });

  it('Hermite presets: 1nn = x/√2 + (x² − 1)/2, majority = (1 + x)/√2; custom uses h₃ = (x³ − 3x)/√6', () => {
    run('activations.hermite', { preset: '1nn' }).forEach((y, i) => {
      const x = xs[i]!;
      expect(y).toBeCloseTo(x / Math.SQRT2 + (x * x - 1) / 2, 5);
    });
    run('activations.hermite', { preset: 'majority' }).forEach((y, i) => {
      expect(y).toBeCloseTo((1 + xs[i]!) / Math.SQRT2, 5);
    });
    run('activations.hermite', { preset: 'custom', coefficients: '0, 0, 0, 1' }).forEach((y, i) => {
      const x = xs[i]!;
      expect(y).toBeCloseTo((x ** 3 - 3 * x) / Math.sqrt(6), 4);
    });
  });

  it('Hermite NTK: the exact affine recursion (closed forms on the diagonal, by hand off it), finite at depth 100', () => {
    const [nn, maj] = [HERMITE_PRESETS['1nn'], HERMITE_PRESETS.majority];
    // ψ(1) = 1 for both; ψ′(1) = 3/2 (1nn) and 1/2 (majority): Θ_L = 3·1.5^L − 2 and 2 − 2^−L.
    for (const L of [1, 5, 20, 100]) {
      expect(hermiteNtk(nn, 1, L) / (3 * 1.5 ** L - 2)).toBeCloseTo(1, 10);
      expect(hermiteNtk(maj, 1, L)).toBeCloseTo(2 - 2 ** -L, 12);
    }
    // 1nn at ξ = 0.3: ψ(ξ) = ξ/2 + ξ²/2, ψ′(ξ) = 1/2 + ξ. Θ₁ = 0.3·0.8 + 0.195 = 0.435;
    // Σ₁ = 0.195, Θ₂ = 0.435·0.695 + (0.0975 + 0.0190125) = 0.4188375.
    expect(hermiteNtk(nn, 0.3, 1)).toBeCloseTo(0.435, 12);
    expect(hermiteNtk(nn, 0.3, 2)).toBeCloseTo(0.4188375, 12);
  });

  it('multi-level: plateaus at k/K', () => {
    const y = tf.tidy(() => [
      ...kernel(
        'activations.multiLevel',
        { levels: 3, delta: 4, slope: 10 },
        tf.tensor1d([-5, 2, 6, 14]),
      ).dataSync(),
    ]);
    [0, 1 / 3, 2 / 3, 1].forEach((want, i) => {
      expect(y[i]).toBeCloseTo(want, 3);
    });
  });

  it('sine = sin(ω₀x)', () => {
    run('activations.sine', { w0: 2 }).forEach((y, i) => {
      expect(y).toBeCloseTo(Math.sin(2 * xs[i]!), 5);
    });
  });
});

describe('generalized convolution (paper 13) vs brute force', () => {
  const rho = Math.log(Math.E - 1); // λ = softplus(ρ) = 1 at init
  for (const sim of ['dot', 'wL2', 'wL1', 'histIntersect'] as const) {
    it(sim, () => {
      const H = 4;
      const k = 3;
      const xv = Array.from({ length: H * H }, (_, i) => Math.sin(i * 1.3));
      const tv = Array.from({ length: k * k * 2 }, (_, i) => Math.cos(i * 0.7)); // [P=9, F=2]
      const rhoV = Array.from({ length: k * k * 2 }, (_, i) => rho + 0.1 * (i % 3));
      const lam = rhoV.map((r) => Math.log1p(Math.exp(r)));
      const y = tf.tidy(() => {
        const def = registry.get('layers.kernelConv2d')!;
        const params = resolveParams(def.params, {
          similarity: sim,
          filters: 2,
          kernelSize: k,
          useBias: false,
        }).values;
        const w = { templates: tf.tensor2d(tv, [9, 2]), rho: tf.tensor2d(rhoV, [9, 2]) };
        return (
          def.kernel!.call(tfOps, [tf.tensor4d(xv, [1, H, H, 1])], w, params, {
            training: false,
          }) as tf.Tensor
        ).arraySync() as number[][][][];
      });
      for (let i = 0; i < H - k + 1; i++)
        for (let j = 0; j < H - k + 1; j++)
          for (let f = 0; f < 2; f++) {
            let s = 0;
            for (let u = 0; u < k; u++)
              for (let v = 0; v < k; v++) {
                const pIdx = u * k + v;
                const x = xv[(i + u) * H + (j + v)]!;
                const wv = tv[pIdx * 2 + f]!;
                const l = lam[pIdx * 2 + f]!;
                s +=
                  sim === 'dot'
                    ? x * wv
                    : sim === 'wL2'
                      ? -l * (x - wv) ** 2
                      : sim === 'wL1'
                        ? -l * Math.abs(x - wv)
                        : Math.min(x, wv);
              }
            expect(y[0]![i]![j]![f]!).toBeCloseTo(s, 4);
          }
    });
  }
});
