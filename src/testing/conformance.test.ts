// Conformance over the whole registry (Keras's one-harness-for-all-layers idea): every node type
// is checked against tfjs itself — inferred shapes vs the shapes tfjs produces, param counts vs
// tfjs's countParams, gradients vs finite differences, no leaked tensors, docs present.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileIR } from '../compiler/compile.ts';
import { tfOps } from '../compiler/tf-ops.ts';
import { analyse } from '../core/analysis/analyse.ts';
import { labelStats } from '../core/label-stats.ts';
import { lowerGraph } from '../core/lower.ts';
import type { AnyNodeDef, DataStats } from '../core/node-def.ts';
import { resolveParams } from '../core/params.ts';
import type { Registry } from '../core/registry.ts';
import { createRng } from '../core/rng.ts';
import { loadRegistry } from '../node/discover-nodes.ts';
import { gradientError, oneNodeGraph, randomInput, variableGradientError } from './harness.ts';

const registry: Registry = await loadRegistry();
const defs = registry.all();

beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.env().set('PROD', true);
});

describe('registry', () => {
  it('holds the standard node set (≥ 45 types)', () => {
    expect(defs.length).toBeGreaterThanOrEqual(45);
  });
});

describe.each(defs.map((d) => [d.type, d] as [string, AnyNodeDef]))('%s', (_type, def) => {
  it('has docs: summary, and a formula for math nodes and paper-derived nodes', () => {
    expect(def.title.length).toBeGreaterThan(0);
    expect(def.docs.summary.length).toBeGreaterThan(10);
    if (def.kind !== 'input' && def.kind !== 'output') expect(def.docs.formula ?? '').not.toBe('');
    if (def.docs.paper) {
      expect(def.docs.paper.year).toBeGreaterThan(1900);
      expect(def.docs.formula ?? '').not.toBe('');
    }
  });

  it('has valid defaults', () => {
    expect(resolveParams(def.params, {}).problems).toEqual([]);
  });

  if (def.kind === 'layer') {
    it('has examples for the harness', () => {
      expect(def.examples?.length ?? 0).toBeGreaterThan(0);
    });

    for (const [i, ex] of (def.examples ?? []).entries()) {
      it(`example ${i + 1}: infer = tfjs shapes, params = tfjs count, gradients = finite differences, no leaks`, () => {
        const before = tf.memory().numTensors;
        const a = analyse(oneNodeGraph(def, ex), registry);
        expect(a.diagnostics).toEqual([]);
        const lowered = lowerGraph(a, registry);
        expect(lowered.ir).toBeDefined();
        const compiled = compileIR(lowered.ir!, registry, { seed: 3 });
        const rng = createRng(11 + i);
        const feeds = Object.fromEntries(
          Object.entries(ex.inputs).map(([port, spec]) => [`in_${port}`, randomInput(spec, rng)]),
        );
        const inferred = a.nodes.get('node')!;
        const ports = Object.keys(def.outputs);
        const first = inferred.outputs[ports[0]!]!;
        // Shapes: the eager run and the symbolic model both agree with inference — every output
        // port of a multi-output node (run() keys them `node:<port>`; the plain id is the first).
        const batch = ex.outputBatch ?? Object.values(ex.inputs)[0]!.shape[0]!;
        const runShapes = tf.tidy(() => {
          const outs = compiled.run(feeds, { training: false });
          return ports.length > 1
            ? ports.map((p) => outs.get(`node:${p}`)!.shape)
            : [outs.get('node')!.shape];
        });
        runShapes.forEach((shape, i) => {
          const want = inferred.outputs[ports[i]!]!.shape.map((d, k) => (k === 0 && d === null ? batch : d));
          expect(shape, `port ${ports[i]}`).toEqual(want);
        });
        // tfjs may leave a dim unknown (null) that inference knows; it must never disagree.
        const symbolic = compiled.model.outputs[0]!.shape;
        expect(symbolic.length).toBe(first.shape.length);
        symbolic.forEach((d, k) => {
          if (d !== null) expect(d).toBe(first.shape[k]);
        });
        // Parameter count, as tfjs counts it.
        expect(inferred.paramCount).toBe(compiled.countParams());

        // Gradients w.r.t. each float input and each trainable weight.
        // A multi-output node: Σ over every port, so an input that reaches only a later port is checked too.
        const keys = ports.length > 1 ? ports.map((p) => `node:${p}`) : ['node'];
        const probes = runShapes.map((shape, k) =>
          tf.tidy(() => tf.keep(tf.randomNormal(shape as number[], 0, 1, 'float32', 5 + k))),
        );
        const probe = { dispose: () => tf.dispose(probes) };
        const objective = (feedOverride: Record<string, tf.Tensor>) => {
          const outs = compiled.run({ ...feeds, ...feedOverride }, { training: false });
          return tf.addN(keys.map((key, k) => tf.sum(tf.mul(outs.get(key)!, probes[k]!)))) as tf.Scalar;
        };
        for (const [port, spec] of Object.entries(ex.inputs)) {
          if (spec.dtype === 'int32') continue;
          if (spec.stopsGradient) {
            const g = tf.grad((x: tf.Tensor) => objective({ [`in_${port}`]: x }))(feeds[`in_${port}`]!);
            expect(
              Array.from(g.dataSync()).every((v) => v === 0),
              `d/d ${port} is zero (stopped)`,
            ).toBe(true);
            g.dispose();
            continue;
          }
          const err = gradientError((x) => objective({ [`in_${port}`]: x }), feeds[`in_${port}`]!, rng);
          expect(err, `d/d ${port}`).toBeLessThan(0.05);
        }
        for (const v of compiled.variables([])) {
          const err = variableGradientError(() => objective({}), v, rng);
          expect(err, `d/d ${v.name}`).toBeLessThan(0.05);
        }
        probe.dispose();
        tf.dispose(Object.values(feeds));
        compiled.dispose();
        expect(tf.memory().numTensors).toBe(before);
      });
    }
  }

  const head = def.loss ?? def.metric;
  if (head?.call) {
    // N-ary heads: run call() on the node's own examples (inputs by port name).
    for (const [i, ex] of (def.examples ?? []).entries())
      it(`n-ary ${def.kind} example ${i + 1}: scalar, gradient = finite differences, no leaks`, () => {
        const before = tf.memory().numTensors;
        const rng = createRng(21 + i);
        const params = resolveParams(def.params, ex.params ?? {}).values;
        const cfg = def.lower!({ nodeId: 'h', params, inputs: {}, outputs: {} });
        const config = (cfg.kind === 'loss' || cfg.kind === 'metric' ? cfg.config : {}) as never;
        const inputs = Object.fromEntries(
          Object.entries(ex.inputs).map(([port, spec]) => [port, randomInput(spec, rng)]),
        );
        // Heads that read label statistics get those of the example's targets (as multi-label rows).
        const ctx = head.stats ? { stats: exampleStats(inputs.target!) } : {};
        const value = tf.tidy(() => head.call!(tfOps, inputs, config, ctx));
        expect(value.shape).toEqual([]);
        expect(Number.isFinite(value.dataSync()[0])).toBe(true);
        value.dispose();
        if (def.loss)
          for (const [port, spec] of Object.entries(ex.inputs)) {
            if (spec.dtype === 'int32') continue;
            const lossOf = (x: tf.Tensor) =>
              head.call!(tfOps, { ...inputs, [port]: x }, config, ctx) as tf.Scalar;
            if (spec.stopsGradient) {
              // A target port the loss detaches (e.g. auAlign's heat map): its gradient is exactly zero.
              const g = tf.grad(lossOf)(inputs[port]!);
              expect(
                Array.from(g.dataSync()).every((v) => v === 0),
                `d/d ${port} is zero (stopped)`,
              ).toBe(true);
              g.dispose();
              continue;
            }
            const err = gradientError(lossOf, inputs[port]!, rng);
            expect(err, `d/d ${port}`).toBeLessThan(0.05);
          }
        tf.dispose([...Object.values(inputs), ...Object.values(ctx.stats ?? {})]);
        expect(tf.memory().numTensors).toBe(before);
      });
    it('n-ary head has examples for the harness', () => {
      expect(def.examples?.length ?? 0).toBeGreaterThan(0);
    });
  } else if (head) {
    it(`${def.kind} function: scalar, gradient = finite differences, no leaks`, () => {
      const before = tf.memory().numTensors;
      const rng = createRng(7);
      const params = resolveParams(def.params, {}).values;
      const cfg = def.lower!({ nodeId: 'h', params, inputs: {}, outputs: {} });
      const config = cfg.kind === 'loss' || cfg.kind === 'metric' ? cfg.config : {};
      const logits = randomInput({ shape: [4, 3] }, rng);
      const labels = tf.tensor1d([0, 2, 1, 2], 'int32');
      const target = head.target === 'onehot' ? tf.tidy(() => tf.oneHot(labels, 3).toFloat()) : labels;
      const probs = (z: tf.Tensor) => (config.fromLogits === true ? z : tf.softmax(z));
      const value = tf.tidy(() => head.fn(tfOps, probs(logits), target, config));
      expect(value.shape).toEqual([]);
      expect(Number.isFinite(value.dataSync()[0])).toBe(true);
      value.dispose();
      if (def.loss) {
        const err = gradientError(
          (z) => def.loss!.fn(tfOps, probs(z), target, config) as tf.Scalar,
          logits,
          rng,
        );
        expect(err).toBeLessThan(0.05);
      }
      tf.dispose([logits, labels, target]);
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  const split = head?.split;
  if (head && split) {
    it('whole-split metric: per-batch sums add up; finalize(sums) = the metric on one batch', () => {
      const before = tf.memory().numTensors;
      const params = resolveParams(def.params, {}).values;
      const cfg = def.lower!({ nodeId: 'h', params, inputs: {}, outputs: {} });
      const config = (cfg.kind === 'metric' ? cfg.config : {}) as never;
      const probs = tf.tidy(() => tf.softmax(randomInput({ shape: [6, 3] }, createRng(8))));
      const labels = tf.tensor1d([0, 2, 1, 2, 0, 0], 'int32');
      const target = head.target === 'onehot' ? tf.tidy(() => tf.oneHot(labels, 3).toFloat()) : labels;
      const stats = (from: number, size: number) =>
        tf.tidy(() =>
          Array.from(
            split
              .stats(
                tfOps,
                { pred: tf.slice(probs, from, size), target: tf.slice(target, from, size) },
                config,
              )
              .dataSync(),
          ),
        );
      const all = stats(0, 6);
      const parts = [stats(0, 2), stats(2, 4)];
      for (const [i, v] of all.entries()) expect(parts[0]![i]! + parts[1]![i]!).toBeCloseTo(v, 5);
      const batch = tf.tidy(() => head.fn(tfOps, probs, target, config).dataSync()[0]!);
      expect(split.finalize(all, config)).toBeCloseTo(batch, 5);
      tf.dispose([probs, labels, target]);
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});

/** Label statistics of a target tensor [B, L] read as multi-label rows. */
function exampleStats(target: tf.Tensor): DataStats<tf.Tensor> {
  const labels = { kind: 'multiLabel', numLabels: target.shape.at(-1)! } as const;
  return tf.tidy(() => ({ ...labelStats(tfOps, target, labels) })) as unknown as DataStats<tf.Tensor>;
}
