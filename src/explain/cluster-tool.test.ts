// The `cluster` analysis tool: no leaked tensors, the class subset and k handling, zeros for
// training-only inputs the target does not read (and a clear error when it does), bad params as
// analyse/... messages, and `netwright analyse --tool cluster` end to end on a small graph.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileIR } from '../compiler/compile.ts';
import { analyse } from '../core/analysis/analyse.ts';
import { kMeans } from '../core/cluster/kmeans.ts';
import { clusteringAccuracy, standardize } from '../core/cluster/metrics.ts';
import { loadBinding } from '../core/datasets/binding.ts';
import type { GraphDoc } from '../core/doc/schema.ts';
import { lowerGraph } from '../core/lower.ts';
import { resolveParams } from '../core/params.ts';
import { createRng } from '../core/rng.ts';
import { nodeDatasetIO } from '../node/dataset-io.ts';
import { loadRegistry } from '../node/discover-nodes.ts';
import { runCliCaptured as cli } from '../testing/harness.ts';
import { clusterTool, parseClassList } from './cluster-tool.ts';
import { analysisContext } from './context.ts';

const registry = await loadRegistry();

beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.env().set('PROD', true);
});

/** iris → dense(8) = h → dense(3) → masked CE reading a training-only labels input. */
function doc(): GraphDoc {
  return {
    format: 'netwright.graph',
    formatVersion: 2,
    meta: { title: 'cluster tool' },
    nodes: {
      input: { type: 'io.input', v: 1, params: { shape: [4] } },
      labels: {
        type: 'io.input',
        v: 1,
        params: { shape: [1], dtype: 'int32', source: 'labels', trainingOnly: true },
      },
      h: { type: 'layers.dense', v: 1, params: { units: 8, activation: 'tanh' } },
      out: { type: 'layers.dense', v: 1, params: { units: 3 } },
      output: { type: 'io.output', v: 1, params: {} },
      ce: { type: 'losses.sparseCategoricalCrossentropy', v: 1, params: { fromLogits: true } },
    } as GraphDoc['nodes'],
    edges: {
      a: { from: { node: 'input', port: 'y' }, to: { node: 'h', port: 'x' } },
      b: { from: { node: 'h', port: 'y' }, to: { node: 'out', port: 'x' } },
      c: { from: { node: 'out', port: 'y' }, to: { node: 'output', port: 'x' } },
      d: { from: { node: 'out', port: 'y' }, to: { node: 'ce', port: 'pred' } },
      e: { from: { node: 'labels', port: 'y' }, to: { node: 'ce', port: 'target' } },
    },
    training: {
      dataset: { name: 'iris', params: {} },
      optimizer: { type: 'optimizers.adam', params: { learningRate: 0.05 } },
      batchSize: 32,
      epochs: 2,
      seed: 1,
    },
    analyses: [{ tool: 'cluster', node: 'h', params: { k: 3, classes: '0,1,2' } }],
    layout: {},
  } as GraphDoc;
}

async function setup() {
  const d = doc();
  const a = analyse(d, registry);
  expect(a.diagnostics.filter((x) => x.severity === 'error')).toEqual([]);
  const ir = lowerGraph(a, registry).ir!;
  const compiled = compileIR(ir, registry, { seed: 1 });
  const data = await loadBinding(ir.training!.dataset, createRng(1), nodeDatasetIO);
  return { compiled, data };
}

type ClusterParams = Parameters<typeof clusterTool.run>[2];
const params = (over: Record<string, unknown>) =>
  resolveParams(clusterTool.params, over).values as ClusterParams;

