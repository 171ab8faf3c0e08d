// fit.studentTClustering (DEC/DCEAC clustering layer): q against the Student-t closed form in
// Float64; a fit phase writes exactly the centroids the pure-TS k-means++ finds on the same rows
// with the same seeded stream; the fit through train() on a fit-only graph lands on a Lloyd fixed
// point (every centroid = the mean of its rows) and leaks no tensors.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileIR } from '../compiler/compile.ts';
import { analyse } from '../core/analysis/analyse.ts';
import { kMeans } from '../core/cluster/kmeans.ts';
import { loadBinding } from '../core/datasets/binding.ts';
import type { GraphDoc } from '../core/doc/schema.ts';
import type { IRPhase } from '../core/ir.ts';
import { lowerGraph } from '../core/lower.ts';
import { createRng } from '../core/rng.ts';
import { nodeDatasetIO } from '../node/dataset-io.ts';
import { loadRegistry } from '../node/discover-nodes.ts';
import { toTensors } from '../trainer/feeds.ts';
import { runFitPhase } from '../trainer/fit-phase.ts';
import { train } from '../trainer/loop.ts';

const registry = await loadRegistry();

beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.env().set('PROD', true);
});

/** iris (4 features) → Student-t clustering (K = 3, α) → output; one fit phase. */
function doc(alpha = 1): GraphDoc {
  return {
    format: 'netwright.graph',
    formatVersion: 2,
    meta: { title: 'student-t' },
    nodes: {
      input: { type: 'io.input', v: 1, params: { shape: [4] } },
      st: { type: 'fit.studentTClustering', v: 1, params: { clusters: 3, alpha, nInit: 4 } },
      output: { type: 'io.output', v: 1, params: {} },
    } as GraphDoc['nodes'],
    edges: {
      a: { from: { node: 'input', port: 'y' }, to: { node: 'st', port: 'x' } },
      b: { from: { node: 'st', port: 'y' }, to: { node: 'output', port: 'x' } },
    },
    training: {
      dataset: { name: 'iris', params: {} },
      optimizer: { type: 'optimizers.adam', params: {} },
      batchSize: 32,
      epochs: 1,
      seed: 1,
      phases: [{ name: 'kmeans', kind: 'fit', epochs: 1, nodes: ['st'] }],
    },
    layout: {},
  } as GraphDoc;
}

function build(alpha = 1) {
  const a = analyse(doc(alpha), registry);
  expect(a.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const { ir } = lowerGraph(a, registry);
  return { ir: ir!, compiled: compileIR(ir!, registry, { seed: 1 }) };
}

describe('fit.studentTClustering', () => {
  it('outputs q_ij = (1 + ‖z_i − μ_j‖²/α)^(−(α+1)/2), normalised per row (Float64 reference)', () => {
    for (const alpha of [1, 2.5]) {
      const { compiled } = build(alpha);
      const mu = compiled.weights(['st'])[0]!.read().arraySync() as number[][];
      const rng = createRng(3);
      const z = Array.from({ length: 5 }, () => Array.from({ length: 4 }, () => rng.normal()));
      const q = tf.tidy(
        () =>
          compiled
            .run({ input: tf.tensor2d(z) }, { training: false })
            .get('st')!
            .arraySync() as number[][],
      );
      z.forEach((zi, i) => {
        const num = mu.map(
          (m) => (1 + m.reduce((s, v, t) => s + (zi[t]! - v) ** 2, 0) / alpha) ** (-(alpha + 1) / 2),
        );
        const total = num.reduce((s, v) => s + v, 0);
        num.forEach((v, j) => {
          expect(q[i]![j]!).toBeCloseTo(v / total, 5);
        });
      });
      compiled.dispose();
    }
  });

  it('a fit phase sets the centroids to the pure-TS k-means++ result on the same rows and stream', async () => {
    const { ir, compiled } = build();
    const data = await loadBinding(ir.training!.dataset, createRng(2), nodeDatasetIO);
    const tensors = toTensors(data, 'train');
    const before = tf.memory().numTensors;
    await runFitPhase(compiled, registry, ir.training!.phases![0] as IRPhase, tensors, createRng(77));
    expect(tf.memory().numTensors).toBe(before);
    tensors.dispose();
    const got = compiled.weights(['st'])[0]!.read().dataSync();
    const rows = { data: Float64Array.from(data.train.x), rows: data.train.count, cols: 4 };
    const want = kMeans(rows, 3, { rng: createRng(77), nInit: 4, maxIter: 300 });
    expect([...got]).toEqual([...Float32Array.from(want.centroids)]);
    compiled.dispose();
  });

  it('through train() on a fit-only graph: a Lloyd fixed point on the training rows, no tensor leaks', async () => {
    const { ir, compiled } = build();
    const data = await loadBinding(ir.training!.dataset, createRng(2), nodeDatasetIO);
    const before = tf.memory().numTensors;
    const r = await train(compiled, registry, data, ir.training!, {});
    expect(r.status).toBe('done');
    expect(tf.memory().numTensors).toBe(before);
    const mu = compiled.weights(['st'])[0]!.read().arraySync() as number[][];
    const n = data.train.count;
    const sums = mu.map(() => [0, 0, 0, 0]);
    const counts = [0, 0, 0];
    for (let i = 0; i < n; i++) {
      const x = Array.from(data.train.x.subarray(i * 4, i * 4 + 4));
      const d = mu.map((m) => m.reduce((s, v, t) => s + (x[t]! - v) ** 2, 0));
      const j = d.indexOf(Math.min(...d));
      counts[j]!++;
      x.forEach((v, t) => {
        sums[j]![t]! += v;
      });
    }
    mu.forEach((m, j) => {
      expect(counts[j]).toBeGreaterThan(0);
      m.forEach((v, t) => {
        expect(v).toBeCloseTo(sums[j]![t]! / counts[j]!, 5);
      });
    });
    compiled.dispose();
  });
});
