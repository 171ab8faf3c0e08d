// Activation curves (what the canvas draws on learnable activations) vs closed forms.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileIR } from '../compiler/compile.ts';
import { analyse } from '../core/analysis/analyse.ts';
import type { GraphDoc } from '../core/doc/schema.ts';
import { lowerGraph } from '../core/lower.ts';
import type { Registry } from '../core/registry.ts';
import { loadRegistry } from '../node/discover-nodes.ts';
import { activationCurves } from '../trainer/curves.ts';
import { derivative } from '../ui/activation-curve.tsx';

let registry: Registry;
beforeAll(async () => {
  registry = await loadRegistry();
  await tf.setBackend('cpu');
});

const doc: GraphDoc = {
  format: 'netwright.graph',
  formatVersion: 2,
  meta: { title: 'curves' },
  nodes: {
    in: { type: 'io.input', v: 1, params: { shape: [3, 4] } },
    act: {
      type: 'activations.expression',
      v: 1,
      params: { formula: 'a * x * cos(x) + b', scalars: 'a = 0.5, b = 0.25' },
    },
    soft: { type: 'activations.softmax', v: 1, params: {} },
    out: { type: 'io.output', v: 1, params: {} },
  },
  edges: {
    e1: { from: { node: 'in', port: 'y' }, to: { node: 'act', port: 'x' } },
    e2: { from: { node: 'act', port: 'y' }, to: { node: 'soft', port: 'x' } },
    e3: { from: { node: 'soft', port: 'y' }, to: { node: 'out', port: 'x' } },
  },
  layout: {},
};

describe('activation curves', () => {
  it('sample f with the current weights (0.5·x·cos x + 0.25), skip softmax, leak nothing', async () => {
    const compiled = compileIR(lowerGraph(analyse(doc, registry), registry).ir!, registry, { seed: 1 });
    const before = tf.memory().numTensors;
    const curves = await activationCurves(compiled);
    expect(tf.memory().numTensors).toBe(before);
    expect(Object.keys(curves)).toEqual(['act']);
    const { x, y } = curves.act!;
    expect(x[0]).toBe(-4);
    expect(x.at(-1)).toBe(4);
    x.forEach((v, i) => {
      expect(y[i]).toBeCloseTo(0.5 * v * Math.cos(v) + 0.25, 5);
    });
    // A trained weight shows: set a = 2.
    const layer = compiled.layers.get('act')!;
    layer.setWeights(layer.getWeights().map((w, i) => (i === 0 ? tf.tensor1d([2]) : w)));
    const moved = await activationCurves(compiled);
    x.forEach((v, i) => {
      expect(moved.act!.y[i]).toBeCloseTo(2 * v * Math.cos(v) + 0.25, 5);
    });
    compiled.dispose();
  });

  it('derivative by central differences matches the closed form inside the range', () => {
    const x = Array.from({ length: 81 }, (_, i) => -4 + i * 0.1);
    const y = x.map((v) => v * v * v);
    const d = derivative(x, y);
    for (let i = 1; i < x.length - 1; i++) expect(d[i]).toBeCloseTo(3 * x[i]! * x[i]! + 0.01, 6);
  });
});

describe('preview curves (drawn before training) = the compiled node at its initial values', () => {
  it('every node type with a preview', () => {
    const withPreview = registry.all().filter((d) => d.previewCurve);
    expect(withPreview.map((d) => d.type).sort()).toEqual([
      'activations.crrelu',
      'activations.expression',
      'activations.symbolic',
    ]);
    for (const def of withPreview) {
      const g: GraphDoc = {
        format: 'netwright.graph',
        formatVersion: 2,
        meta: { title: def.type },
        nodes: {
          in: { type: 'io.input', v: 1, params: { shape: [1] } },
          act: { type: def.type, v: def.version, params: {} },
          out: { type: 'io.output', v: 1, params: {} },
        },
        edges: {
          e1: { from: { node: 'in', port: 'y' }, to: { node: 'act', port: 'x' } },
          e2: { from: { node: 'act', port: 'y' }, to: { node: 'out', port: 'x' } },
        },
        layout: {},
      };
      const a = analyse(g, registry);
      expect(a.diagnostics).toEqual([]);
      const preview = def.previewCurve!(a.nodes.get('act')!.params);
      const compiled = compileIR(lowerGraph(a, registry).ir!, registry, { seed: 1 });
      const y = tf.tidy(
        () =>
          compiled
            .run({ in: tf.tensor2d([...preview.x], [preview.x.length, 1]) }, { training: false })
            .get('act')!
            .dataSync() as Float32Array,
      );
      preview.x.forEach((_, i) => {
        expect(preview.y[i]).toBeCloseTo(y[i]!, 4);
      });
      compiled.dispose();
    }
  });
});
