// The training loop: staged variable groups, weighted loss terms, the non-finite guard that names
// the node, AdamW's decoupled decay (closed form), and no leaked tensors.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileIR } from '../compiler/compile.ts';
import { analyse } from '../core/analysis/analyse.ts';
import type { LoadedDataset } from '../core/datasets/dataset-def.ts';
import type { GraphDoc } from '../core/doc/schema.ts';
import { lowerGraph } from '../core/lower.ts';
import { createRng } from '../core/rng.ts';
import { loadRegistry } from '../node/discover-nodes.ts';
import { evaluate, toTensors, train } from '../trainer/loop.ts';
import { makeOptimizer } from '../trainer/optimizers.ts';

const registry = await loadRegistry();

beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.env().set('PROD', true);
});

/** Iris-shaped toy data: 4 features, 3 classes, separable by the sign pattern of two features. */
function toyData(n = 48): LoadedDataset {
  const rng = createRng(5);
  const x = new Float32Array(n * 4);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < 4; j++) x[i * 4 + j] = rng.normal();
    y[i] = (x[i * 4]! > 0 ? 1 : 0) + (x[i * 4 + 1]! > 0 ? 1 : 0);
  }
  const split = { x, y, count: n };
  return {
    binding: { name: 'iris', featureShape: [4], labels: { kind: 'class', numClasses: 3 } },
    train: split,
    val: split,
  };
}

function mlp(
  extra: Partial<GraphDoc> = {},
  optimizer = { type: 'optimizers.sgd', params: { learningRate: 0.1 } },
): GraphDoc {
  return {
    format: 'netwright.graph',
    formatVersion: 2,
    meta: { title: 'toy' },
    nodes: {
      input: { type: 'io.input', v: 1, params: { shape: [4] } },
      hidden: { type: 'layers.dense', v: 1, params: { units: 8, activation: 'tanh' }, group: 'body' },
      logits: { type: 'layers.dense', v: 1, params: { units: 3 }, group: 'head' },
      ce: { type: 'losses.sparseCategoricalCrossentropy', v: 1, params: { fromLogits: true } },
      acc: { type: 'metrics.accuracy', v: 1, params: {} },
    },
    edges: {
      e1: { from: { node: 'input', port: 'y' }, to: { node: 'hidden', port: 'x' } },
      e2: { from: { node: 'hidden', port: 'y' }, to: { node: 'logits', port: 'x' } },
      e3: { from: { node: 'logits', port: 'y' }, to: { node: 'ce', port: 'pred' } },
      e4: { from: { node: 'logits', port: 'y' }, to: { node: 'acc', port: 'pred' } },
    },
    training: { dataset: { name: 'iris', params: {} }, optimizer, batchSize: 16, epochs: 1, seed: 1 },
    layout: {},
    ...extra,
  };
}

function build(doc: GraphDoc) {
  const a = analyse(doc, registry);
  expect(a.diagnostics).toEqual([]);
  const ir = lowerGraph(a, registry).ir!;
  return { ir, compiled: compileIR(ir, registry) };
}

const snapshot = (vars: tf.Variable[]): ArrayLike<number>[] => vars.map((v) => Array.from(v.dataSync()));
const changed = (before: ArrayLike<number>[], vars: tf.Variable[]) =>
  vars.some((v, i) => v.dataSync().some((x, j) => x !== before[i]![j]));

