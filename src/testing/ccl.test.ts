// Counter-Current Learning (Kao & Hariharan 2024): the alignment loss and its gradient against the
// closed forms by hand, the identity rows, and locality on the shipped template — a step of a
// downstream alignment loss leaves every upstream weight bit-identical (no gradient crosses a
// stop-gradient), the optimizer groups train their own network only, and the BP arm is the same
// forward net with Keras's parameter count.
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileIR } from '../compiler/compile.ts';
import { tfOps } from '../compiler/tf-ops.ts';
import { analyse } from '../core/analysis/analyse.ts';
import type { LoadedDataset } from '../core/datasets/dataset-def.ts';
import type { GraphDoc } from '../core/doc/schema.ts';
import { lowerGraph } from '../core/lower.ts';
import { createRng } from '../core/rng.ts';
import { loadRegistry } from '../node/discover-nodes.ts';
import { backpropVariant } from '../trainer/experiments/ccl-counter-current-mnist.ts';
import { feedsFor, toTensors } from '../trainer/feeds.ts';
import { runHeads } from '../trainer/heads.ts';
import { train } from '../trainer/loop.ts';

const registry = await loadRegistry();
const TEMPLATE = readFileSync(
  new URL('../../templates/ccl-counter-current-mnist.graph.json', import.meta.url),
  'utf8',
);

beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.env().set('PROD', true);
});

const compile = (doc: GraphDoc) => {
  const a = analyse(doc, registry);
  const { ir, diagnostics } = lowerGraph(a, registry);
  if (!ir) throw new Error(diagnostics.map((d) => d.message).join('; '));
  return compileIR(ir, registry, { seed: 3 });
};

/** A small seeded MNIST-shaped classification set (values in [0, 1], 10 classes). */
function syntheticDigits(count: number): LoadedDataset {
  const rng = createRng(11);
  const x = Float32Array.from({ length: count * 784 }, () => rng.next());
  const y = Int32Array.from({ length: count }, (_, i) => i % 10);
  return {
    binding: { name: 'synthetic', featureShape: [784], labels: { kind: 'class', numClasses: 10 } },
    train: { x, y, count },
    val: { x: new Float32Array(0), y: new Int32Array(0), count: 0 },
  };
}

describe('losses.cclAlign', () => {
  const head = registry.get('losses.cclAlign')!.loss!;
  const rng = createRng(5);
  const [B, n, d] = [4, 3, 5];
  const A = Array.from({ length: B }, () => Array.from({ length: d }, () => rng.normal()));
  const S = Array.from({ length: n }, () => Array.from({ length: d }, () => rng.normal()));
  const y = [2, 0, 1, 2];
  const scale = 0.5;
  /** (C − Y) by hand: C = A·Sᵀ, Y one-hot. */
  const residual = A.map((a, b) =>
    S.map((s, k) => a.reduce((acc, v, j) => acc + v * s[j]!, 0) - (y[b] === k ? 1 : 0)),
  );
  const factor = (scale * 256) / d;

  it('L = mean((A·Sᵀ − Y)²) / d · scale · 256, by hand', () => {
    const byHand = (residual.flat().reduce((acc, r) => acc + r * r, 0) / (B * n)) * factor;
    const got = tf.tidy(
      () =>
        head.call!(
          tfOps,
          { activations: tf.tensor2d(A), signals: tf.tensor2d(S), target: tf.tensor1d(y, 'int32') },
          { scale, weight: 1 },
        ).dataSync()[0]!,
    );
    expect(got).toBeCloseTo(byHand, 4);
  });

  it('∂L/∂A = 2·(C − Y)·S / (B·n) · 256·scale/d and ∂L/∂S = 2·(C − Y)ᵀ·A / (B·n) · 256·scale/d', () => {
    const [gA, gS] = tf.tidy(() => {
      const f = (a: tf.Tensor, s: tf.Tensor) =>
        head.call!(
          tfOps,
          { activations: a, signals: s, target: tf.tensor1d(y, 'int32') },
          { scale, weight: 1 },
        );
      return tf
        .grads(f)([tf.tensor2d(A), tf.tensor2d(S)])
        .map((g) => g.arraySync() as number[][]);
    });
    const c = (2 / (B * n)) * factor;
    for (let b = 0; b < B; b++)
      for (let j = 0; j < d; j++)
        expect(gA![b]![j]!).toBeCloseTo(c * residual[b]!.reduce((acc, r, k) => acc + r * S[k]![j]!, 0), 4);
    for (let k = 0; k < n; k++)
      for (let j = 0; j < d; j++)
        expect(gS![k]![j]!).toBeCloseTo(c * residual.reduce((acc, r, b) => acc + r[k]! * A[b]![j]!, 0), 4);
  });
});

