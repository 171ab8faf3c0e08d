// Trained models on disk (Node, no tfjs-node): train a few steps, save model.json + weights.bin,
// reload, and the predictions are bit-identical — also with kernel nodes (Subtract, ELU with
// α = 0.5), whose layer classes the loader must register. And `netwright train --save`.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileIR } from '../compiler/compile.ts';
import { analyse } from '../core/analysis/analyse.ts';
import { findDataset } from '../core/datasets/index.ts';
import type { GraphDoc } from '../core/doc/schema.ts';
import { lowerGraph } from '../core/lower.ts';
import { resolveParams } from '../core/params.ts';
import { createRng } from '../core/rng.ts';
import { nodeDatasetIO } from '../node/dataset-io.ts';
import { loadRegistry } from '../node/discover-nodes.ts';
import { loadModel, MODEL_FILE, saveModel, WEIGHTS_FILE } from '../node/model-io.ts';
import { train } from '../trainer/loop.ts';
import { runCliCaptured } from './harness.ts';

const registry = await loadRegistry();
const dir = mkdtempSync(join(tmpdir(), 'netwright-model-io-'));

beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.env().set('PROD', true);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Nodes = GraphDoc['nodes'];
type Edges = GraphDoc['edges'];
const edge = (from: string, to: string, port = 'x'): Edges[string] => ({
  from: { node: from, port: 'y' },
  to: { node: to, port },
});

function graph(nodes: Nodes, edges: Edges): GraphDoc {
  return {
    format: 'netwright.graph',
    formatVersion: 2,
    meta: { title: 'model io' },
    nodes: {
      input: { type: 'io.input', v: 1, params: { shape: [4] } },
      ...nodes,
      ce: { type: 'losses.sparseCategoricalCrossentropy', v: 1, params: { fromLogits: true } },
    },
    edges: { ...edges, eLoss: edge('logits', 'ce', 'pred') },
    training: {
      dataset: { name: 'iris', params: {} },
      optimizer: { type: 'optimizers.adam', params: { learningRate: 0.05 } },
      batchSize: 16,
      epochs: 1,
      seed: 3,
    },
    layout: {},
  };
}

/** Dense → BatchNormalization → Dropout → Dense: moving statistics and a training-only layer. */
const mlpWithBn = graph(
  {
    hidden: { type: 'layers.dense', v: 1, params: { units: 8, activation: 'relu' } },
    bn: { type: 'layers.batchNormalization', v: 1, params: {} },
    drop: { type: 'layers.dropout', v: 1, params: { rate: 0.3 } },
    logits: { type: 'layers.dense', v: 1, params: { units: 3 } },
  },
  {
    e1: edge('input', 'hidden'),
    e2: edge('hidden', 'bn'),
    e3: edge('bn', 'drop'),
    e4: edge('drop', 'logits'),
  },
);

/** Two branches → layers.subtract (kernel) → activations.elu α 0.5 (kernel) → Dense. */
const withKernels = graph(
  {
    a: { type: 'layers.dense', v: 1, params: { units: 6 } },
    b: { type: 'layers.dense', v: 1, params: { units: 6, activation: 'tanh' } },
    diff: { type: 'layers.subtract', v: 1, params: {} },
    act: { type: 'activations.elu', v: 1, params: { alpha: 0.5 } },
    logits: { type: 'layers.dense', v: 1, params: { units: 3 } },
  },
  {
    e1: edge('input', 'a'),
    e2: edge('input', 'b'),
    e3: edge('a', 'diff', 'x1'),
    e4: edge('b', 'diff', 'x2'),
    e5: edge('diff', 'act'),
    e6: edge('act', 'logits'),
  },
);

async function trainThreeSteps(doc: GraphDoc) {
  const a = analyse(doc, registry);
  expect(a.diagnostics).toEqual([]);
  const ir = lowerGraph(a, registry).ir!;
  const compiled = compileIR(ir, registry);
  const ds = findDataset('iris')!;
  const data = await ds.load(resolveParams(ds.params, {}).values, createRng(3), nodeDatasetIO);
  let steps = 0;
  await train(compiled, registry, data, ir.training!, {
    epochs: 1,
    maxBatchesPerEpoch: 3,
    validate: false,
    onBatch: () => {
      steps++;
    },
  });
  expect(steps).toBe(3);
  const x = tf.tensor(data.val.x, [data.val.count, 4], 'float32');
  return { compiled, ir, x };
}

