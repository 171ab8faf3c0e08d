// Every activation node: build the tfjs layer its lower() names and compare it with the closed-form
// formula written out here; the ELU kernel path; the leakyRelu v1 → v2 migration.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import elu from '../../nodes/activations/elu.ts';
import gelu from '../../nodes/activations/gelu.ts';
import hardSigmoid from '../../nodes/activations/hard-sigmoid.ts';
import leakyRelu from '../../nodes/activations/leaky-relu.ts';
import linear from '../../nodes/activations/linear.ts';
import mish from '../../nodes/activations/mish.ts';
import relu from '../../nodes/activations/relu.ts';
import selu from '../../nodes/activations/selu.ts';
import sigmoid from '../../nodes/activations/sigmoid.ts';
import silu from '../../nodes/activations/silu.ts';
import softmax from '../../nodes/activations/softmax.ts';
import softplus from '../../nodes/activations/softplus.ts';
import softsign from '../../nodes/activations/softsign.ts';
import tanh from '../../nodes/activations/tanh.ts';
import { tfOps } from '../compiler/tf-ops.ts';
import { NodeProblem } from '../core/diagnostics.ts';
import type { AnyNodeDef, NodeDef } from '../core/node-def.ts';
import { type ParamSpecs, type ParamValues, resolveParams } from '../core/params.ts';
import { registryFromModules } from '../core/registry.ts';
import { type Dim, tensor } from '../core/tensor-type.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

type Params = Record<string, unknown>;

function paramsOf<P extends ParamSpecs>(def: NodeDef<P>, raw: Params = {}): ParamValues<P> {
  const { values, problems } = resolveParams(def.params, raw);
  expect(problems).toEqual([]);
  return values as ParamValues<P>;
}

// Closed forms, in double precision.
const LAMBDA = 1.0507009873554805;
const ALPHA = 1.6732632423543772;
/** erf by its Maclaurin series: plenty of terms for |x| ≤ 4. */
function erf(x: number): number {
  let term = x;
  let sum = x;
  for (let n = 1; n < 120; n++) {
    term *= (-x * x) / n;
    sum += term / (2 * n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}
const sp = (x: number) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
const sig = (x: number) => 1 / (1 + Math.exp(-x));

const X = [-4, -2.5, -1.5, -0.5, -0.01, 0, 0.01, 0.3, 1, 2.5, 4, 6];

/** Applies the tfjs layer that the node lowers to; checks the node's inferred shape, leaks nothing. */
function applyLowered(def: AnyNodeDef, raw: Params, rows: number[][]): number[][] {
  const params = paramsOf(def, raw);
  const shape: Dim[] = [null, rows[0]!.length];
  const outputs = def.infer({ nodeId: 'n', params, inputs: { x: tensor(shape) }, data: undefined });
  expect(outputs).toEqual({ y: tensor(shape) });
  expect(def.paramCount?.({ nodeId: 'n', params, inputs: { x: tensor(shape) }, outputs })).toBe(0);
  const op = def.lower!({ nodeId: 'n', params, inputs: { x: tensor(shape) }, outputs });
  if (op.kind !== 'layer') throw new Error(`${def.type} lowered to ${op.kind}, not a layer`);
  const factories = tf.layers as unknown as Record<string, (config: object) => tf.layers.Layer>;
  const factory = factories[op.layer];
  expect(factory, `tf.layers.${op.layer}`).toBeTypeOf('function');
  const layer = factory!(op.config);
  const before = tf.memory().numTensors;
  const out = tf.tidy(() => (layer.apply(tf.tensor2d(rows)) as tf.Tensor).arraySync() as number[][]);
  expect(tf.memory().numTensors).toBe(before);
  return out;
}

function expectClose(actual: number[][], expected: number[][], tol = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  for (const [i, row] of actual.entries()) {
    for (const [j, v] of row.entries()) {
      const e = expected[i]![j]!;
      expect(Math.abs(v - e), `[${i}][${j}]: got ${v}, want ${e}`).toBeLessThanOrEqual(
        tol * Math.max(1, Math.abs(e)),
      );
    }
  }
}

const elementwise: [AnyNodeDef, Params, (x: number) => number][] = [
  [linear, {}, (x) => x],
  [relu, {}, (x) => Math.max(0, x)],
  [leakyRelu, {}, (x) => (x > 0 ? x : 0.01 * x)],
  [leakyRelu, { alpha: 0.2 }, (x) => (x > 0 ? x : 0.2 * x)],
  [elu, {}, (x) => (x > 0 ? x : Math.exp(x) - 1)],
  [selu, {}, (x) => (x > 0 ? LAMBDA * x : LAMBDA * ALPHA * (Math.exp(x) - 1))],
  // tfjs 'gelu' is the exact form x·Φ(x); 'gelu_new' is the tanh approximation.
  [gelu, {}, (x) => 0.5 * x * (1 + erf(x / Math.SQRT2))],
  [
    gelu,
    { approximate: true },
    (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))),
  ],
  [silu, {}, (x) => x * sig(x)],
  [mish, {}, (x) => x * Math.tanh(sp(x))],
  [tanh, {}, (x) => Math.tanh(x)],
  [sigmoid, {}, (x) => sig(x)],
  [hardSigmoid, {}, (x) => Math.min(1, Math.max(0, 0.2 * x + 0.5))],
  [softplus, {}, (x) => sp(x)],
  [softsign, {}, (x) => x / (1 + Math.abs(x))],
];

