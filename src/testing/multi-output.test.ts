// Nodes with several outputs (IRNode.outputPorts, Kernel.callPorts): each port feeds its own
// consumers through compile, run and the trainer's heads; the TypeScript exporter prints them, the
// PyTorch one refuses them by name.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileIR } from '../compiler/compile.ts';
import { analyse } from '../core/analysis/analyse.ts';
import { CodegenError, generateTypeScript } from '../core/codegen/index.ts';
import { generatePyTorch } from '../core/codegen/pytorch.ts';
import type { GraphDoc } from '../core/doc/schema.ts';
import { lowerGraph } from '../core/lower.ts';
import { createRng } from '../core/rng.ts';
import { loadRegistry } from '../node/discover-nodes.ts';
import { evaluate, toTensors } from '../trainer/loop.ts';

const registry = await loadRegistry();
const N = 20;
const W = 6;
const K = 2;

beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.env().set('PROD', true);
});

/** x → topK(k=2); values → MSE a, indices → MSE b, both against targets [N, 2] (the labels). */
function graph(): GraphDoc {
  return {
    format: 'netwright.graph',
    formatVersion: 2,
    meta: { title: 'top-k' },
    nodes: {
      x: { type: 'io.input', v: 1, params: { shape: [W] } },
      top: { type: 'primitives.topK', v: 1, params: { k: K } },
      onValues: { type: 'losses.meanSquaredError', v: 1, params: {} },
      onIndices: { type: 'losses.meanSquaredError', v: 1, params: {} },
      t: { type: 'io.input', v: 1, params: { shape: [K], source: 'labels' } },
    },
    edges: {
      e1: { from: { node: 'x', port: 'y' }, to: { node: 'top', port: 'x' } },
      e2: { from: { node: 'top', port: 'values' }, to: { node: 'onValues', port: 'pred' } },
      e3: { from: { node: 'top', port: 'indices' }, to: { node: 'onIndices', port: 'pred' } },
      e4: { from: { node: 't', port: 'y' }, to: { node: 'onValues', port: 'target' } },
      e5: { from: { node: 't', port: 'y' }, to: { node: 'onIndices', port: 'target' } },
    },
    layout: {},
  };
}

describe('multi-output nodes', () => {
  it('lower records every port; each port reaches its own consumer (losses = brute force)', async () => {
    const a = analyse(graph(), registry);
    expect(a.diagnostics).toEqual([]);
    const ir = lowerGraph(a, registry).ir!;
    const top = ir.nodes.find((n) => n.id === 'top')!;
    expect(top.outputPorts).toEqual([
      { name: 'values', shape: [null, K], dtype: 'float32' },
      { name: 'indices', shape: [null, K], dtype: 'float32' },
    ]);
    const rng = createRng(9);
    const x = Float32Array.from({ length: N * W }, () => rng.normal());
    const y = Float32Array.from({ length: N * K }, () => rng.normal() + 2);
    const split = { x, y, count: N };
    const data = toTensors(
      {
        binding: { name: 't', featureShape: [W], labels: { kind: 'values', shape: [K] } },
        train: split,
        val: split,
      },
      'val',
    );
    const compiled = compileIR(ir, registry);
    const e = await evaluate(compiled, registry, data, { chunk: 7 });
    data.dispose();
    compiled.dispose();
    let sv = 0;
    let si = 0;
    for (let i = 0; i < N; i++) {
      const row = Array.from(x.subarray(i * W, (i + 1) * W));
      const order = row.map((v, j) => [v, j] as const).sort((p, q) => q[0] - p[0]);
      for (let j = 0; j < K; j++) {
        sv += (order[j]![0] - y[i * K + j]!) ** 2;
        si += (order[j]![1] - y[i * K + j]!) ** 2;
      }
    }
    expect(e.terms.onValues).toBeCloseTo(sv / (N * K), 5);
    expect(e.terms.onIndices).toBeCloseTo(si / (N * K), 5);
  });

  it('the TypeScript exporter prints it (src/testing/export.test.ts trains it); the PyTorch one refuses it by name', () => {
    const ir = lowerGraph(analyse(graph(), registry), registry).ir!;
    expect(generateTypeScript(ir, registry)).toContain('private port1(');
    let err: unknown;
    try {
      generatePyTorch(ir, registry);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CodegenError);
    expect((err as CodegenError).nodeId).toBe('top');
    expect((err as Error).message).toMatch(
      /^export\/unsupported: node 'top' \(Top-k\) has several outputs \(values, indices\); the PyTorch exporter/,
    );
  });
});
