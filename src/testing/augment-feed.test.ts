// Augmentations reach training batches only: with a learning rate of ~0 (weights stay put) a run
// with heavy noise augmentation reports a different training loss than one without, but the same
// validation loss; the augmented batch equals augmentBatch on the same rows, labels untouched.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileIR } from '../compiler/compile.ts';
import { analyse } from '../core/analysis/analyse.ts';
import { generateTypeScript } from '../core/codegen/generate.ts';
import { augmentBatch } from '../core/datasets/augment.ts';
import { loadBinding } from '../core/datasets/binding.ts';
import type { GraphDoc } from '../core/doc/schema.ts';
import { lowerGraph } from '../core/lower.ts';
import { createRng } from '../core/rng.ts';
import { nodeDatasetIO } from '../node/dataset-io.ts';
import { loadRegistry } from '../node/discover-nodes.ts';
import { augmentFeed } from '../trainer/augment-feed.ts';
import { takeRows, toTensors } from '../trainer/feeds.ts';
import { train } from '../trainer/loop.ts';

const registry = await loadRegistry();

beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.env().set('PROD', true);
});

const graph = (augment?: Record<string, unknown>): GraphDoc =>
  ({
    format: 'netwright.graph',
    formatVersion: 2,
    meta: { title: 'aug' },
    nodes: {
      input: { type: 'io.input', v: 1, params: { shape: [64] } },
      dense: { type: 'layers.dense', v: 1, params: { units: 10 } },
      loss: { type: 'losses.sparseCategoricalCrossentropy', v: 1, params: { fromLogits: true } },
    },
    edges: {
      e1: { from: { node: 'input', port: 'y' }, to: { node: 'dense', port: 'x' } },
      e2: { from: { node: 'dense', port: 'y' }, to: { node: 'loss', port: 'pred' } },
    },
    training: {
      dataset: { name: 'digits8', params: {}, ...(augment ? { augment } : {}) },
      optimizer: { type: 'optimizers.sgd', params: { learningRate: 1e-9 } },
      batchSize: 64,
      epochs: 1,
      seed: 1,
    },
    layout: {},
  }) as GraphDoc;

async function run(doc: GraphDoc) {
  const ir = lowerGraph(analyse(doc, registry), registry).ir!;
  const compiled = compileIR(ir, registry, { seed: 3 });
  const data = await loadBinding(ir.training!.dataset, createRng(1), nodeDatasetIO);
  const r = await train(compiled, registry, data, ir.training!, { seed: 1, maxBatchesPerEpoch: 4 });
  compiled.dispose();
  return r.epochs[0]!;
}

describe('augmentation feed', () => {
  it('changes training batches only; evaluation sees the data unchanged', async () => {
    const before = tf.memory().numTensors;
    const plain = await run(graph());
    const noisy = await run(graph({ noise: 3 }));
    expect(Math.abs(noisy.train.loss - plain.train.loss)).toBeGreaterThan(0.1);
    expect(noisy.val!.loss).toBeCloseTo(plain.val!.loss, 5);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('feeds augmentBatch of the batch rows, with labels untouched', async () => {
    const ir = lowerGraph(analyse(graph({ shift: 1, flip: true }), registry), registry).ir!;
    const data = await loadBinding(ir.training!.dataset, createRng(1), nodeDatasetIO);
    expect(
      augmentFeed(lowerGraph(analyse(graph(), registry), registry).ir!.training!.dataset, data, createRng(2)),
    ).toBe(undefined);
    const feed = augmentFeed(ir.training!.dataset, data, createRng(2))!;
    const tensors = toTensors(data, 'train');
    const batchRows = Int32Array.from([5, 0, 9]);
    const idx = tf.tensor1d(batchRows, 'int32');
    const rows = feed(takeRows(tensors, idx), batchRows);
    const raw = new Float32Array(3 * 64);
    for (const [k, r] of batchRows.entries()) raw.set(data.train.x.subarray(r * 64, (r + 1) * 64), k * 64);
    // The feed's stream is rng.fork() of the run's rng: the same fork here gives the same draws.
    const want = augmentBatch(raw, [64], { shift: 1, flip: true }, createRng(2).fork());
    expect(Array.from(rows.x.dataSync())).toEqual(Array.from(want));
    expect(rows.x.shape).toEqual([3, 64]);
    expect(Array.from(rows.y.dataSync())).toEqual(Array.from(batchRows, (r) => data.train.y[r]!));
    tf.dispose([idx, rows.x, rows.y]);
    tensors.dispose();
  });
});

describe('the TypeScript exporter', () => {
  it('prints the binding’s declarations with the training code', () => {
    const doc = graph({ noise: 0.5 });
    doc.training!.dataset = { ...doc.training!.dataset, transforms: [{ type: 'labelNoise', p: 0.2 }] };
    const src = generateTypeScript(lowerGraph(analyse(doc, registry), registry).ir!, registry);
    expect(src).toMatch(/transforms \[\{ type: 'labelNoise', p: 0\.2 \}\]; augment \{ noise: 0\.5 \}/);
    expect(generateTypeScript(lowerGraph(analyse(graph(), registry), registry).ir!, registry)).not.toMatch(
      /binding declares/,
    );
  });
});
