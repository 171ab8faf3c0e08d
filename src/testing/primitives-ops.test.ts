// Primitive op nodes: reductions over the normalization families vs plain arithmetic, broadcasting,
// parameters and constants; and the EvoNorm-S0 template built from primitives agrees with the
// fused node to 1e-5 in training and inference mode on random input and random weights.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileIR } from '../compiler/compile.ts';
import { tfOps } from '../compiler/tf-ops.ts';
import { analyseText } from '../core/analysis/analyse.ts';
import { lowerGraph } from '../core/lower.ts';
import { resolveParams } from '../core/params.ts';
import { loadRegistry } from '../node/discover-nodes.ts';
import { readTemplate } from '../node/templates.ts';

const registry = await loadRegistry();
beforeAll(async () => {
  await tf.setBackend('cpu');
});

const call = (type: string, params: Record<string, unknown>, inputs: tf.Tensor[]) => {
  const def = registry.get(type)!;
  return def.kernel!.call(tfOps, inputs, {}, resolveParams(def.params, params).values, {
    training: false,
  }) as tf.Tensor;
};

describe('primitives.reduce', () => {
  // x: [B=2, H=1, W=2, C=4]
  const vals = [1, 2, 3, 4, 5, 6, 7, 9, -1, 0, 2, 2, 3, 3, -4, 8];
  const at = (b: number, w: number, c: number) => vals[b * 8 + w * 4 + c]!;
  const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
  const variance = (a: number[]) => mean(a.map((v) => (v - mean(a)) ** 2));
  const run = (params: Record<string, unknown>) =>
    tf.tidy(
      () =>
        call('primitives.reduce', params, [tf.tensor4d(vals, [2, 1, 2, 4])]).arraySync() as number[][][][],
    );

  it('batch variance per channel → [1, 1, 1, C]', () => {
    const y = run({ stat: 'variance', over: 'batch' });
    for (let c = 0; c < 4; c++)
      expect(y[0]![0]![0]![c]).toBeCloseTo(variance([at(0, 0, c), at(0, 1, c), at(1, 0, c), at(1, 1, c)]), 5);
  });
  it('instance mean per sample and channel → [B, 1, 1, C]', () => {
    const y = run({ stat: 'mean', over: 'instance' });
    for (let b = 0; b < 2; b++)
      for (let c = 0; c < 4; c++) expect(y[b]![0]![0]![c]).toBeCloseTo((at(b, 0, c) + at(b, 1, c)) / 2, 5);
  });
  it('group std (2 groups) spread back to every channel of the group', () => {
    const y = run({ stat: 'std', over: 'group', groups: 2, epsilon: 0.01 });
    for (let b = 0; b < 2; b++)
      for (let c = 0; c < 4; c++) {
        const g = c < 2 ? [0, 1] : [2, 3];
        const members = [0, 1].flatMap((w) => g.map((cc) => at(b, w, cc)));
        expect(y[b]![0]![0]![c]).toBeCloseTo(Math.sqrt(variance(members) + 0.01), 5);
      }
  });
  it('layer max per sample → [B, 1, 1, 1]', () => {
    const y = run({ stat: 'max', over: 'layer' });
    expect(y.map((r) => r[0]![0]![0])).toEqual([9, 8]);
  });
});

describe('primitives.binary / unary / parameter / constant', () => {
  it('broadcasts NumPy-style and uses the constant when b is unconnected', () => {
    const y = tf.tidy(() => [
      ...call('primitives.binary', { op: 'sub' }, [
        tf.tensor2d([
          [1, 2],
          [3, 4],
        ]),
        tf.tensor2d([[1, 1]]),
      ]).dataSync(),
    ]);
    expect(y).toEqual([0, 1, 2, 3]);
    const z = tf.tidy(() => [
      ...call('primitives.binary', { op: 'pow', constant: 2 }, [tf.tensor1d([3, -2])]).dataSync(),
    ]);
    expect(z).toEqual([9, 4]);
  });
  it('unary ops match Math', () => {
    const y = tf.tidy(() => [
      ...call('primitives.unary', { op: 'softplus' }, [tf.tensor1d([0, 1])]).dataSync(),
    ]);
    expect(y[0]).toBeCloseTo(Math.log(2), 6);
    expect(y[1]).toBeCloseTo(Math.log1p(Math.E), 6);
  });
  it('constant broadcasts to the rank of x', () => {
    const y = tf.tidy(() => call('primitives.constant', { value: 0.25 }, [tf.ones([2, 3, 4])]));
    expect(y.shape).toEqual([1, 1, 1]);
    expect(y.dataSync()[0]).toBeCloseTo(0.25, 7);
    y.dispose();
  });
});