describe('activations lower to tfjs layers that compute their formula', () => {
  for (const [def, raw, f] of elementwise) {
    it(`${def.type} ${JSON.stringify(raw)}`, () => {
      const rows = [X, X.map((x) => -x / 2)];
      expectClose(
        applyLowered(def, raw, rows),
        rows.map((r) => r.map(f)),
      );
    });
  }

  it('activations.softmax normalises each row over the last axis', () => {
    const rows = [
      [1, 2, 3, 4],
      [-1000, 0, 1000, 999],
      [0, 0, 0, 0],
    ];
    const expected = rows.map((r) => {
      const m = Math.max(...r);
      const e = r.map((v) => Math.exp(v - m));
      const s = e.reduce((a, b) => a + b, 0);
      return e.map((v) => v / s);
    });
    expectClose(applyLowered(softmax, {}, rows), expected, 1e-6);
    // tf.layers.softmax defaults to axis 1 (Keras: -1), so lowering always passes it.
    expect(softmax.lower!({ nodeId: 'n', params: paramsOf(softmax), inputs: {}, outputs: {} })).toEqual({
      kind: 'layer',
      layer: 'softmax',
      config: { axis: -1 },
    });
  });

  it('exact and approximate GELU really differ (so the param matters)', () => {
    const exact = applyLowered(gelu, {}, [[-3]])[0]![0]!;
    const approx = applyLowered(gelu, { approximate: true }, [[-3]])[0]![0]!;
    expect(exact).toBeCloseTo(-3 * 0.5 * (1 + erf(-3 / Math.SQRT2)), 6);
    expect(Math.abs(exact - approx)).toBeGreaterThan(1e-4);
  });
});

describe('activations.elu with alpha ≠ 1', () => {
  it('tf.layers.elu refuses alpha ≠ 1 (tfjs 4.22), hence the kernel', () => {
    expect(() => tf.layers.elu({ alpha: 0.5 })).toThrow(/alpha/);
  });
  it('lowers to a kernel that computes α·(exp(x) − 1) below zero', () => {
    const params = paramsOf(elu, { alpha: 0.5 });
    expect(elu.lower!({ nodeId: 'n', params, inputs: {}, outputs: {} })).toEqual({
      kind: 'kernel',
      config: { alpha: 0.5 },
    });
    const before = tf.memory().numTensors;
    const out = tf.tidy(
      () =>
        elu
          .kernel!.call(tfOps, [tf.tensor2d([X])], {}, params, { training: false })
          .arraySync() as number[][],
    );
    expect(tf.memory().numTensors).toBe(before);
    expectClose(out, [X.map((x) => (x > 0 ? x : 0.5 * (Math.exp(x) - 1)))]);
  });
  it('the kernel is finite for large inputs and has the ELU gradient', () => {
    const params = paramsOf(elu, { alpha: 0.5 });
    const f = (x: tf.Tensor) => elu.kernel!.call(tfOps, [x], {}, params, { training: true });
    const [y, g] = tf.tidy(() => {
      const x = tf.tensor1d([-2, -0.5, 0.5, 200]);
      return [f(x).arraySync() as number[], tf.grad(f)(x).arraySync() as number[]];
    });
    expect(y![3]).toBe(200);
    expectClose([g!], [[0.5 * Math.exp(-2), 0.5 * Math.exp(-0.5), 1, 1]]);
  });
});