describe('cluster tool', () => {
  it('clusters the chosen classes, scores them, and leaks no tensors', async () => {
    const { compiled, data } = await setup();
    const ctx = analysisContext(compiled, data, { classes: 'true' });
    const before = tf.memory().numTensors;
    const r = await clusterTool.run(ctx, 'h', params({ k: 2, classes: '1,2', seed: 3 }));
    expect(tf.memory().numTensors).toBe(before);
    const y = Array.from(data.val.y);
    const idx = y.flatMap((c, i) => (c === 1 || c === 2 ? [i] : []));
    expect(r.figures.rows).toBe(idx.length);
    expect(r.figures.k).toBe(2);
    for (const f of ['accuracy', 'NMI', 'ARI', 'input accuracy']) {
      expect(r.figures[f]).toBeGreaterThanOrEqual(f === 'ARI' ? -1 : 0);
      expect(r.figures[f]).toBeLessThanOrEqual(1);
    }
    // The input baseline: k-means++ (seed + 1, 10 restarts) on the standardised rows of classes 1, 2.
    const x = { data: new Float64Array(idx.length * 4), rows: idx.length, cols: 4 };
    idx.forEach((r, i) => {
      for (let t = 0; t < 4; t++) x.data[i * 4 + t] = data.val.x[r * 4 + t]!;
    });
    const km = kMeans(standardize(x), 2, { rng: createRng(4), nInit: 10 });
    expect(r.figures['input accuracy']).toBe(
      clusteringAccuracy(
        idx.map((i) => y[i]!),
        km.labels,
      ).accuracy,
    );
    // the contingency table: one row per cluster, its class counts sum to the rows
    const table = r.views.find((v) => v.kind === 'table' && v.columns[0] === 'cluster');
    expect(table?.kind === 'table' && table.rows.reduce((s, row) => s + (row[1] as number), 0)).toBe(
      idx.length,
    );
    ctx.dispose();
    compiled.dispose();
  });

  it('estimates k by silhouette when k = 0 and shows the curve', async () => {
    const { compiled, data } = await setup();
    const ctx = analysisContext(compiled, data, { classes: 'true' });
    const r = await clusterTool.run(ctx, 'h', params({ k: 0, kMin: 2, kMax: 5, baseline: false }));
    expect([2, 3, 4, 5]).toContain(r.figures['estimated k']);
    expect(r.figures.k).toBe(r.figures['estimated k']);
    const curve = r.views.find((v) => v.kind === 'curve');
    expect(curve?.kind === 'curve' && curve.x).toEqual([2, 3, 4, 5]);
    ctx.dispose();
    compiled.dispose();
  });

  it('reports bad params, missing labels and unfed inputs as analyse/... messages', async () => {
    const { compiled, data } = await setup();
    const ctx = analysisContext(compiled, data, { classes: 'true' });
    await expect(clusterTool.run(ctx, 'h', params({ classes: '1,x' }))).rejects.toThrow(
      /analyse\/params: cluster param 'classes'/,
    );
    await expect(clusterTool.run(ctx, 'h', params({ kMin: 6, kMax: 3 }))).rejects.toThrow(
      /kMax \(3\) is below/,
    );
    await expect(clusterTool.run(ctx, 'h', params({ classes: '7' }))).rejects.toThrow(
      /analyse\/rows: only 0 rows/,
    );
    const { classes: _, ...noLabels } = ctx;
    await expect(clusterTool.run(noLabels, 'h', params({}))).rejects.toThrow(/analyse\/labels/);
    expect(parseClassList(' 5, 6 ')).toEqual([5, 6]);
    expect(parseClassList('')).toBeUndefined();
    const before = tf.memory().numTensors;
    await expect(clusterTool.run({ ...ctx, feeds: {} }, 'h', params({}))).rejects.toThrow(
      /analyse\/input: node 'h' reads input 'input'/,
    );
    expect(tf.memory().numTensors).toBe(before);
    ctx.dispose();
    compiled.dispose();
  });

  it('runs from `netwright analyse --tool cluster` with the graph’s analyses entry', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nw-cluster-'));
    const path = join(dir, 'g.graph.json');
    writeFileSync(path, JSON.stringify(doc()));
    const r = await cli('analyse', path, '--tool', 'cluster', '--epochs', '1', '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const line = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(line.tool).toBe('cluster');
    expect(line.node).toBe('h');
    expect(line.figures.k).toBe(3);
    expect(line.figures.rows).toBe(30);
  });
});
