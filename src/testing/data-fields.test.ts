// Datasets with fields and Input Sources: analysis checks an Input against what its Source
// delivers, and the trainer feeds every input from the same rows, so a two-input model stays
// aligned under the shuffled batch order (the closed form: sum(a) − sum(b) fitted exactly).
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileIR } from '../compiler/compile.ts';
import { analyse } from '../core/analysis/analyse.ts';
import { pairedSum } from '../core/datasets/paired-sum.ts';
import type { GraphDoc } from '../core/doc/schema.ts';
import { lowerGraph } from '../core/lower.ts';
import { createRng } from '../core/rng.ts';
import { loadRegistry } from '../node/discover-nodes.ts';
import { evaluate, toTensors, train } from '../trainer/loop.ts';
import { maskedData, maskedGraph, maskedMean } from './masked-ce-fixture.ts';

const registry = await loadRegistry();
const WIDTH = 4;

beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.env().set('PROD', true);
});

/** features a and field b → concat → dense(1, no bias) → MSE against sum(a) − sum(b). */
function twoViews(otherSource = 'field:other', otherShape = [WIDTH]): GraphDoc {
  return {
    format: 'netwright.graph',
    formatVersion: 2,
    meta: { title: 'two views' },
    nodes: {
      a: { type: 'io.input', v: 1, params: { shape: [WIDTH] } },
      b: { type: 'io.input', v: 1, params: { shape: otherShape, source: otherSource } },
      cat: { type: 'layers.concatenate', v: 1, params: {} },
      fit: { type: 'layers.dense', v: 1, params: { units: 1, useBias: false } },
      mse: { type: 'losses.meanSquaredError', v: 1, params: {} },
    },
    edges: {
      e1: { from: { node: 'a', port: 'y' }, to: { node: 'cat', port: 'x1' } },
      e2: { from: { node: 'b', port: 'y' }, to: { node: 'cat', port: 'x2' } },
      e3: { from: { node: 'cat', port: 'y' }, to: { node: 'fit', port: 'x' } },
      e4: { from: { node: 'fit', port: 'y' }, to: { node: 'mse', port: 'pred' } },
    },
    training: {
      dataset: { name: 'pairedSum', params: { samples: 200, width: WIDTH } },
      optimizer: { type: 'optimizers.sgd', params: { learningRate: 1e-6 } },
      batchSize: 16,
      epochs: 3,
      seed: 3,
    },
    layout: {},
  };
}

const codes = (doc: GraphDoc) => analyse(doc, registry).diagnostics.map((d) => [d.code, d.nodeId, d.message]);

describe('Input sources', () => {
  it('an Input reading a field has the field’s shape; unknown fields and wrong shapes are named', () => {
    expect(codes(twoViews())).toEqual([]);
    const unknown = codes(twoViews('field:nope'));
    expect(unknown).toHaveLength(1);
    expect(unknown[0]![0]).toBe('data/unknown-source');
    expect(unknown[0]![1]).toBe('b');
    expect(unknown[0]![2]).toContain("no field 'nope'");
    expect(unknown[0]![2]).toContain('Its fields: other');
    const wrong = codes(twoViews('field:other', [WIDTH + 1]));
    expect(wrong.map((c) => c[0])).toContain('data/input-shape-mismatch');
    expect(wrong.find((c) => c[0] === 'data/input-shape-mismatch')![2]).toContain("field 'other'");
  });

  it('labels as an input: class labels arrive as [1] int32, a float input is refused with the fix', () => {
    const doc = twoViews('labels', [1]);
    doc.training!.dataset = { name: 'pairedSum', params: { width: WIDTH } };
    // pairedSum's labels are values [1] float32: the Input takes them as they are.
    expect(codes(doc)).toEqual([]);
    doc.training!.dataset = { name: 'moons', params: {} };
    doc.nodes.a!.params = { shape: [2] };
    const d = analyse(doc, registry).diagnostics.find((x) => x.code === 'data/input-dtype-mismatch');
    expect(d?.nodeId).toBe('b');
    expect(d?.message).toContain('class labels');
  });
});

describe('a two-input model under shuffled batches', () => {
  it('sees each row’s two views together: the exact weights give zero loss on every batch', async () => {
    const a = analyse(twoViews(), registry);
    const ir = lowerGraph(a, registry).ir!;
    expect(ir.inputs).toEqual(['a', 'b']);
    const compiled = compileIR(ir, registry);
    // sum(a) − sum(b) exactly: +1 on a's features, −1 on b's.
    compiled.layers
      .get('fit')!
      .setWeights([tf.tensor2d([...Array(WIDTH).fill(1), ...Array(WIDTH).fill(-1)], [2 * WIDTH, 1])]);
    const ds = await pairedSum.load({ samples: 200, width: WIDTH, valFraction: 0.2 }, createRng(3), {
      mnistDigit: () => Promise.reject(new Error('unused')),
    });
    const before = tf.memory().numTensors;
    const losses: number[] = [];
    const result = await train(compiled, registry, ds, ir.training!, {
      onBatch: (r) => void losses.push(r.loss),
    });
    expect(result.status).toBe('done');
    expect(losses.length).toBe(3 * Math.ceil(ds.train.count / 16));
    // Misaligned rows would leave E[(sum(b) − sum(b'))²] = 2·WIDTH = 8 per batch.
    expect(Math.max(...losses)).toBeLessThan(1e-9);
    expect(tf.memory().numTensors).toBe(before);
    // Features alone cannot fit it: the loss with b's weights zeroed is ≈ WIDTH (var of sum(b)).
    compiled.layers
      .get('fit')!
      .setWeights([tf.tensor2d([...Array(WIDTH).fill(1), ...Array(WIDTH).fill(0)], [2 * WIDTH, 1])]);
    const val = toTensors(ds, 'val');
    const onlyA = await evaluate(compiled, registry, val);
    val.dispose();
    expect(onlyA.loss).toBeGreaterThan(WIDTH / 2);
    expect(onlyA.loss).toBeLessThan(WIDTH * 2);
    compiled.dispose();
  });
});

describe('an n-ary loss fed by a field', () => {
  it('masked cross-entropy (pred, target, mask ← field) = the brute-force masked mean', async () => {
    const d = maskedData();
    const split = { x: d.x, y: d.y, count: d.n, fields: { mask: d.mask } };
    const data = {
      binding: {
        name: 'masked',
        featureShape: [d.c],
        labels: { kind: 'class' as const, numClasses: d.c },
        fields: { mask: { shape: [1], dtype: 'float32' as const } },
      },
      train: split,
      val: split,
    };
    const a = analyse(maskedGraph(d.c), registry);
    expect(a.diagnostics).toEqual([]);
    const ir = lowerGraph(a, registry).ir!;
    expect(ir.losses[0]!.ports).toEqual(['pred', 'target', 'mask']);
    const compiled = compileIR(ir, registry);
    const val = toTensors(data, 'val');
    const e = await evaluate(compiled, registry, val);
    val.dispose();
    compiled.dispose();
    expect(e.terms.ce).toBeCloseTo(maskedMean(d), 5);
  });
});
