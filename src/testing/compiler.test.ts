// The compiler: layer names are node ids, tfjs failures name the node, initial weights follow the
// seed, and models with kernel layers save and reload through tfjs's own serialization.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { CompileError, compileIR } from '../compiler/compile.ts';
import { analyseText } from '../core/analysis/analyse.ts';
import type { ModelIR } from '../core/ir.ts';
import { lowerGraph } from '../core/lower.ts';
import { loadRegistry } from '../node/discover-nodes.ts';
import { readTemplate } from '../node/templates.ts';

const registry = await loadRegistry();

beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.env().set('PROD', true);
});

const lenetIR = (): ModelIR => lowerGraph(analyseText(readTemplate('lenet-5'), registry), registry).ir!;

describe('compileIR', () => {
  it('names every tfjs layer after its node', () => {
    const ir = lenetIR();
    const c = compileIR(ir, registry);
    expect(c.model.layers.map((l) => l.name)).toEqual(ir.nodes.map((n) => n.id));
    c.dispose();
  });

  it('same seed → same initial weights; another seed → different', () => {
    const ir = lenetIR();
    const weights = (seed: number) => {
      const c = compileIR(ir, registry, { seed });
      const w = c.layers.get('f5')!.getWeights()[0]!.dataSync().slice(0, 20);
      c.dispose();
      return Array.from(w);
    };
    expect(weights(7)).toEqual(weights(7));
    expect(weights(7)).not.toEqual(weights(8));
  });

  it('a layer tfjs refuses becomes a CompileError naming the node', () => {
    const ir = lenetIR();
    const broken: ModelIR = {
      ...ir,
      nodes: ir.nodes.map((n) =>
        n.id === 'c3' && n.op.kind === 'layer' ? { ...n, op: { ...n.op, layer: 'noSuchLayer' } } : n,
      ),
    };
    let err: unknown;
    try {
      compileIR(broken, registry);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CompileError);
    expect((err as CompileError).nodeId).toBe('c3');
  });

  it('a model with kernel layers saves and reloads through tfjs serialization with equal outputs', async () => {
    const text = JSON.stringify({
      format: 'netwright.graph',
      formatVersion: 2,
      meta: { title: 'kernels' },
      nodes: {
        a: { type: 'io.input', v: 1, params: { shape: [6] } },
        b: { type: 'io.input', v: 1, params: { shape: [6] } },
        diff: { type: 'layers.subtract', v: 1, params: {} },
        act: { type: 'activations.elu', v: 1, params: { alpha: 0.5 } },
        out: { type: 'layers.dense', v: 1, params: { units: 3 } },
      },
      edges: {
        e1: { from: { node: 'a', port: 'y' }, to: { node: 'diff', port: 'x1' } },
        e2: { from: { node: 'b', port: 'y' }, to: { node: 'diff', port: 'x2' } },
        e3: { from: { node: 'diff', port: 'y' }, to: { node: 'act', port: 'x' } },
        e4: { from: { node: 'act', port: 'y' }, to: { node: 'out', port: 'x' } },
      },
    });
    const a = analyseText(text, registry);
    expect(a.diagnostics).toEqual([]);
    const ir = lowerGraph(a, registry).ir!;
    expect(ir.nodes.filter((n) => n.op.kind === 'kernel').map((n) => n.id)).toEqual(['diff', 'act']);
    const c = compileIR(ir, registry);
    const xa = tf.randomNormal([4, 6], 0, 1, 'float32', 1);
    const xb = tf.randomNormal([4, 6], 0, 1, 'float32', 2);
    const before = c.model.predict([xa, xb]) as tf.Tensor;
    // ELU with α = 0.5 by definition, through the dense layer's own weights.
    const [w, bias] = c.layers.get('out')!.getWeights() as [tf.Tensor, tf.Tensor];
    const expected = tf.tidy(() => {
      const d = tf.sub(xa, xb);
      const e = tf.where(tf.greater(d, 0), d, tf.mul(0.5, tf.sub(tf.exp(d), 1)));
      return tf.add(tf.matMul(e, w), bias);
    });
    expect(tf.max(tf.abs(tf.sub(before, expected))).dataSync()[0]).toBeLessThan(1e-5);

    let artifacts: tf.io.ModelArtifacts | undefined;
    await c.model.save(
      tf.io.withSaveHandler(async (art) => {
        artifacts = art;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const reloaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts!));
    const after = reloaded.predict([xa, xb]) as tf.Tensor;
    expect(tf.max(tf.abs(tf.sub(before, after))).dataSync()[0]).toBe(0);
    tf.dispose([xa, xb, before, after, expected]);
    reloaded.dispose();
    c.dispose();
  });
});