describe('trainer', () => {
  it('trains only the groups of each stage', async () => {
    const doc = mlp();
    doc.training!.phases = [
      { name: 'head only', kind: 'gradient', epochs: 1, groups: ['head'] },
      { name: 'body only', kind: 'gradient', epochs: 1, groups: ['body'] },
    ];
    const { ir, compiled } = build(doc);
    const body = compiled.variables(['body']);
    const head = compiled.variables(['head']);
    expect(body).toHaveLength(2);
    expect(head).toHaveLength(2);
    const b0 = snapshot(body);
    const h0 = snapshot(head);
    const stages: string[] = [];
    await train(compiled, registry, toyData(), ir.training!, {
      onEpoch: (r) => {
        stages.push(r.stage);
        if (r.stage === 'head only') {
          expect(changed(b0, body)).toBe(false);
          expect(changed(h0, head)).toBe(true);
        }
      },
    });
    expect(stages).toEqual(['head only', 'body only']);
    expect(changed(b0, body)).toBe(true);
    compiled.dispose();
  });

  it('the loss is the weighted sum of its loss nodes', async () => {
    const doc = mlp();
    doc.nodes.mse = { type: 'losses.meanSquaredError', v: 1, params: { weight: 0.25 } };
    doc.nodes.soft = { type: 'activations.softmax', v: 1, params: {} };
    doc.nodes.ce!.params = { fromLogits: true, weight: 2 };
    doc.edges.e5 = { from: { node: 'logits', port: 'y' }, to: { node: 'soft', port: 'x' } };
    doc.edges.e6 = { from: { node: 'soft', port: 'y' }, to: { node: 'mse', port: 'pred' } };
    const { compiled } = build(doc);
    const data = toTensors(toyData(), 'train');
    const ev = await evaluate(compiled, registry, data);
    expect(ev.loss).toBeCloseTo(2 * ev.terms.ce! + 0.25 * ev.terms.mse!, 5);
    expect(ev.metrics.acc).toBeGreaterThanOrEqual(0);
    data.dispose();
    compiled.dispose();
  });

  it('stops on a non-finite loss and names the first node whose output went non-finite', async () => {
    const { ir, compiled } = build(mlp());
    const kernel = compiled.layers.get('logits')!.trainableWeights[0]!;
    kernel.write(tf.fill(kernel.shape as number[], Number.NaN));
    const before = tf.memory().numTensors;
    const r = await train(compiled, registry, toyData(), ir.training!);
    expect(r.status).toBe('non-finite');
    expect(r.nonFinite?.nodeId).toBe('logits');
    expect(r.nonFinite?.message).toMatch(/lower learning rate/);
    expect(tf.memory().numTensors).toBe(before);
    compiled.dispose();
  });

  it('a divergent run (learning rate 1e4) stops and names a node', async () => {
    const doc = mlp({}, { type: 'optimizers.sgd', params: { learningRate: 10000 } });
    doc.nodes.hidden!.params = { units: 8, activation: 'relu' };
    const { ir, compiled } = build(doc);
    const r = await train(compiled, registry, toyData(), ir.training!, { epochs: 50 });
    expect(['non-finite', 'diverged']).toContain(r.status);
    expect(['hidden', 'logits', 'ce']).toContain(r.nonFinite?.nodeId);
    compiled.dispose();
  });

  it('leaks no tensors across a whole run and stops on request', async () => {
    const { ir, compiled } = build(mlp());
    const before = tf.memory().numTensors;
    let batches = 0;
    const r = await train(compiled, registry, toyData(), ir.training!, {
      epochs: 5,
      onBatch: () => {
        batches++;
      },
      shouldStop: () => batches >= 4,
    });
    expect(r.status).toBe('stopped');
    expect(batches).toBe(4);
    expect(tf.memory().numTensors).toBe(before);
    compiled.dispose();
  });
});

describe('optimizers', () => {
  it('AdamW decays weights by (1 − lr·λ) per step when the gradient is zero (closed form)', () => {
    const stepper = makeOptimizer(
      { type: 'optimizers.adamw', config: { learningRate: 0.1, weightDecay: 0.5 } },
      registry,
    );
    const v = tf.variable(tf.tensor1d([2, -4]));
    for (let i = 0; i < 3; i++) stepper.step(() => tf.mul(tf.sum(v), 0) as tf.Scalar, [v]).dispose();
    const k = (1 - 0.1 * 0.5) ** 3;
    const got = v.dataSync();
    expect(got[0]).toBeCloseTo(2 * k, 5);
    expect(got[1]).toBeCloseTo(-4 * k, 5);
    stepper.dispose();
    v.dispose();
  });

  it('SGD with momentum follows v ← μv − lr·g, w ← w + v on f(w) = w²/2 (closed form)', () => {
    const stepper = makeOptimizer(
      { type: 'optimizers.sgd', config: { learningRate: 0.1, momentum: 0.9, nesterov: false } },
      registry,
    );
    const w = tf.variable(tf.scalar(1));
    let wRef = 1;
    let vRef = 0;
    for (let i = 0; i < 4; i++) {
      stepper.step(() => tf.mul(tf.square(w), 0.5) as tf.Scalar, [w]).dispose();
      vRef = 0.9 * vRef - 0.1 * wRef;
      wRef += vRef;
    }
    expect(w.dataSync()[0]).toBeCloseTo(wRef, 5);
    stepper.dispose();
    w.dispose();
  });
});

describe('evaluateClassifier', () => {
  it('confusion matrix counts every validation sample; accuracy = trace / total = the accuracy metric', async () => {
    const { evaluateClassifier } = await import('../trainer/evaluation.ts');
    const { ir, compiled } = build(mlp());
    const data = toyData(60);
    await train(compiled, registry, data, ir.training!, { epochs: 3 });
    const ev = (await evaluateClassifier(compiled, data, { samples: 5 }))!;
    const total = ev.confusion.flat().reduce((a, b) => a + b, 0);
    expect(total).toBe(data.val.count);
    const trace = ev.confusion.reduce((s, row, i) => s + row[i]!, 0);
    expect(ev.accuracy).toBeCloseTo(trace / total, 10);
    const tensors = toTensors(data, 'val');
    expect(ev.accuracy).toBeCloseTo((await evaluate(compiled, registry, tensors)).metrics.acc!, 5);
    tensors.dispose();
    expect(ev.samples).toHaveLength(5);
    expect(ev.samples[0]!.features).toHaveLength(4);
    for (const s of ev.samples) expect(s.confidence).toBeGreaterThanOrEqual(1 / 3 - 1e-6);
    compiled.dispose();
  });
});