describe('primitives.eye', () => {
  it('gives the n×n identity whatever the batch of x, and no gradient to x', () => {
    const kernel = registry.get('primitives.eye')!.kernel!;
    const x = tf.randomNormal([7, 3]);
    const y = kernel.call(tfOps, [x], {}, { n: 4 }, { training: false } as never) as tf.Tensor;
    expect(y.shape).toEqual([4, 4]);
    const rows = y.arraySync() as number[][];
    for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) expect(rows[i]![j]).toBe(i === j ? 1 : 0);
    const g = tf.grad((v: tf.Tensor) =>
      tf.sum(kernel.call(tfOps, [v], {}, { n: 4 }, {} as never) as tf.Tensor),
    )(x);
    expect(Array.from(g.dataSync()).every((v) => v === 0)).toBe(true);
    tf.dispose([x, y, g]);
  });
});

describe('the CCL template: locality', () => {
  const doc = JSON.parse(TEMPLATE) as GraphDoc;

  it('∂L_align(a₂, c₂) is zero for W_F¹ and W_B^out (back3) and non-zero only for fwd2 and back2', () => {
    const compiled = compile(doc);
    const data = syntheticDigits(16);
    const t = toTensors(data, 'train');
    const kernels = new Map(
      ['fwd1', 'fwd2', 'fwd3', 'logits', 'back3', 'back2', 'back1', 'back0'].map((id) => [
        id,
        compiled.layers.get(id)!.trainableWeights[0]!.read() as tf.Variable,
      ]),
    );
    const { grads } = tf.variableGrads(() => {
      const outs = compiled.run(feedsFor(compiled.ir, t), { training: true });
      return runHeads(compiled.ir, registry, outs, t.y, 10, undefined, { active: new Set(['align2']) })
        .total as tf.Scalar;
    }, [...kernels.values()]);
    // No gradient path at all (tfjs gives none) counts as zero, like a path that stopGradient zeroes.
    const maxAbs = (id: string) => {
      const g = grads[kernels.get(id)!.name];
      return g ? tf.tidy(() => tf.max(tf.abs(g)).dataSync()[0]!) : 0;
    };
    // W_F¹ and W_B^out do reach align2, through a stop-gradient: their gradient exists and is zero.
    for (const id of ['fwd1', 'back3']) expect(grads[kernels.get(id)!.name], id).toBeDefined();
    for (const id of ['fwd1', 'fwd3', 'logits', 'back3', 'back1', 'back0']) expect(maxAbs(id), id).toBe(0);
    for (const id of ['fwd2', 'back2']) expect(maxAbs(id), id).toBeGreaterThan(0);
    tf.dispose(Object.values(grads));
    t.dispose();
    compiled.dispose();
  });

  it('a training step of the downstream loss (align2) leaves every upstream weight bit-identical, without leaks', async () => {
    const local = structuredClone(doc);
    local.training!.phases![0]!.heads = ['align2'];
    const compiled = compile(local);
    const ids = ['fwd1', 'fwd2', 'fwd3', 'logits', 'back3', 'back2', 'back1', 'back0'];
    const before = new Map(
      ids.map((id) => [id, compiled.layers.get(id)!.getWeights()[0]!.dataSync().slice()]),
    );
    const tensors = tf.memory().numTensors;
    const r = await train(compiled, registry, syntheticDigits(32), compiled.ir.training!, {
      epochs: 1,
      maxBatchesPerEpoch: 1,
      validate: false,
    });
    expect(r.status).toBe('done');
    expect(tf.memory().numTensors).toBe(tensors);
    const changed = (id: string) => {
      const now = compiled.layers.get(id)!.getWeights()[0]!.dataSync();
      return now.some((v, i) => v !== before.get(id)![i]);
    };
    for (const id of ['fwd1', 'fwd3', 'logits', 'back3', 'back1', 'back0'])
      expect(changed(id), id).toBe(false);
    for (const id of ['fwd2', 'back2']) expect(changed(id), id).toBe(true);
    compiled.dispose();
  });

  it('each optimizer group steps by its own clipped gradient: ‖Δθ_group‖ = min(‖∇_group L‖, 1) at lr 1', async () => {
    const compiled = compile(doc);
    const data = syntheticDigits(32);
    const groups = ['forward', 'feedback'] as const;
    const vars = Object.fromEntries(groups.map((g) => [g, compiled.variables([g])]));
    // The raw gradient of the whole loss on the one batch (all 32 rows: the step's mean is order-free).
    const t = toTensors(data, 'train');
    const { grads } = tf.variableGrads(() => {
      const outs = compiled.run(feedsFor(compiled.ir, t), { training: true });
      return runHeads(compiled.ir, registry, outs, t.y, 10).total as tf.Scalar;
    }, [...vars.forward!, ...vars.feedback!]);
    const norm = (vs: tf.Variable[], value: (v: tf.Variable, i: number) => Float32Array) =>
      Math.sqrt(vs.reduce((acc, v, i) => acc + value(v, i).reduce((s, x) => s + x * x, 0), 0));
    const raw = Object.fromEntries(
      groups.map((g) => [g, norm(vars[g]!, (v) => grads[v.name]!.dataSync() as Float32Array)]),
    );
    tf.dispose(Object.values(grads));
    t.dispose();
    const before = Object.fromEntries(
      groups.map((g) => [g, vars[g]!.map((v) => (v.dataSync() as Float32Array).slice())]),
    );
    await train(compiled, registry, data, compiled.ir.training!, {
      epochs: 1,
      maxBatchesPerEpoch: 1,
      validate: false,
    });
    for (const g of groups) {
      const step = norm(vars[g]!, (v, i) =>
        (v.dataSync() as Float32Array).map((x, j) => x - before[g]![i]![j]!),
      );
      expect(step, g).toBeCloseTo(Math.min(raw[g]!, 1), 3);
    }
    // The synthetic batch's gradients exceed the clip norm, so the clipping is what is measured.
    expect(Math.min(raw.forward!, raw.feedback!)).toBeGreaterThan(1);
    compiled.dispose();
  });
});

describe('the BP arm', () => {
  it('is the forward net alone: no stop-gradient, no feedback, 784·256 + 2·256·256 + 256·10 params', () => {
    const bp = backpropVariant(TEMPLATE);
    const types = Object.values(bp.nodes).map((n) => n.type);
    expect(types).not.toContain('primitives.stopGradient');
    expect(types).not.toContain('losses.cclAlign');
    expect(Object.values(bp.nodes).some((n) => n.group === 'feedback')).toBe(false);
    const a = analyse(bp, registry);
    expect(a.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(a.totalParams).toBe(784 * 256 + 2 * 256 * 256 + 256 * 10);
    expect(bp.training!.phases![0]!.optimizers).toEqual([
      {
        id: 'forward',
        groups: ['forward'],
        type: 'optimizers.sgd',
        params: { learningRate: 0.1 },
        clipNorm: 1,
      },
    ]);
  });
});