const maxAbsDiff = (a: tf.Tensor, b: tf.Tensor): number =>
  tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);

describe('saveModel / loadModel', () => {
  it.each([
    ['an MLP with BatchNormalization and Dropout', mlpWithBn, 'mlp'],
    ['a graph with kernel nodes (Subtract, ELU α = 0.5)', withKernels, 'kernels'],
  ])('%s: trained, saved, reloaded → identical predictions', async (_name, doc, sub) => {
    const { compiled, ir, x } = await trainThreeSteps(doc);
    const out = join(dir, sub);
    const info = await saveModel(compiled.model, out);
    expect(info.modelPath).toBe(join(out, MODEL_FILE));
    expect(statSync(join(out, WEIGHTS_FILE)).size).toBe(info.weightBytes);
    // float32: 4 bytes per parameter (BN's moving statistics included).
    expect(info.weightBytes).toBe(4 * compiled.countParams());
    const json = JSON.parse(readFileSync(info.modelPath, 'utf8'));
    expect(json.format).toBe('layers-model');
    expect(json.weightsManifest[0].paths).toEqual([WEIGHTS_FILE]);
    if (sub === 'kernels') {
      const classes = JSON.stringify(json.modelTopology);
      expect(classes).toMatch(/Netwright/); // the kernel layers are in the topology by their class
    }

    const before = compiled.model.predict(x) as tf.Tensor;
    const reloaded = await loadModel(out, registry);
    const after = reloaded.predict(x) as tf.Tensor;
    expect(after.shape).toEqual([x.shape[0], 3]);
    expect(maxAbsDiff(before, after)).toBe(0);

    // It saved the trained weights: an untrained model with the same seed predicts differently.
    const fresh = compileIR(ir, registry);
    const untrained = fresh.model.predict(x) as tf.Tensor;
    expect(maxAbsDiff(before, untrained)).toBeGreaterThan(0);

    tf.dispose([x, before, after, untrained]);
    reloaded.dispose();
    fresh.dispose();
    compiled.dispose();
  });

  it('loadModel without a registry loads it from nodes/ (kernel layers still deserialize)', async () => {
    const reloaded = await loadModel(join(dir, 'kernels'));
    expect(reloaded.layers.map((l) => l.name)).toContain('act');
    reloaded.dispose();
  });

  it('says what is wrong with a folder that holds no model', async () => {
    await expect(loadModel(join(dir, 'nothing-here'))).rejects.toThrow(/no model\.json/);
    const broken = join(dir, 'broken');
    await saveModel(tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [2] })] }), broken);
    writeFileSync(join(broken, MODEL_FILE), '{"modelTopology": ');
    await expect(loadModel(broken)).rejects.toThrow(/not valid JSON/);
  });
});

describe('netwright train --save', () => {
  it('writes model.json + weights.bin that reload to the trained model', async () => {
    const graphPath = join(dir, 'kernels.graph.json');
    writeFileSync(graphPath, JSON.stringify(withKernels));
    const out = join(dir, 'cli-save');
    const r = await runCliCaptured(
      'train',
      graphPath,
      ...['--epochs', '1', '--max-batches', '3', '--save', out, '--json'],
    );
    expect(r.code, r.stderr).toBe(0);
    const final = JSON.parse(r.stdout.split('\n').at(-1)!).final;
    expect(final.saved).toBe(join(out, MODEL_FILE));
    expect(existsSync(join(out, WEIGHTS_FILE))).toBe(true);
    const reloaded = await loadModel(out, registry);
    expect(reloaded.countParams()).toBe(2 * (4 * 6 + 6) + (6 * 3 + 3));
    reloaded.dispose();
  });

  it('--save without a folder is a usage error (exit 2)', async () => {
    expect((await runCliCaptured('train', 'mlp-mnist', '--save')).code).toBe(2);
  });
});