describe('activations.softmax infer', () => {
  const code = (shape: Dim[], axis: number) => {
    try {
      softmax.infer({
        nodeId: 's',
        params: paramsOf(softmax, { axis }),
        inputs: { x: tensor(shape) },
        data: undefined,
      });
    } catch (e) {
      if (e instanceof NodeProblem) return e;
      throw e;
    }
    return undefined;
  };
  it('accepts the last axis, by -1 or by index', () => {
    expect(code([null, 10], -1)).toBeUndefined();
    expect(code([null, 10], 1)).toBeUndefined();
    expect(code([null, 4, 10], 2)).toBeUndefined();
  });
  it('refuses other axes (tfjs cannot) with a fix, and rank 1', () => {
    const p = code([null, 4, 10], 1);
    expect(p?.code).toBe('param/unsupported-axis');
    expect(p?.where.fix).toEqual({ kind: 'set-param', nodeId: 's', field: 'axis', value: -1 });
    expect(code([null], -1)?.code).toBe('shape/rank-mismatch');
  });
});

describe('activations.leakyRelu migration v1 → v2', () => {
  it('is version 2 with a migration from 1', () => {
    expect(leakyRelu.version).toBe(2);
    expect(leakyRelu.migrations?.map((m) => m.from)).toEqual([1]);
  });
  for (const m of leakyRelu.migrations ?? []) {
    for (const ex of m.examples) {
      it(`${JSON.stringify(ex.before)} → ${JSON.stringify(ex.after)}`, () => {
        expect(m.up(ex.before)).toEqual(ex.after);
        // The upgraded params are valid v2 params.
        expect(resolveParams(leakyRelu.params, m.up(ex.before)).problems).toEqual([]);
      });
    }
  }
  it('renames negativeSlope to alpha and keeps any other key', () => {
    const m = leakyRelu.migrations![0]!;
    const before = { negativeSlope: 0.1, other: 'x' };
    expect(m.up(before)).toEqual({ alpha: 0.1, other: 'x' });
    expect(before).toEqual({ negativeSlope: 0.1, other: 'x' }); // input not mutated
  });
});

describe('activation files', () => {
  const all: [string, AnyNodeDef][] = [
    ['elu', elu],
    ['gelu', gelu],
    ['hard-sigmoid', hardSigmoid],
    ['leaky-relu', leakyRelu],
    ['linear', linear],
    ['mish', mish],
    ['relu', relu],
    ['selu', selu],
    ['sigmoid', sigmoid],
    ['silu', silu],
    ['softmax', softmax],
    ['softplus', softplus],
    ['softsign', softsign],
    ['tanh', tanh],
  ];
  it('are named after their files, documented, and have examples', () => {
    const reg = registryFromModules(all.map(([f, def]) => [`nodes/activations/${f}.ts`, { default: def }]));
    expect(reg.size).toBe(14);
    for (const def of reg.all()) {
      expect(def.kind).toBe('layer');
      expect(Object.keys(def.inputs)).toEqual(['x']);
      expect(Object.keys(def.outputs)).toEqual(['y']);
      expect(def.docs.summary.length).toBeGreaterThan(10);
      expect(def.docs.formula).toBeTruthy();
      expect(def.examples?.[0]).toEqual({ inputs: { x: { shape: [2, 5] } } });
    }
  });
});