describe('EvoNorm-S0 from primitives (the group in template evonorm-s0-primitives) = fused node', () => {
  for (const training of [true, false]) {
    it(`agrees to 1e-5 (${training ? 'training' : 'inference'} mode)`, () => {
      const a = analyseText(readTemplate('evonorm-s0-primitives'), registry);
      expect(a.diagnostics).toEqual([]);
      const compiled = compileIR(lowerGraph(a, registry).ir!, registry, { seed: 5 });
      const c = 8;
      const rand = (seed: number, lo: number, hi: number) => tf.randomUniform([c], lo, hi, 'float32', seed);
      const v = rand(1, -1.5, 1.5);
      const gamma = rand(2, 0.5, 2);
      const beta = rand(3, -0.5, 0.5);
      // The primitives sit inside the group 'evonorm', which compiles to ONE layer whose weights
      // are named after the inner nodes.
      const group = compiled.layers.get('evonorm')!;
      const byName: Record<string, tf.Tensor> = { 'v.w': v, 'gamma.w': gamma, 'beta.w': beta };
      // tfjs appends _1, _2 … to weight names it has seen in an earlier model.
      const short = (name: string) => name.split('/').at(-1)!.replace(/_\d+$/, '');
      expect(group.weights.map((w) => short(w.name)).sort()).toEqual(['beta.w', 'gamma.w', 'v.w']);
      group.setWeights(group.weights.map((w) => byName[short(w.name)]!));
      const x = tf.randomNormal([3, 8, 8, 1], 0, 1, 'float32', 9);
      const maxDiff = tf.tidy(() => {
        const outs = compiled.run({ input: x }, { training });
        const pre = outs.get('conv')!;
        const def = registry.get('normAct.evonormS0')!;
        const groupsNode = a.doc!.nodes.evonorm!.graph!.nodes.std!.params as {
          groups: number;
          epsilon: number;
        };
        const fused = def.kernel!.call(
          tfOps,
          [pre],
          { v, gamma, beta },
          resolveParams(def.params, { groups: groupsNode.groups, epsilon: groupsNode.epsilon }).values,
          { training },
        ) as tf.Tensor;
        return tf.max(tf.abs(tf.sub(fused, outs.get('evonorm')!))).dataSync()[0]!;
      });
      expect(maxDiff).toBeLessThan(1e-5);
      tf.dispose([v, gamma, beta, x]);
      compiled.dispose();
    });
  }
});

describe('EvoNorm-B0 from primitives (the group in template evonorm-b0-primitives) = fused node', () => {
  const short = (name: string) => name.split('/').at(-1)!.replace(/_\d+$/, '');
  for (const training of [true, false]) {
    it(`agrees to 1e-5 (${training ? 'training' : 'inference'} mode), running variance included`, () => {
      const a = analyseText(readTemplate('evonorm-b0-primitives'), registry);
      expect(a.diagnostics).toEqual([]);
      const compiled = compileIR(lowerGraph(a, registry).ir!, registry, { seed: 5 });
      const c = 8;
      const rand = (seed: number, lo: number, hi: number) => tf.randomUniform([c], lo, hi, 'float32', seed);
      const w = {
        'v.w': rand(1, -1.5, 1.5),
        'gamma.w': rand(2, 0.5, 2),
        'beta.w': rand(3, -0.5, 0.5),
        'bvar.running': rand(4, 0.2, 3),
      } as Record<string, tf.Tensor>;
      const group = compiled.layers.get('evonorm')!;
      expect(group.weights.map((x) => short(x.name)).sort()).toEqual(Object.keys(w).sort());
      group.setWeights(group.weights.map((x) => w[short(x.name)]!));
      const x = tf.randomNormal([3, 8, 8, 1], 0, 1, 'float32', 9);
      const def = registry.get('normAct.evonormB0')!;
      const params = resolveParams(def.params, { epsilon: 1e-5, momentum: 0.9 }).values;
      let fusedRunning: tf.Tensor | undefined;
      const maxDiff = tf.tidy(() => {
        const outs = compiled.run({ input: x }, { training });
        const fused = def.kernel!.call(
          tfOps,
          [outs.get('conv')!],
          { gamma: w['gamma.w']!, beta: w['beta.w']!, v: w['v.w']!, runningVar: w['bvar.running']! },
          params,
          {
            training,
            assign: (_name, value) => {
              fusedRunning = tf.keep(value as tf.Tensor);
            },
          },
        ) as tf.Tensor;
        return tf.max(tf.abs(tf.sub(fused, outs.get('evonorm')!))).dataSync()[0]!;
      });
      expect(maxDiff).toBeLessThan(1e-5);
      // Training updates the group's running variance exactly as the fused node's.
      const running = group.weights.find((x) => short(x.name) === 'bvar.running')!.read();
      if (training) {
        const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(running, fusedRunning!))).dataSync()[0]!);
        expect(diff).toBeLessThan(1e-5);
        expect(
          tf.tidy(() => tf.max(tf.abs(tf.sub(running, w['bvar.running']!))).dataSync()[0]!),
        ).toBeGreaterThan(1e-3);
      } else expect(fusedRunning).toBeUndefined();
      tf.dispose([...Object.values(w), x, ...(fusedRunning ? [fusedRunning] : [])]);
      compiled.dispose();
    });
  }
});
